"""The insured person's réclamation against a decision on their claim, and its decision by the
mutuelle (law 65-00: réclamation to the organisme, then ANAM arbitration; domain.md §8.5).

Filing puts the claim "en réclamation" (nothing is paid meanwhile: claims.payable). A member of
the mutuelle's staff other than the author of the contested decision decides. Upheld, the
contested lines get back what was claimed and the claim is liquidated again on its original
filing date; the difference with what the bank already paid is due to the next bordereau
(claims.payable.still_due). Dismissed, the claim goes back to the status the contested decision
had left it in, and the insured person may take the dispute to the ANAM.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from amo_portal.documents import CheckedDocument
from amo_portal.exceptions import ConflictError, DomainError
from claims.models import Claim, ClaimDecision, ClaimLine, ClaimStatus, ClaimStatusChange, Reclamation
from claims.models import ReclamationStatus as R
from claims.payable import still_due
from claims.reclamation_models import OPEN_RECLAMATION
from claims.services.intake import store_document
from claims.services.reliquidation import reliquidate_claim
from claims.workflow import transition_claim
from tariffs.models import FilingDeadlineRule
from tariffs.selectors import TariffBook
from tariffs.services.deadlines import filing_deadline

#: Decisions the insured person may contest: a rejection, or lines of a liquidated or paid claim.
CONTESTABLE = (ClaimStatus.REJECTED, ClaimStatus.LIQUIDATED, ClaimStatus.PAID, ClaimStatus.PAYMENT_REJECTED)
MAX_RECLAMATION_DOCUMENTS = 5
MAX_REASON = 4000
LINE_DECISIONS = (ClaimDecision.Kind.REJECT_LINE, ClaimDecision.Kind.ADJUST_LINE)

MSG_NOT_YOURS = "Ce dossier n'est pas le vôtre."
MSG_NOT_CONTESTABLE = "Le dossier {number} est « {status} » : il n'y a pas encore de décision à contester."
MSG_IN_PAYMENT = ("Le dossier {number} est en cours de paiement : vous pourrez contester la décision une fois "
                  "le paiement effectué.")
MSG_ALREADY_OPEN = "Une réclamation sur le dossier {number} attend déjà sa décision."
MSG_REASON_REQUIRED = "Expliquez pourquoi vous contestez la décision."
MSG_REASON_TOO_LONG = "Le motif est trop long (4 000 caractères au plus)."
MSG_LINES_REQUIRED = "Choisissez la ou les lignes dont vous contestez le remboursement."
MSG_LINE_NOT_CONTESTABLE = "La ligne n° {position} a été remboursée sans réduction : il n'y a rien à contester."
MSG_UNKNOWN_LINE = "Ligne inconnue dans ce dossier."
MSG_WINDOW_CLOSED = ("Le délai de réclamation est dépassé : la décision du {decided:%d/%m/%Y} pouvait être "
                     "contestée jusqu'au {deadline:%d/%m/%Y}.")
MSG_NO_WINDOW = "Aucun délai de réclamation n'est en vigueur pour cet organisme à la date de la décision."
MSG_TOO_MANY_DOCUMENTS = "Joignez au plus {max} pièces à une réclamation."
MSG_NOT_STAFF = "Seuls les agents et médecins de la mutuelle du dossier décident d'une réclamation."
MSG_SAME_PERSON = ("Vous avez pris la décision contestée : une autre personne de la mutuelle doit décider de "
                   "cette réclamation (double regard).")
MSG_DECISION_REQUIRED = "Motivez la décision : l'assuré la lira telle quelle."
MSG_CLOSED = "Cette réclamation a déjà été décidée."
MSG_STILL_REJECTED = ("Les contrôles rejettent toujours le dossier : « {message} » Corrigez d'abord la cause, "
                      "ou rejetez la réclamation.")
MSG_LESS_THAN_PAID = ("Reliquidé, le dossier rembourserait moins que ce qui a déjà été versé : la réclamation "
                      "ne peut pas être accueillie ainsi.")


class ReclamationRefused(DomainError):
    code = "reclamation_refusee"


class ReclamationConflict(ConflictError):
    code = "reclamation_impossible"


@dataclass(frozen=True)
class Window:
    """The réclamation window of a decision: from the decision's date to `deadline` included."""

    decided_on: date
    deadline: date | None

    def is_open(self, today: date) -> bool:
        return self.deadline is not None and today <= self.deadline


# --- what is contested, by whom, until when ------------------------------------------------


def contested_change(claim: Claim) -> ClaimStatusChange | None:
    """The status change that told the insured person the decision: the rejection, or the liquidation."""
    to = ClaimStatus.REJECTED if claim.status == ClaimStatus.REJECTED else ClaimStatus.LIQUIDATED
    return claim.status_changes.filter(to_status=to).select_related("changed_by").order_by("-changed_at", "-pk").first()


def reclamation_window(claim: Claim, *, book: TariffBook | None = None) -> Window | None:
    """The window of the claim's latest decision (dated rule "réclamation" of the insured person's régime,
    tariffs/data/filing_deadlines.yaml; suspended days do not count), or None with no decision."""
    change = contested_change(claim)
    if change is None:
        return None
    decided_on = timezone.localdate(change.changed_at)
    book = book or TariffBook.current()
    regime_id = claim.insured.regime_id
    rule = book.deadline_days(regime_id=regime_id, filer=FilingDeadlineRule.Filer.RECLAMATION, on=decided_on)
    if rule is None:
        return Window(decided_on, None)
    deadline = filing_deadline(start=decided_on, days=rule.value[0], suspensions=book.suspensions_for(regime_id))
    return Window(decided_on, deadline)


def line_is_contestable(line: ClaimLine) -> bool:
    """A line rejected, or paid less than claimed with a reason (an agent's or the controls')."""
    if line.rejected_reason_code or line.reason_code:
        return True
    return line.decisions.filter(kind__in=LINE_DECISIONS).exists()


def _staff_author(user) -> int | None:
    return user.pk if user is not None and getattr(user, "is_mutuelle_staff", False) else None


def contested_authors(reclamation: Reclamation) -> set[int]:
    """Everyone who took part in the contested decision: none of them may decide the réclamation."""
    lines = list(reclamation.lines.values_list("pk", flat=True))
    decisions = ClaimDecision.objects.filter(claim_id=reclamation.claim_id)
    decisions = (decisions.filter(line_id__in=lines, kind__in=LINE_DECISIONS) if lines
                 else decisions.filter(kind=ClaimDecision.Kind.REJECT_CLAIM))
    authors = set(decisions.values_list("decided_by_id", flat=True))
    if reclamation.contested_by_id is not None:
        authors.add(reclamation.contested_by_id)
    return authors


def may_decide(reclamation: Reclamation, user) -> bool:
    """Whether `user` may take up or decide the réclamation (the admin shows its buttons only then)."""
    return (user.is_active and getattr(user, "is_mutuelle_staff", False)
            and user.mutuelle_id == reclamation.claim.mutuelle_id and reclamation.is_open
            and user.pk not in contested_authors(reclamation))


def _contested_by(claim: Claim, lines: Sequence[ClaimLine], change: ClaimStatusChange):
    decisions = ClaimDecision.objects.filter(claim=claim).select_related("decided_by").order_by("-decided_at", "-pk")
    decisions = (decisions.filter(line__in=lines, kind__in=LINE_DECISIONS) if lines
                 else decisions.filter(kind=ClaimDecision.Kind.REJECT_CLAIM))
    latest = decisions.first()
    if latest is not None:
        return latest.decided_by, latest.comment or latest.get_kind_display()
    return (change.changed_by if _staff_author(change.changed_by) else None), change.reason


def _contested_lines(claim: Claim, line_ids: Iterable[int]) -> list[ClaimLine]:
    wanted = set(line_ids)
    lines = list(claim.lines.filter(pk__in=wanted))
    if len(lines) != len(wanted):
        raise ReclamationRefused(MSG_UNKNOWN_LINE, extra={"champ": "lines"})
    if not lines and claim.status != ClaimStatus.REJECTED:
        raise ReclamationRefused(MSG_LINES_REQUIRED, extra={"champ": "lines"})
    for line in lines:
        if not line_is_contestable(line):
            raise ReclamationRefused(MSG_LINE_NOT_CONTESTABLE.format(position=line.position), extra={"champ": "lines"})
    return lines


def _check_filing(claim: Claim, by, reason: str, today: date) -> ClaimStatusChange:
    if claim.insured.user_id != by.pk:
        raise ReclamationRefused(MSG_NOT_YOURS, code="hors_perimetre")
    if claim.status == ClaimStatus.IN_BATCH:
        raise ReclamationConflict(MSG_IN_PAYMENT.format(number=claim.number))
    if claim.status not in CONTESTABLE:
        raise ReclamationConflict(MSG_NOT_CONTESTABLE.format(number=claim.number, status=claim.get_status_display()))
    if not reason.strip():
        raise ReclamationRefused(MSG_REASON_REQUIRED, extra={"champ": "reason"})
    if len(reason) > MAX_REASON:
        raise ReclamationRefused(MSG_REASON_TOO_LONG, extra={"champ": "reason"})
    window = reclamation_window(claim)
    if window is None or window.deadline is None:
        raise ReclamationConflict(MSG_NO_WINDOW, code="delai_depasse")
    if not window.is_open(today):
        raise ReclamationConflict(MSG_WINDOW_CLOSED.format(decided=window.decided_on, deadline=window.deadline),
                                  code="delai_depasse")
    change = contested_change(claim)
    if change is None:  # the decision the window is counted from was there a moment ago
        raise ReclamationConflict(MSG_NO_WINDOW, code="delai_depasse")
    return change


def _attach(claim: Claim, documents: Sequence[tuple[str, CheckedDocument]], by) -> list:
    if len(documents) > MAX_RECLAMATION_DOCUMENTS:
        raise ReclamationRefused(MSG_TOO_MANY_DOCUMENTS.format(max=MAX_RECLAMATION_DOCUMENTS),
                                 extra={"champ": "documents"})
    stored = []
    for kind, document in documents:
        existing = claim.documents.filter(sha256=document.sha256).first()  # already in the file: linked again
        stored.append(existing or store_document(claim=claim, document=document, kind=kind, by=by))
    return stored


@transaction.atomic
def file_reclamation(*, claim: Claim, by, reason: str, line_ids: Iterable[int] = (),
                     documents: Sequence[tuple[str, CheckedDocument]] = (), today: date | None = None) -> Reclamation:
    """The insured person contests the rejection of their claim, or lines rejected or paid less than
    claimed, within the réclamation window of their organisme; the claim waits "en réclamation"."""
    claim = (Claim.objects.select_for_update(no_key=True, of=("self",)).select_related("insured", "mutuelle")
             .get(pk=claim.pk))
    change = _check_filing(claim, by, reason, today or timezone.localdate())
    if claim.reclamations.filter(status__in=OPEN_RECLAMATION).exists():
        raise ReclamationConflict(MSG_ALREADY_OPEN.format(number=claim.number))
    lines = _contested_lines(claim, line_ids)
    author, decision = _contested_by(claim, lines, change)
    reclamation = Reclamation(claim=claim, filed_by=by, filed_on=today or timezone.localdate(),
                              reason=reason.strip(), contested_status=claim.status,
                              contested_on=timezone.localdate(change.changed_at), contested_by=author,
                              contested_decision=(decision or claim.rejection_message)[:500])
    reclamation.full_clean()
    reclamation.save()
    reclamation.lines.set(lines)
    reclamation.documents.set(_attach(claim, documents, by))
    what = (", ".join(f"ligne n° {line.position}" for line in lines)) or "rejet du dossier"
    transition_claim(claim=claim, to=ClaimStatus.UNDER_APPEAL, by=by, reason_code="reclamation",
                     reason=f"Réclamation de l'assuré ({what}) : {reason.strip()}")
    return reclamation


# --- the mutuelle's decision ---------------------------------------------------------------


def _locked(reclamation: Reclamation, by) -> tuple[Reclamation, Claim]:
    claim = (Claim.objects.select_for_update(no_key=True, of=("self",)).select_related("mutuelle")
             .get(pk=reclamation.claim_id))
    reclamation = Reclamation.objects.select_for_update(of=("self",)).select_related("claim").get(pk=reclamation.pk)
    if not (by.is_active and getattr(by, "is_mutuelle_staff", False) and by.mutuelle_id == claim.mutuelle_id):
        raise ReclamationRefused(MSG_NOT_STAFF, code="hors_perimetre")
    if not reclamation.is_open:
        raise ReclamationConflict(MSG_CLOSED)
    if by.pk in contested_authors(reclamation):
        raise ReclamationRefused(MSG_SAME_PERSON, code="meme_personne")
    return reclamation, claim


@transaction.atomic
def take_up_reclamation(*, reclamation: Reclamation, by) -> Reclamation:
    """A member of the mutuelle's staff takes the réclamation up ("à l'étude")."""
    reclamation, _ = _locked(reclamation, by)
    if reclamation.status == R.FILED:
        reclamation.status, reclamation.studied_by = R.UNDER_STUDY, by
        reclamation.save(update_fields=["status", "studied_by", "updated_at"])
    return reclamation


def _restore_lines(reclamation: Reclamation) -> None:
    """Give the contested lines back what was claimed: the agent's rejection lifted, the agent's
    adjustment undone (the values before it); the shares are cleared for the reliquidation."""
    cleared = dict.fromkeys(("base", "amo_amount", "complementary_amount", "patient_amount"))
    for line in reclamation.lines.all():
        values = {"rejected_reason_code": ""}
        adjusted = (line.decisions.filter(kind=ClaimDecision.Kind.ADJUST_LINE).order_by("decided_at", "pk").first())
        if adjusted is not None:
            values["amount_paid"] = adjusted.before.get("amount_paid", str(line.amount_paid))
            values["cotation"] = adjusted.before.get("cotation", line.cotation)
        ClaimLine.objects.filter(pk=line.pk).update(**values, **cleared, updated_at=timezone.now())


def _uphold(reclamation: Reclamation, claim: Claim, by, decision: str) -> None:
    before = claim.reimbursed
    _restore_lines(reclamation)
    try:
        with transaction.atomic():  # a claim liquidated below what was paid is refused by the database
            reliquidate_claim(claim)
    except IntegrityError as exc:
        raise ReclamationConflict(MSG_LESS_THAN_PAID) from exc
    claim.refresh_from_db()
    if claim.rejection_code:
        raise ReclamationConflict(MSG_STILL_REJECTED.format(message=claim.rejection_message))
    if before is not None and reclamation.contested_status != ClaimStatus.REJECTED and claim.reimbursed < before:
        raise ReclamationConflict(MSG_LESS_THAN_PAID)
    due = still_due(total_amo=claim.total_amo, total_complementary=claim.total_complementary,
                    amo_settled=claim.amo_settled, complementary_settled=claim.complementary_settled)
    settled = claim.amo_settled + claim.complementary_settled
    target = ClaimStatus.PAID if not due.total and settled else ClaimStatus.LIQUIDATED
    claim.liquidated_at = timezone.now()
    transition_claim(claim=claim, to=target, by=by, reason_code="reclamation_accueillie",
                     reason=f"Réclamation accueillie : {decision}", extra_fields=["liquidated_at"])


@transaction.atomic
def decide_reclamation(*, reclamation: Reclamation, by, upheld: bool, decision: str) -> Reclamation:
    """Uphold or dismiss the réclamation, with a reason the insured person reads as it is."""
    if not decision.strip():
        raise ReclamationRefused(MSG_DECISION_REQUIRED, extra={"champ": "decision"})
    reclamation, claim = _locked(reclamation, by)
    decision = decision.strip()
    if upheld:
        _uphold(reclamation, claim, by, decision)
    else:
        transition_claim(claim=claim, to=reclamation.contested_status, by=by, reason_code="reclamation_rejetee",
                         reason=f"Réclamation rejetée : {decision}")
    reclamation.status = R.UPHELD if upheld else R.DISMISSED
    reclamation.decided_by, reclamation.decided_at, reclamation.decision = by, timezone.now(), decision
    reclamation.save(update_fields=["status", "decided_by", "decided_at", "decision", "updated_at"])
    return reclamation
