"""Emails to the insured person at each status change of their claim (sent by a worker).

The status changes are the outbox: every ClaimStatusChange not yet told (`notified_at` empty) is
an e-mail to send. A batch of them is locked (rows another worker holds are skipped), the e-mails
go out, and the rows are marked in the same transaction: a change is told at most once, however
many times the task runs; an SMTP failure rolls the batch back, to be sent at the next run.
Each e-mail is written in the insured person's language (Insured.language), the reasons of a
rejection or of an adjusted line included (claims.services.explanations).
"""
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Claim, ClaimStatus, ClaimStatusChange, DocumentRequest
from claims.services.explanations import claim_reasons, decisions_by_claim, reasons_text

#: The subject of each status the insured person is told of. The steps that are no news to them
#: (claims.outbox.UNTOLD_STATUSES: a claim put into a payment bordereau) are written told and have none.
SUBJECTS: dict[str, str | Promise] = {
    ClaimStatus.SUBMITTED: gettext_lazy("Votre dossier %(number)s a bien été déposé"),
    ClaimStatus.IN_CONTROL: gettext_lazy("Votre dossier %(number)s est en cours de contrôle"),
    ClaimStatus.DOCUMENTS_REQUESTED: gettext_lazy("Dossier %(number)s : des pièces sont à fournir"),
    ClaimStatus.LIQUIDATED: gettext_lazy("Dossier %(number)s liquidé : %(amount)s DH vous seront versés"),
    ClaimStatus.REJECTED: gettext_lazy("Dossier %(number)s rejeté"),
    ClaimStatus.PAID: gettext_lazy("Dossier %(number)s payé : %(amount)s DH"),
    ClaimStatus.PAYMENT_REJECTED: gettext_lazy("Dossier %(number)s : le virement a été rejeté par la banque"),
    ClaimStatus.UNDER_APPEAL: gettext_lazy("Dossier %(number)s : votre réclamation a bien été reçue"),
}

#: After a réclamation, the status reached says less than the decision: these subjects and bodies
#: (by the change's reason code) tell it instead.
DECISION_SUBJECTS: dict[str, str | Promise] = {
    "reclamation_accueillie": gettext_lazy("Dossier %(number)s : votre réclamation est accueillie"),
    "reclamation_rejetee": gettext_lazy("Dossier %(number)s : votre réclamation est rejetée"),
}
DECISION_BODIES: dict[str, str | Promise] = {
    "reclamation_accueillie": gettext_lazy(
        "%(reason)s\n\nLe dossier a été reliquidé : %(amount)s DH de remboursement au total. "
        "Ce qui reste dû vous sera versé avec le prochain bordereau de paiement.\n\nDétail : %(url)s"),
    "reclamation_rejetee": gettext_lazy(
        "%(reason)s\n\nSi vous contestez cette décision, vous pouvez saisir l'Agence nationale de "
        "l'assurance maladie (ANAM), chargée de l'arbitrage des litiges de l'AMO (loi 65-00). Détail : %(url)s"),
}

BODIES: dict[str, str | Promise] = {
    ClaimStatus.DOCUMENTS_REQUESTED: gettext_lazy("Votre mutuelle a besoin de pièces complémentaires :\n"
                                                  "%(missing)s\n\nAjoutez-les depuis votre espace : %(url)s"),
    ClaimStatus.REJECTED: gettext_lazy("Motif du rejet :\n\n%(reasons)s\n\nDétail : %(url)s"),
    ClaimStatus.PAYMENT_REJECTED: gettext_lazy("Vérifiez votre RIB dans votre espace (%(url)s) : le dossier sera "
                                               "payé dans un prochain bordereau une fois le RIB corrigé."),
    ClaimStatus.UNDER_APPEAL: gettext_lazy(
        "Votre mutuelle étudie votre réclamation ; une autre personne que l'auteur de la décision contestée "
        "en décidera. Aucun paiement n'est fait sur ce dossier d'ici là.\n\nSuivez-la dans votre espace : %(url)s"),
}
DEFAULT_BODY = gettext_lazy("Suivez votre dossier dans votre espace assuré : %(url)s")
#: Before the link of a liquidated claim whose lines an agent rejected or adjusted.
ADJUSTED_BODY = gettext_lazy("Votre mutuelle a modifié des lignes du dossier :\n\n%(reasons)s\n\n"
                             "Suivez votre dossier dans votre espace assuré : %(url)s")
GREETING = gettext_lazy("Bonjour %(name)s,")
SIGNATURE = gettext_lazy("Votre mutuelle")
#: The changes whose e-mail gives the reasons (and so reads the claim's decisions).
EXPLAINED = (ClaimStatus.REJECTED, ClaimStatus.LIQUIDATED)

#: Changes told per transaction: a bordereau of 100,000 claims paid is 100 batches, each holding
#: its rows' locks for the time of one SMTP exchange (one connection per batch).
BATCH = 1000


class Told(NamedTuple):
    """What one batch of the outbox did."""

    sent: int  #: e-mails sent
    last_id: int  #: the last change of the batch (the next batch of the same run starts after it)
    more: bool  #: whether more changes may be waiting


def send_status_emails_batch(*, limit: int = BATCH, after: int = 0) -> Told:
    """Tell the insured persons of up to `limit` changes not yet told, oldest first from the change
    after `after`, in one transaction.

    A run of the task goes forward from batch to batch (`after`: the last change of the previous
    batch): the changes it has just told stay in the outbox's index until the next vacuum, and
    starting each batch from the first id would walk past all of them again. A change committed
    behind the run's position (a transaction that began earlier and ended later) is taken by the
    next run, which starts from the beginning: each commit that changes statuses queues one."""
    with transaction.atomic():
        changes = list(ClaimStatusChange.objects.filter(notified_at__isnull=True, pk__gt=after).order_by("pk")
                       .select_for_update(skip_locked=True).values_list("pk", "claim_id", "from_status",
                                                                        "to_status", "reason_code",
                                                                        "reason")[:limit])
        if not changes:
            return Told(0, after, False)
        sent = status_emails([(claim_id, to, *decision) for _, claim_id, before, to, *decision in changes if before])
        ClaimStatusChange.objects.filter(pk__in=[pk for pk, *_ in changes]).update(notified_at=timezone.now())
    return Told(sent, changes[-1][0], len(changes) == limit)


def status_emails(changes: Sequence[tuple]) -> int:
    """Send one email per change (claim id, status reached, and optionally the change's reason code
    and reason) of a claim whose insured person has an email address; returns how many were sent.
    The first row of a claim ("" → déposé) is not passed here: the controls' outcome, moments
    later, is the insured person's first message."""
    if not changes:
        return 0
    claims = _claims({pk for pk, *_ in changes})
    # The missing documents matter only to the changes that asked for them, the decisions only to
    # rejections and liquidations: one query each for those, rather than a prefetch per claim (a
    # worker tells a batch of claims at a time).
    asked = {claim_id for claim_id, to, *_ in changes if to == ClaimStatus.DOCUMENTS_REQUESTED}
    missing = dict(DocumentRequest.objects.filter(claim_id__in=asked).order_by("claim_id", "created_at")
                   .values_list("claim_id", "missing")) if asked else {}  # the latest request wins
    explained = {claim_id for claim_id, to, *_ in changes if to in EXPLAINED}
    decisions = decisions_by_claim(explained) if explained else {}
    # By language, each in one translation.override: the batch's fixed texts are translated once per
    # language (_Texts), not once per e-mail; the messages keep the changes' order.
    by_language: dict[str, list[tuple[int, Claim, str, tuple[str, str]]]] = defaultdict(list)
    for index, (claim_id, to, *extra) in enumerate(changes):
        claim = claims.get(claim_id)
        if claim is None or not claim.insured.email or to not in SUBJECTS:
            continue
        code, reason = (list(extra) + ["", ""])[:2]
        by_language[claim.insured.language or settings.LANGUAGE_CODE].append((index, claim, to, (code, reason)))
    messages = []
    for language, items in by_language.items():
        with translation.override(language):
            texts = _Texts()
            for index, claim, to, decision in items:
                subject, body = _status_email(claim, to, missing.get(claim.pk, ""), decisions.get(claim.pk, []),
                                              decision=decision, text=texts)
                messages.append((index, (subject, body, settings.DEFAULT_FROM_EMAIL, [claim.insured.email])))
    messages.sort(key=itemgetter(0))
    return send_mass_mail([message for _, message in messages], fail_silently=False) if messages else 0


def _claims(ids: set[int]) -> dict[int, Claim]:
    """The batch's claims with their insured persons (in no order: the model's would sort them)."""
    return {claim.pk: claim for claim in Claim.objects.filter(pk__in=ids).order_by().select_related("insured")
            .only("number", "status", "total_amo", "total_complementary", "rejection_code", "rejection_message",
                  "insured__email", "insured__first_name", "insured__last_name", "insured__language")}


class _Texts(dict):
    """The fixed texts of the e-mails (subjects, bodies, greeting, signature) in the active language,
    each translated at its first use: keyed by the lazy text's identity (hashing a lazy text would
    translate it)."""

    def __call__(self, text: str | Promise) -> str:
        key = id(text)
        if key not in self:
            self[key] = str(text)
        return self[key]


def _status_email(claim: Claim, to: str, missing: str, decisions: list, *, decision: tuple[str, str],
                  text: _Texts) -> tuple[str, str]:
    """The subject and body of one change, in the active language (`text`: its fixed texts); a
    réclamation's decision (the change's reason code and reason) says what was decided."""
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")
    amount = f"{claim.reimbursed:.2f}".replace(".", ",") if claim.reimbursed is not None else "0,00"
    reasons = reasons_text(claim_reasons(claim, decisions)) if to in EXPLAINED else ""
    context = {"number": claim.number, "amount": amount, "missing": missing, "reasons": reasons,
               "url": f"{base}/espace/dossiers/{claim.pk}/"}
    code, reason = decision
    template: str | Promise = BODIES.get(to) or (ADJUSTED_BODY if reasons else DEFAULT_BODY)
    if to == ClaimStatus.REJECTED and not reasons:
        context["reasons"] = _("Le dossier n'ouvre droit à aucun remboursement.")
    subject: str | Promise = SUBJECTS[to]
    if code in DECISION_SUBJECTS:
        template, subject, context["reason"] = DECISION_BODIES[code], DECISION_SUBJECTS[code], reason
    body = text(template) % context
    greeting = text(GREETING) % {"name": claim.insured.full_name}
    return text(subject) % context, f"{greeting}\n\n{body}\n\n{text(SIGNATURE)}"
