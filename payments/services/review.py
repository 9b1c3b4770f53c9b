"""Presentation, approval, rejection and split of a bordereau (four eyes: who built or presented a
bordereau never approves it). Rejected or pulled-out claims go back to the status they entered
the bordereau from, with the reason: "liquidé", or "virement rejeté" for a claim the bank refused
before (it keeps what the bank paid of it, and its hold on the refused RIB)."""
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from amo_portal.money import ZERO
from claims.models import ClaimStatus
from claims.payable import PAYABLE_STATUSES
from claims.workflow import transition_ids
from mutuelles.models import StaffRole
from payments.events import Event, Happened, announce
from payments.exceptions import BordereauStateError, NotAllowed
from payments.lock_objects import lines_to_release, lock_bordereau
from payments.models import Bordereau, BordereauLine, BordereauStatus, LineState
from payments.services.progress import advance_progress, end_progress
from payments.workflow import transition_bordereau

S = BordereauStatus
#: Claims given back per transaction when a rejected bordereau releases them.
CHUNK = 5000
STEP_RELEASING = "restitution des dossiers du bordereau rejeté"
MSG_NOT_SUPERVISOR = "Seul un superviseur de la mutuelle {mutuelle} peut présenter ce bordereau."
MSG_NOT_FUND_OFFICER = "Seul un agent de l'organisme {fund} peut approuver ou rejeter ce bordereau."
MSG_FOUR_EYES_BUILT = "Vous avez constitué ce bordereau : un autre agent doit l'approuver."
MSG_FOUR_EYES_PRESENTED = "Vous avez présenté ce bordereau : un autre agent doit l'approuver."
MSG_REASON_REQUIRED = "Indiquez le motif."
MSG_TOTALS_CHANGED = ("Les totaux de contrôle ne correspondent plus aux lignes du bordereau "
                      "({count} dossiers, {amount} DH) : approbation refusée.")
MSG_CLAIMS_MOVED = "{count} dossier(s) du bordereau ne sont plus « dans un bordereau de paiement »."
MSG_SPLIT_NOTHING = "Aucun des dossiers choisis n'est en attente dans ce bordereau."
MSG_SPLIT_ALL = "Pour retirer tous les dossiers, rejetez le bordereau."
MSG_NOT_ALLOWED_SPLIT = "Vous ne pouvez pas retirer de dossiers de ce bordereau."


def _is_fund_officer_of(user, bordereau: Bordereau) -> bool:
    return user.is_superuser or (user.is_fund_officer and user.fund_id == bordereau.fund_id)


def _is_supervisor_of(user, bordereau: Bordereau) -> bool:
    return user.is_superuser or (user.role == StaffRole.SUPERVISOR and user.mutuelle_id == bordereau.mutuelle_id)


@transaction.atomic(durable=True)
def present_bordereau(*, bordereau: Bordereau, by) -> Bordereau:
    """A superviseur of the mutuelle presents the constituted bordereau to the organisme (domain.md §5.2 step 6)."""
    bordereau = lock_bordereau(bordereau.pk)
    if bordereau.status == S.PRESENTED:
        return bordereau
    if bordereau.status != S.BUILT:
        raise BordereauStateError(bordereau=bordereau, action="le présenter")
    if not _is_supervisor_of(by, bordereau):
        raise NotAllowed(MSG_NOT_SUPERVISOR.format(mutuelle=bordereau.mutuelle))
    bordereau.presented_by = by
    bordereau.presented_at = timezone.now()
    transition_bordereau(bordereau=bordereau, to=S.PRESENTED, by=by, extra_fields=["presented_by", "presented_at"])
    return bordereau


def check_control_totals(bordereau: Bordereau) -> None:
    """The stored totals (what the officer read) must still be what the open lines add up to,
    and every claim of the bordereau must still be waiting for payment."""
    totals = bordereau.lines.filter(state=LineState.PENDING).aggregate(
        count=Count("id"), amo=Sum("amo"), complementary=Sum("complementary"),
        moved=Count("id", filter=~Q(claim__status=ClaimStatus.IN_BATCH)))
    stored = (bordereau.line_count, bordereau.total_amo, bordereau.total_complementary)
    if (totals["count"], totals["amo"] or ZERO, totals["complementary"] or ZERO) != stored:
        raise NotAllowed(MSG_TOTALS_CHANGED.format(count=totals["count"],
                                                   amount=(totals["amo"] or ZERO) + (totals["complementary"] or ZERO)))
    if totals["moved"]:
        raise NotAllowed(MSG_CLAIMS_MOVED.format(count=totals["moved"]))


@transaction.atomic(durable=True)
def approve_bordereau(*, bordereau: Bordereau, by) -> Bordereau:
    """A CNOPS officer approves a presented bordereau; its transfer order is then issued, and the
    approved PDF archived, by workers."""
    bordereau = lock_bordereau(bordereau.pk)
    if bordereau.status == S.APPROVED and bordereau.approved_by_id == by.pk:
        return bordereau
    if bordereau.status != S.PRESENTED:
        raise BordereauStateError(bordereau=bordereau, action="l'approuver")
    if not _is_fund_officer_of(by, bordereau):
        raise NotAllowed(MSG_NOT_FUND_OFFICER.format(fund=bordereau.fund))
    if by.pk == bordereau.built_by_id:
        raise NotAllowed(MSG_FOUR_EYES_BUILT)
    if by.pk == bordereau.presented_by_id:
        raise NotAllowed(MSG_FOUR_EYES_PRESENTED)
    check_control_totals(bordereau)
    bordereau.approved_by = by
    bordereau.approved_at = timezone.now()
    transition_bordereau(bordereau=bordereau, to=S.APPROVED, by=by, extra_fields=["approved_by", "approved_at"])
    announce(Event(Happened.APPROVED, bordereau.pk, by.pk))
    return bordereau


@transaction.atomic(durable=True)
def reject_bordereau(*, bordereau: Bordereau, by, reason: str) -> Bordereau:
    """A CNOPS officer rejects the bordereau with a reason; a worker gives its claims back."""
    reason = reason.strip()
    if not reason:
        raise NotAllowed(MSG_REASON_REQUIRED)
    bordereau = lock_bordereau(bordereau.pk)
    if bordereau.status == S.REJECTED:
        return bordereau
    if bordereau.status not in (S.BUILT, S.PRESENTED):
        raise BordereauStateError(bordereau=bordereau, action="le rejeter")
    if not _is_fund_officer_of(by, bordereau):
        raise NotAllowed(MSG_NOT_FUND_OFFICER.format(fund=bordereau.fund))
    bordereau.rejected_by = by
    bordereau.rejected_at = timezone.now()
    bordereau.rejection_reason = reason[:500]
    bordereau.progress_step = STEP_RELEASING
    bordereau.progress_done = 0
    bordereau.progress_total = bordereau.line_count
    bordereau.progress_at = bordereau.rejected_at
    transition_bordereau(bordereau=bordereau, to=S.REJECTED, by=by, reason=reason, extra_fields=[
        "rejected_by", "rejected_at", "rejection_reason", "progress_step", "progress_done", "progress_total",
        "progress_at"])
    announce(Event(Happened.REJECTED, bordereau.pk))
    return bordereau


def withdraw_lines(lines: list[BordereauLine], *, by, reason: str) -> int:
    """Give locked pending lines' claims back to the status they came from; the lines stay, marked
    withdrawn (a withdrawn line pays nothing: what the claim owes is unchanged)."""
    if not lines:
        return 0
    ids = [line.pk for line in lines]
    BordereauLine.objects.filter(pk__in=ids).update(state=LineState.WITHDRAWN, withdrawn_reason=reason,
                                                    withdrawn_by=by, withdrawn_at=timezone.now())
    for status in PAYABLE_STATUSES:
        transition_ids(claim_ids=[line.claim_id for line in lines if line.entered_from == status],
                       from_status=ClaimStatus.IN_BATCH, to=status, by=by, reason_code="retrait_bordereau",
                       reason=reason)
    return len(lines)


def release_rejected_bordereau(*, bordereau_id: int, limit: int = CHUNK) -> tuple[int, bool]:
    """Give back the next chunk of claims of a rejected bordereau; returns (released, maybe_more)."""
    with transaction.atomic(durable=True):
        bordereau = Bordereau.objects.select_related("rejected_by").get(pk=bordereau_id)
        if bordereau.status != S.REJECTED:
            return 0, False
        lines = lines_to_release(bordereau_id=bordereau_id, limit=limit)
        reason = f"Bordereau {bordereau} rejeté : {bordereau.rejection_reason}"[:500]
        released = withdraw_lines(lines, by=bordereau.rejected_by, reason=reason)
    advance_progress(bordereau_id=bordereau_id, done=released)
    more = released == limit
    if not more and not BordereauLine.objects.filter(bordereau_id=bordereau_id, state=LineState.PENDING).exists():
        end_progress(bordereau_id=bordereau_id)
    return released, more


def _may_split(user, bordereau: Bordereau) -> bool:
    return _is_fund_officer_of(user, bordereau) or _is_supervisor_of(user, bordereau)


@transaction.atomic(durable=True)
def split_bordereau(*, bordereau: Bordereau, line_ids: list[int], by, reason: str) -> Bordereau:
    """Pull claims out of a bordereau under review: they go back to their mutuelle's queue with the
    reason, and the control totals are computed again on what stays."""
    reason = reason.strip()
    if not reason:
        raise NotAllowed(MSG_REASON_REQUIRED)
    bordereau = lock_bordereau(bordereau.pk)
    if bordereau.status not in (S.BUILT, S.PRESENTED):
        raise BordereauStateError(bordereau=bordereau, action="en retirer des dossiers")
    if not _may_split(by, bordereau):
        raise NotAllowed(MSG_NOT_ALLOWED_SPLIT)
    lines = lines_to_release(bordereau_id=bordereau.pk, limit=len(line_ids), line_ids=line_ids)
    if not lines:
        raise NotAllowed(MSG_SPLIT_NOTHING)
    if len(lines) >= bordereau.line_count:
        raise NotAllowed(MSG_SPLIT_ALL)
    withdraw_lines(lines, by=by, reason=f"Retiré du bordereau {bordereau} : {reason}"[:500])
    totals = bordereau.lines.filter(state=LineState.PENDING).aggregate(
        count=Count("id"), amo=Sum("amo"), complementary=Sum("complementary"))
    bordereau.line_count = totals["count"]
    bordereau.total_amo = totals["amo"] or ZERO
    bordereau.total_complementary = totals["complementary"] or ZERO
    bordereau.save(update_fields=["line_count", "total_amo", "total_complementary", "updated_at"])
    return bordereau
