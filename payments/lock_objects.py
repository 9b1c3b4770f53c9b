"""The locking querysets of the payments app, in one place (lock order: bordereau, lines, claims).

Every job that changes claims of a bordereau first locks the bordereau row or its lines, then
updates the claims (claims.workflow.transition_ids), always in id order: two jobs never wait on
each other in opposite orders. Rows another worker holds are skipped, not waited for: that
worker is already doing them. A claim in a bordereau is changed only by these jobs, so the lock
on its line guards it. On PostgreSQL the constitution locks its chunk of claims in the statement
that writes their lines (services.building.PLAIN_CLAIMS_SQL), with the order and the skip-locked
rule of lock_payable_claims.
"""
from django.db.models import Exists, OuterRef, Q, QuerySet

from claims.models import Claim, ClaimStatus
from payments.models import BankReturnLine, Bordereau, BordereauLine, LineState, Payer


def lock_bordereau(bordereau_id: int) -> Bordereau:
    """Wait for the bordereau row: its status changes are serialised (constitution chunks,
    approval, execution), and each step reads the status again after taking the lock."""
    return Bordereau.objects.select_for_update(no_key=True).get(pk=bordereau_id)


def lock_payable_claims(*, mutuelle_id: int, fund_id: int, after_id: int, limit: int, fields: tuple[str, ...]) -> list:
    """Lock liquidated claims, and claims whose transfer was rejected, of one payer pair, from
    `after_id` on, and read `fields` of them (with their insured person's) in the same query."""
    return list(
        Claim.objects.filter(mutuelle_id=mutuelle_id, fund_id=fund_id, pk__gt=after_id,
                             status__in=[ClaimStatus.LIQUIDATED, ClaimStatus.PAYMENT_REJECTED])
        .order_by("pk")
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .values_list(*fields)[:limit]
    )


def lines_to_release(*, bordereau_id: int, limit: int, line_ids: list[int] | None = None) -> list[BordereauLine]:
    """Open lines of a rejected bordereau (or the chosen lines of a split), to give back."""
    lines = BordereauLine.objects.filter(bordereau_id=bordereau_id, state=LineState.PENDING)
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    return list(lines.order_by("pk").select_for_update(skip_locked=True, no_key=True, of=("self",))[:limit])


def _has_result(payer: str) -> Exists:
    return Exists(BankReturnLine.objects.filter(line_id=OuterRef("pk"), payer=payer))


def lines_to_settle(*, bordereau_id: int, limit: int) -> QuerySet[BordereauLine]:
    """Waiting lines of a bordereau whose order was issued, for which the bank has answered every
    transfer (AMO and complementary). The caller has checked the bordereau's status."""
    return (
        BordereauLine.objects.filter(bordereau_id=bordereau_id, state=LineState.PENDING)
        .filter(Q(amo=0) | _has_result(Payer.AMO))
        .filter(Q(complementary=0) | _has_result(Payer.COMPLEMENTARY))
        .order_by("pk")
        .select_for_update(skip_locked=True, no_key=True, of=("self",))[:limit]
    )
