"""Emails to the insured person at each status change of their claim (sent by a worker).

The status changes are the outbox: every ClaimStatusChange not yet told (`notified_at` empty) is
an e-mail to send. A batch of them is locked (rows another worker holds are skipped), the e-mails
go out, and the rows are marked in the same transaction: a change is told at most once, however
many times the task runs; an SMTP failure rolls the batch back, to be sent at the next run.
"""
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from claims.models import Claim, ClaimStatus, ClaimStatusChange, DocumentRequest

SUBJECTS = {
    ClaimStatus.SUBMITTED: "Votre dossier {number} a bien été déposé",
    ClaimStatus.IN_CONTROL: "Votre dossier {number} est en cours de contrôle",
    ClaimStatus.DOCUMENTS_REQUESTED: "Dossier {number} : des pièces sont à fournir",
    ClaimStatus.LIQUIDATED: "Dossier {number} liquidé : {amount} DH vous seront versés",
    ClaimStatus.REJECTED: "Dossier {number} rejeté",
    ClaimStatus.IN_BATCH: "Dossier {number} : paiement en préparation",
    ClaimStatus.PAID: "Dossier {number} payé : {amount} DH",
    ClaimStatus.PAYMENT_REJECTED: "Dossier {number} : le virement a été rejeté par la banque",
}

BODIES = {
    ClaimStatus.DOCUMENTS_REQUESTED: "Votre mutuelle a besoin de pièces complémentaires :\n{missing}\n\n"
                                     "Ajoutez-les depuis votre espace : {url}",
    ClaimStatus.REJECTED: "Motif : {reason}\n\nDétail : {url}",
    ClaimStatus.PAYMENT_REJECTED: "Vérifiez votre RIB dans votre espace ({url}) : le dossier sera payé "
                                  "dans un prochain bordereau une fois le RIB corrigé.",
}
DEFAULT_BODY = "Suivez votre dossier dans votre espace assuré : {url}"

#: Changes told per transaction: a bordereau of 100,000 claims paid is 200 batches, each holding
#: its rows' locks for the time of one SMTP exchange.
BATCH = 500


def send_status_emails_batch(*, limit: int = BATCH) -> tuple[int, bool]:
    """Tell the insured persons of up to `limit` changes not yet told, oldest first, in one
    transaction; returns (e-mails sent, whether more changes may be waiting)."""
    with transaction.atomic():
        changes = list(ClaimStatusChange.objects.filter(notified_at__isnull=True).order_by("pk")
                       .select_for_update(skip_locked=True).values_list("pk", "claim_id", "from_status",
                                                                        "to_status")[:limit])
        if not changes:
            return 0, False
        sent = status_emails([(claim_id, to) for _, claim_id, before, to in changes if before])
        ClaimStatusChange.objects.filter(pk__in=[pk for pk, *_ in changes]).update(notified_at=timezone.now())
    return sent, len(changes) == limit


def status_emails(changes: Sequence[tuple[int, str]]) -> int:
    """Send one email per change (claim id, status reached) of a claim whose insured person has
    an email address; returns how many were sent. The first row of a claim ("" → déposé) is not
    passed here: the controls' outcome, moments later, is the insured person's first message."""
    if not changes:
        return 0
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")
    claims = {claim.pk: claim for claim in Claim.objects.filter(pk__in={pk for pk, _ in changes})
              .select_related("insured").only("number", "status", "total_amo", "total_complementary",
                                              "rejection_message", "insured__email", "insured__first_name",
                                              "insured__last_name")}
    # The missing documents matter only to the changes that asked for them: one query for those,
    # rather than a prefetch per claim (a worker tells a batch of claims at a time).
    asked = {claim_id for claim_id, to in changes if to == ClaimStatus.DOCUMENTS_REQUESTED}
    missing = dict(DocumentRequest.objects.filter(claim_id__in=asked).order_by("claim_id", "created_at")
                   .values_list("claim_id", "missing")) if asked else {}  # the latest request wins
    messages = []
    for claim_id, to in changes:
        claim = claims.get(claim_id)
        if claim is None or not claim.insured.email or to not in SUBJECTS:
            continue
        amount = f"{claim.reimbursed:.2f}".replace(".", ",") if claim.reimbursed is not None else "0,00"
        context = {"number": claim.number, "amount": amount, "reason": claim.rejection_message,
                   "missing": missing.get(claim.pk, ""), "url": f"{base}/espace/dossiers/{claim.pk}/"}
        subject = SUBJECTS[to].format(**context)
        body = BODIES.get(to, DEFAULT_BODY).format(**context)
        messages.append((subject, f"Bonjour {claim.insured.full_name},\n\n{body}\n\nVotre mutuelle",
                         settings.DEFAULT_FROM_EMAIL, [claim.insured.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
