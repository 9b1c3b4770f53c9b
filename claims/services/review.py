"""The mutuelle agents' decisions on claims under control: accept, confirm, adjust or reject a
line, reject the claim, ask for documents (MISSION.md, role 2; domain.md §5.2 steps 3-5).

Every decision locks the claim, refuses a form built on an older version of it (optimistic
lock, `Claim.version`), records who decided what and why (`ClaimDecision`, with the values
before and after), and changes the status only through claims.workflow.transition_claim.
"""
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from amo_portal.exceptions import ConflictError, DomainError
from amo_portal.money import MAX_AMOUNT, ZERO, format_dh, is_amount
from claims.exceptions import StaleClaim
from claims.models import Claim, ClaimDecision, ClaimLine, ClaimStatus, DocumentRequest, LineKind, RejectionReason
from claims.services.line_results import rejected_by_agent, write_line_results
from claims.services.pricing import parse_cotation
from claims.services.reliquidation import reliquidate_claim
from claims.workflow import transition_claim
from mutuelles.models import StaffRole

MSG_NOT_YOUR_MUTUELLE = "Ce dossier n'est pas géré par votre mutuelle : vous ne pouvez pas décider à son sujet."
MSG_NOT_STAFF = "Seul le personnel de la mutuelle peut décider d'un dossier."
MSG_NOT_IN_CONTROL = ("Le dossier {number} est « {status} » : cette décision n'est possible que sur un dossier "
                      "en contrôle.")
MSG_NOT_PRICED = "Le dossier {number} n'a pas encore été liquidé par les contrôles automatiques."
MSG_CONTROL_REJECTS = ("Les contrôles signalent : « {message} » Corrigez le dossier ou rejetez-le ; "
                       "il ne peut pas être accepté en l'état.")
MSG_ALREADY_FIRST_APPROVED = ("Le dossier {number} a déjà été accepté en premier contrôle : "
                              "il attend la confirmation d'un superviseur.")
MSG_NO_SECOND_APPROVAL = "Le dossier {number} n'attend pas de double contrôle."
MSG_ONLY_SUPERVISOR = ("Seul un superviseur de la mutuelle peut confirmer une décision soumise au double "
                       "contrôle : vous ne pouvez pas la confirmer.")
MSG_SAME_PERSON = "Vous avez proposé cette décision : un autre agent doit la confirmer."
MSG_REASON_REQUIRED = "Indiquez le motif de la décision."
MSG_UNKNOWN_REASON = "Motif de rejet inconnu ou retiré de la liste : « {code} »."
MSG_REASON_WRONG_SCOPE = "Le motif « {label} » ne s'applique pas à {what}."
MSG_NOTHING_CHANGED = "Ni le montant ni la cotation ne changent : rien à ajuster."
MSG_BAD_AMOUNT = "Le montant payé doit être positif, en dirhams avec au plus deux décimales, et au plus 1 000 000 DH."
MSG_BAD_COTATION = "Cotation illisible : écrivez la lettre clé puis le coefficient, par exemple « B 60 » ou « Cs »."
MSG_COTATION_ON_MEDICINE = "Une ligne de médicament n'a pas de cotation : ajustez son montant."
MSG_LINE_ALREADY_REJECTED = "La ligne n° {position} est déjà rejetée."
MSG_MISSING_REQUIRED = "Indiquez les pièces manquantes : l'assuré recevra ce texte."
MSG_VERSION_UNKNOWN = "Version du dossier inconnue : rechargez la liste avant d'accepter."

#: Statuses from which an agent may reject a claim outright (the insured person may never answer).
REJECTABLE = (ClaimStatus.IN_CONTROL, ClaimStatus.DOCUMENTS_REQUESTED)


class ReviewRefused(DomainError):
    code = "decision_refusee"


class ReviewConflict(ConflictError):
    code = "decision_impossible"


def _check_actor(claim: Claim, by) -> None:
    if not (by.is_active and by.is_mutuelle_staff):
        raise ReviewRefused(MSG_NOT_STAFF, code="hors_perimetre")
    if by.mutuelle_id != claim.mutuelle_id:
        raise ReviewRefused(MSG_NOT_YOUR_MUTUELLE, code="hors_perimetre")


def _lock(*, claim_id: int, version: int, by, statuses=(ClaimStatus.IN_CONTROL,)) -> Claim:
    """Lock the claim, then refuse if the actor may not decide, the form is stale, or the
    status does not allow a decision. The lock is held until the caller's transaction ends."""
    claim = (Claim.objects.select_for_update(no_key=True, of=("self",)).select_related("mutuelle")
             .get(pk=claim_id))
    _check_actor(claim, by)
    if claim.version != version:
        raise StaleClaim(claim=claim)
    if claim.status not in statuses:
        raise ReviewConflict(MSG_NOT_IN_CONTROL.format(number=claim.number,
                                                        status=ClaimStatus(claim.status).label))
    return claim


def _bump(claim: Claim, *fields: str) -> None:
    """Save `fields` and a new version in one UPDATE: any form still showing the old one is stale."""
    claim.version = F("version") + 1
    claim.save(update_fields=["version", "updated_at", *fields])
    claim.refresh_from_db(fields=["version"])


def _totals(claim: Claim) -> dict[str, str]:
    return {"total_paid": str(claim.total_paid), "total_amo": str(claim.total_amo),
            "total_complementary": str(claim.total_complementary), "total_patient": str(claim.total_patient)}


def _line_values(line: ClaimLine) -> dict[str, str]:
    names = ("amount_paid", "cotation", "tariff", "base", "amo_amount", "complementary_amount", "patient_amount",
             "rejected_reason_code")
    return {name: "" if getattr(line, name) is None else str(getattr(line, name)) for name in names}


def _record(claim: Claim, by, kind: str, *, line: ClaimLine | None = None, reason_code: str = "",
            comment: str = "", before: dict | None = None, after: dict | None = None) -> ClaimDecision:
    return ClaimDecision.objects.create(claim=claim, line=line, kind=kind, reason_code=reason_code,
                                        comment=comment.strip(), before=before or {}, after=after or {},
                                        decided_by=by)


def _clear_first_approval(claim: Claim) -> list[str]:
    """An approval covers the amounts it saw: any change to the claim asks for a new one."""
    if claim.first_approved_by_id is None and not claim.needs_second_approval:
        return []
    claim.first_approved_by = None
    claim.needs_second_approval = False
    return ["first_approved_by", "needs_second_approval"]


def _reason(code: str, *, scopes: tuple[str, ...], what: str) -> RejectionReason:
    reason = RejectionReason.objects.filter(code=code, active=True).first()
    if reason is None:
        raise ReviewRefused(MSG_UNKNOWN_REASON.format(code=code), extra={"champ": "reason_code"})
    if reason.scope not in scopes:
        raise ReviewRefused(MSG_REASON_WRONG_SCOPE.format(label=reason.label, what=what),
                            extra={"champ": "reason_code"})
    return reason


def four_eyes_required(claim: Claim) -> bool:
    """Reimbursement (AMO + complementary) at or above the mutuelle's four-eyes threshold;
    a threshold of zero turns the rule off."""
    threshold = claim.mutuelle.four_eyes_threshold
    return threshold > ZERO and (claim.reimbursed or ZERO) >= threshold


# --- accept and confirm -------------------------------------------------------------------


def _finalise(claim: Claim, by, reason: str) -> Claim:
    claim.liquidated_at = timezone.now()
    claim.needs_second_approval = False
    return transition_claim(claim=claim, to=ClaimStatus.LIQUIDATED, by=by, reason_code="acceptation_agent",
                            reason=reason, extra_fields=["liquidated_at", "needs_second_approval"])


@transaction.atomic
def accept_claim(*, claim: Claim, version: int, by, comment: str = "") -> Claim:
    """Accept a claim under control: its computed amounts become final and it is liquidated.
    At or above the mutuelle's four-eyes threshold, this is only the first approval and a
    superviseur of the same mutuelle, another person, must confirm (confirm_claim)."""
    claim = _lock(claim_id=claim.pk, version=version, by=by)
    if claim.needs_second_approval:
        raise ReviewConflict(MSG_ALREADY_FIRST_APPROVED.format(number=claim.number))
    if claim.total_amo is None or claim.total_complementary is None:
        raise ReviewConflict(MSG_NOT_PRICED.format(number=claim.number))
    if claim.rejection_code:
        raise ReviewConflict(MSG_CONTROL_REJECTS.format(message=claim.rejection_message))
    totals = _totals(claim)
    if four_eyes_required(claim):
        _record(claim, by, ClaimDecision.Kind.ACCEPT, comment=comment, before=totals,
                after={**totals, "etape": "premier_controle"})
        claim.first_approved_by = by
        claim.needs_second_approval = True
        _bump(claim, "first_approved_by", "needs_second_approval")
        return claim
    _record(claim, by, ClaimDecision.Kind.ACCEPT, comment=comment, before=totals, after=totals)
    return _finalise(claim, by, f"Accepté par {by.get_full_name() or by.username}, "
                                f"remboursement {format_dh(claim.reimbursed)}.")


@transaction.atomic
def confirm_claim(*, claim: Claim, version: int, by, comment: str = "") -> Claim:
    """Second approval of a claim above the four-eyes threshold: a superviseur of the mutuelle,
    not the person who accepted it first, confirms and the claim is liquidated."""
    claim = _lock(claim_id=claim.pk, version=version, by=by)
    if not claim.needs_second_approval:
        raise ReviewConflict(MSG_NO_SECOND_APPROVAL.format(number=claim.number))
    if by.role != StaffRole.SUPERVISOR:
        raise ReviewRefused(MSG_ONLY_SUPERVISOR, code="superviseur_requis")
    if claim.first_approved_by_id == by.pk:
        raise ReviewRefused(MSG_SAME_PERSON, code="meme_personne")
    totals = _totals(claim)
    _record(claim, by, ClaimDecision.Kind.CONFIRM, comment=comment, before=totals, after=totals)
    return _finalise(claim, by, f"Double contrôle confirmé par {by.get_full_name() or by.username}, "
                                f"remboursement {format_dh(claim.reimbursed)}.")


# --- lines --------------------------------------------------------------------------------


def _locked_line(*, line: ClaimLine, version: int, by) -> tuple[Claim, ClaimLine]:
    claim = _lock(claim_id=line.claim_id, version=version, by=by)
    return claim, ClaimLine.objects.get(pk=line.pk, claim=claim)


def _new_amount(amount_paid: Decimal | None, line: ClaimLine) -> Decimal:
    if amount_paid is None:
        return line.amount_paid
    if not isinstance(amount_paid, Decimal) or amount_paid > MAX_AMOUNT or not is_amount(amount_paid):
        raise ReviewRefused(MSG_BAD_AMOUNT, extra={"champ": "amount_paid"})
    return amount_paid


def _new_cotation(cotation: str | None, line: ClaimLine) -> str:
    if cotation is None or not cotation.strip() or cotation.strip() == line.cotation:
        return line.cotation
    if line.kind != LineKind.ACT:
        raise ReviewRefused(MSG_COTATION_ON_MEDICINE, extra={"champ": "cotation"})
    if parse_cotation(cotation) is None:
        raise ReviewRefused(MSG_BAD_COTATION, extra={"champ": "cotation"})
    return " ".join(cotation.split())


def _reprice(claim: Claim, line: ClaimLine, fields: dict) -> None:
    """Write the line's new inputs, then liquidate the claim again. The shares are cleared in
    the same UPDATE: a lower amount paid must never sit next to the old, higher shares."""
    cleared = dict.fromkeys(("base", "amo_amount", "complementary_amount", "patient_amount"))
    ClaimLine.objects.filter(pk=line.pk).update(**fields, **cleared, updated_at=timezone.now())
    reliquidate_claim(claim)
    line.refresh_from_db()
    claim.refresh_from_db(fields=["total_paid", "total_amo", "total_complementary", "total_patient",
                                  "review_reasons", "rejection_code", "rejection_message", "liquidation_count"])


@transaction.atomic
def adjust_line(*, line: ClaimLine, version: int, by, reason: str, amount_paid: Decimal | None = None,
                cotation: str | None = None) -> ClaimLine:
    """Correct what was read from the care sheet (amount paid, or the cotation of an act), with
    a reason, then liquidate the claim again at the tariffs in force on the care date."""
    if not reason.strip():
        raise ReviewRefused(MSG_REASON_REQUIRED, extra={"champ": "reason"})
    claim, line = _locked_line(line=line, version=version, by=by)
    new_amount, new_cotation = _new_amount(amount_paid, line), _new_cotation(cotation, line)
    if new_amount == line.amount_paid and new_cotation == line.cotation:
        raise ReviewRefused(MSG_NOTHING_CHANGED, code="rien_a_ajuster")
    before, before_totals = _line_values(line), _totals(claim)
    _reprice(claim, line, {"amount_paid": new_amount, "cotation": new_cotation})
    _record(claim, by, ClaimDecision.Kind.ADJUST_LINE, line=line, comment=reason,
            before={**before, **before_totals}, after={**_line_values(line), **_totals(claim)})
    _bump(claim, *_clear_first_approval(claim))
    return line


@transaction.atomic
def reject_line(*, line: ClaimLine, version: int, by, reason_code: str, comment: str = "") -> ClaimLine:
    """Refuse one line with a coded reason from the maintained list; the claim is liquidated
    again and the line pays nothing (pricing: LineReason.REJECTED_BY_AGENT)."""
    reason = _reason(reason_code, scopes=(RejectionReason.Scope.LINE, RejectionReason.Scope.BOTH),
                     what="une ligne")
    claim, line = _locked_line(line=line, version=version, by=by)
    if line.rejected_reason_code:
        raise ReviewConflict(MSG_LINE_ALREADY_REJECTED.format(position=line.position))
    before, before_totals = _line_values(line), _totals(claim)
    _reprice(claim, line, {"rejected_reason_code": reason.code})
    _record(claim, by, ClaimDecision.Kind.REJECT_LINE, line=line, reason_code=reason.code,
            comment=comment or reason.label, before={**before, **before_totals},
            after={**_line_values(line), **_totals(claim)})
    _bump(claim, *_clear_first_approval(claim))
    return line


# --- the whole claim ----------------------------------------------------------------------


@transaction.atomic
def reject_claim(*, claim: Claim, version: int, by, reason_code: str, comment: str = "") -> Claim:
    """Reject the whole claim with a coded reason; the insured person is told why (status email)."""
    reason = _reason(reason_code, scopes=(RejectionReason.Scope.CLAIM, RejectionReason.Scope.BOTH),
                     what="un dossier entier")
    claim = _lock(claim_id=claim.pk, version=version, by=by, statuses=REJECTABLE)
    message = f"{reason.label}. {comment.strip()}".strip() if comment.strip() else reason.label
    before = _totals(claim)
    lines = list(claim.lines.all())  # a rejected claim pays nothing (line_results.rejected_by_agent)
    write_line_results([line.pk for line in lines], rejected_by_agent(lines, f"Dossier rejeté : {message}"))
    claim.rejection_code, claim.rejection_message = reason.code, message[:400]
    claim.total_amo = claim.total_complementary = ZERO
    claim.total_patient = claim.total_paid
    _record(claim, by, ClaimDecision.Kind.REJECT_CLAIM, reason_code=reason.code, comment=comment or reason.label,
            before=before, after=_totals(claim))
    fields = ["rejection_code", "rejection_message", "total_amo", "total_complementary", "total_patient",
              *_clear_first_approval(claim)]
    return transition_claim(claim=claim, to=ClaimStatus.REJECTED, by=by, reason_code=reason.code, reason=message,
                            extra_fields=fields)


@transaction.atomic
def request_documents(*, claim: Claim, version: int, by, missing: str) -> DocumentRequest:
    """Ask the insured person for missing documents: the claim waits ("pièces demandées") and
    the status email tells them what is missing; their answer sends it back to the controls."""
    if not missing.strip():
        raise ReviewRefused(MSG_MISSING_REQUIRED, extra={"champ": "missing"})
    claim = _lock(claim_id=claim.pk, version=version, by=by)
    request = DocumentRequest.objects.create(claim=claim, missing=missing.strip(), requested_by=by)
    _record(claim, by, ClaimDecision.Kind.REQUEST_DOCUMENTS, comment=missing)
    transition_claim(claim=claim, to=ClaimStatus.DOCUMENTS_REQUESTED, by=by, reason_code="pieces_demandees",
                     reason=missing.strip(), extra_fields=_clear_first_approval(claim))
    return request
