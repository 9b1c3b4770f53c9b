"""The locking querysets of the payments app, in one place (lock order: bordereau, lines, claims).

Every job that changes claims of a bordereau first locks the bordereau row or its lines, then
updates the claims (claims.workflow.transition_ids), always in id order: two jobs never wait on
each other in opposite orders. Rows another worker holds are skipped, not waited for: that
worker is already doing them. A claim in a bordereau is changed only by these jobs, so the lock
on its line guards it. On PostgreSQL the constitution locks its chunk of claims in the statement
that writes their lines (services.bordereau_lines.PLAIN_CLAIMS_SQL), with the rule of
lock_payable_claims.
"""
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from claims.models import Claim
from claims.payable import PAYABLE_STATUSES
from payments.models import BankReturnLine, Bordereau, BordereauLine, HeldClaim, LineState, Payer


def lock_bordereau(bordereau_id: int) -> Bordereau:
    """Wait for the bordereau row: its status changes are serialised (approval, execution...), and
    each step reads the status again after taking the lock."""
    return Bordereau.objects.select_for_update(no_key=True).get(pk=bordereau_id)


def share_bordereau_for_building(bordereau_id: int) -> Bordereau | None:
    """A constitution chunk's hold on its bordereau: FOR KEY SHARE, which other chunks share (two
    workers fill one bordereau side by side, each on its own claims) and which keeps the bordereau
    from being closed under them (close_bordereau_for_building waits for it). None if a closing
    builder dropped it (nothing to pay)."""
    if connection.vendor != "postgresql":
        return Bordereau.objects.filter(pk=bordereau_id).first()
    # The columns by name, not *: the statement is prepared on the connection, and a prepared
    # SELECT * fails once a migration adds a column ("cached plan must not change result type").
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in Bordereau._meta.concrete_fields)
    table = q(Bordereau._meta.db_table)
    rows = list(Bordereau.objects.raw(f"SELECT {columns} FROM {table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
                                      [bordereau_id]))
    return rows[0] if rows else None


def close_bordereau_for_building(bordereau_id: int) -> Bordereau | None:
    """FOR UPDATE, the one lock that waits for the chunks' FOR KEY SHARE: the constitution closes
    once the chunks in flight have committed, and no chunk starts while it closes."""
    return Bordereau.objects.select_for_update().filter(pk=bordereau_id).first()


def lock_payable_claims(*, bordereau: Bordereau, limit: int, fields: tuple[str, ...]) -> list:
    """Lock the next liquidated claims, and claims whose transfer was rejected, of the bordereau's
    payer pair, in id order, except those this bordereau already held out; read `fields` of them
    (with their insured person's) in the same query."""
    held_here = HeldClaim.objects.filter(claim_id=OuterRef("pk"), last_bordereau_id=bordereau.pk)
    return list(
        Claim.objects.filter(mutuelle_id=bordereau.mutuelle_id, fund_id=bordereau.fund_id,
                             status__in=PAYABLE_STATUSES)
        .exclude(Exists(held_here))
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
