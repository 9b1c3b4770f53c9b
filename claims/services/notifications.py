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
    ClaimStatus.UNDER_APPEAL: "Dossier {number} : votre réclamation a bien été reçue",
}

#: After a réclamation, the status reached says less than the decision: these subjects and bodies
#: (by the change's reason code) tell it instead.
DECISION_SUBJECTS = {
    "reclamation_accueillie": "Dossier {number} : votre réclamation est accueillie",
    "reclamation_rejetee": "Dossier {number} : votre réclamation est rejetée",
}
DECISION_BODIES = {
    "reclamation_accueillie": "{reason}\n\nLe dossier a été reliquidé : {amount} DH de remboursement au total. "
                              "Ce qui reste dû vous sera versé avec le prochain bordereau de paiement.\n\n"
                              "Détail : {url}",
    "reclamation_rejetee": "{reason}\n\nSi vous contestez cette décision, vous pouvez saisir l'Agence nationale "
                           "de l'assurance maladie (ANAM), chargée de l'arbitrage des litiges de l'AMO "
                           "(loi 65-00). Détail : {url}",
}

BODIES = {
    ClaimStatus.DOCUMENTS_REQUESTED: "Votre mutuelle a besoin de pièces complémentaires :\n{missing}\n\n"
                                     "Ajoutez-les depuis votre espace : {url}",
    ClaimStatus.REJECTED: "Motif : {reason}\n\nDétail : {url}",
    ClaimStatus.PAYMENT_REJECTED: "Vérifiez votre RIB dans votre espace ({url}) : le dossier sera payé "
                                  "dans un prochain bordereau une fois le RIB corrigé.",
    ClaimStatus.UNDER_APPEAL: "Votre mutuelle étudie votre réclamation ; une autre personne que l'auteur de la "
                              "décision contestée en décidera. Aucun paiement n'est fait sur ce dossier d'ici là.\n\n"
                              "Suivez-la dans votre espace : {url}",
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
                                                                        "to_status", "reason_code",
                                                                        "reason")[:limit])
        if not changes:
            return 0, False
        sent = status_emails([(claim_id, to, *decision) for _, claim_id, before, to, *decision in changes if before])
        ClaimStatusChange.objects.filter(pk__in=[pk for pk, *_ in changes]).update(notified_at=timezone.now())
    return sent, len(changes) == limit


def status_emails(changes: Sequence[tuple]) -> int:
    """Send one email per change (claim id, status reached, and optionally the change's reason
    code and reason) of a claim whose insured person has an email address; returns how many were
    sent. The first row of a claim ("" → déposé) is not
    passed here: the controls' outcome, moments later, is the insured person's first message."""
    if not changes:
        return 0
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")
    claims = {claim.pk: claim for claim in Claim.objects.filter(pk__in={pk for pk, *_ in changes})
              .select_related("insured").only("number", "status", "total_amo", "total_complementary",
                                              "rejection_message", "insured__email", "insured__first_name",
                                              "insured__last_name")}
    # The missing documents matter only to the changes that asked for them: one query for those,
    # rather than a prefetch per claim (a worker tells a batch of claims at a time).
    asked = {claim_id for claim_id, to, *_ in changes if to == ClaimStatus.DOCUMENTS_REQUESTED}
    missing = dict(DocumentRequest.objects.filter(claim_id__in=asked).order_by("claim_id", "created_at")
                   .values_list("claim_id", "missing")) if asked else {}  # the latest request wins
    messages = []
    for claim_id, to, *decision in changes:
        code, reason = (decision + ["", ""])[:2]
        claim = claims.get(claim_id)
        if claim is None or not claim.insured.email or to not in SUBJECTS:
            continue
        amount = f"{claim.reimbursed:.2f}".replace(".", ",") if claim.reimbursed is not None else "0,00"
        context = {"number": claim.number, "amount": amount, "reason": claim.rejection_message,
                   "missing": missing.get(claim.pk, ""), "url": f"{base}/espace/dossiers/{claim.pk}/"}
        if code in DECISION_SUBJECTS:
            context["reason"] = reason
        subject = DECISION_SUBJECTS.get(code, SUBJECTS[to]).format(**context)
        body = DECISION_BODIES.get(code, BODIES.get(to, DEFAULT_BODY)).format(**context)
        messages.append((subject, f"Bonjour {claim.insured.full_name},\n\n{body}\n\nVotre mutuelle",
                         settings.DEFAULT_FROM_EMAIL, [claim.insured.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
