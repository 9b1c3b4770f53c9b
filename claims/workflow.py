"""The claim state machine: one transition table and the only code that changes `Claim.status`.

States follow domain.md §5.2: dépôt → contrôle → liquidation → bordereau → paiement, plus rejet.
"""
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from django.db import connection
from django.db.models import F
from django.utils import timezone

from amo_portal.bulk import update_columns
from claims.exceptions import InvalidTransition
from claims.models import Claim, ClaimStatus, ClaimStatusChange
from claims.outbox import is_news, queue_dispatch, told_at

S = ClaimStatus

ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    # automatic controls: straight to liquidated, to an agent, or rejected
    S.SUBMITTED: frozenset({S.LIQUIDATED, S.IN_CONTROL, S.REJECTED}),
    S.IN_CONTROL: frozenset({S.LIQUIDATED, S.REJECTED, S.DOCUMENTS_REQUESTED}),
    # the insured person adds the documents: the controls run again
    S.DOCUMENTS_REQUESTED: frozenset({S.SUBMITTED, S.REJECTED}),
    S.REJECTED: frozenset({S.UNDER_APPEAL}),
    S.LIQUIDATED: frozenset({S.IN_BATCH, S.IN_CONTROL, S.UNDER_APPEAL}),
    # a batch rejected or split gives its claims back
    S.IN_BATCH: frozenset({S.PAID, S.PAYMENT_REJECTED, S.LIQUIDATED}),
    S.PAID: frozenset({S.UNDER_APPEAL}),
    S.PAYMENT_REJECTED: frozenset({S.IN_BATCH, S.UNDER_APPEAL}),
    # the insured person's réclamation (claims.services.reclamations): upheld, the claim is
    # liquidated again (the difference is paid by the next bordereau); dismissed, it goes back
    # to the status the contested decision had left it in
    S.UNDER_APPEAL: frozenset({S.LIQUIDATED, S.REJECTED, S.PAID, S.PAYMENT_REJECTED}),
}


def can_transition(current: str, to: str) -> bool:
    return to in ALLOWED_TRANSITIONS.get(current, frozenset())


def creation_change(*, claim: Claim, by, reason: str = "") -> ClaimStatusChange:
    """The first audit row of a new claim ("" → its initial status), for the caller to insert with
    the claim, in the same transaction.

    A claim filed online is created "déposé" at once: one row, no draft step. No email is sent
    for it (the row is written told, claims.outbox.is_news): the controls' outcome, moments later,
    is the insured person's first message."""
    return ClaimStatusChange(claim=claim, from_status="", to_status=claim.status, changed_by=by,
                             reason=reason[:500], notified_at=told_at(from_status="", to_status=claim.status,
                                                                      now=timezone.now()))


def transition_claim(*, claim: Claim, to: str, by, reason_code: str = "", reason: str = "",
                     extra_fields: Iterable[str] = ()) -> Claim:
    """Move a locked claim to `to`, or raise InvalidTransition. The caller owns the transaction
    and has locked the row (select_for_update); other fields already set on `claim` and named in
    `extra_fields` are saved in the same UPDATE."""
    if claim.status == to:
        return claim  # replay of the same step: nothing to do
    if not can_transition(claim.status, to):
        raise InvalidTransition(claim=claim, current=claim.status, requested=to)
    notified_at = told_at(from_status=claim.status, to_status=to, now=timezone.now())
    ClaimStatusChange.objects.create(claim=claim, from_status=claim.status, to_status=to, changed_by=by,
                                     reason_code=reason_code, reason=reason[:500], notified_at=notified_at)
    claim.status = to
    claim.version = F("version") + 1
    claim.save(update_fields=["status", "version", "updated_at", *extra_fields])
    claim.refresh_from_db(fields=["version"])
    if notified_at is None:
        queue_dispatch()
    return claim


class MovingClaim(Protocol):
    """What transition_many() reads and moves of a claim: a Claim, or the facts a chunk loads
    without model instances (claims.services.controls.ClaimFacts)."""

    pk: int
    status: str
    version: int


#: The columns of the audit rows transition_many() prepares, in their order.
CHANGE_COLUMNS = ("claim_id", "from_status", "to_status", "changed_by_id", "changed_at", "reason_code", "reason",
                  "notified_at")


def transition_many(*, claims: Sequence[MovingClaim], targets: Mapping[int, tuple[str, str, str]], by) -> list[tuple]:
    """Prepare audit rows and set statuses for many locked claims at once (bulk liquidation).

    `targets` maps claim id to (to_status, reason_code, reason). The caller saves the claims
    (bulk update) and inserts the returned audit rows (values of CHANGE_COLUMNS, plain tuples:
    thousands per chunk) in the same transaction, with amo_portal.bulk.copy_rows.
    """
    now = timezone.now()
    by_id = getattr(by, "pk", by)
    changes = []
    for claim in claims:
        to, code, reason = targets[claim.pk]
        if claim.status == to:
            continue
        if not can_transition(claim.status, to):
            raise InvalidTransition(claim=claim, current=claim.status, requested=to)
        changes.append((claim.pk, claim.status, to, by_id, now, code, reason[:500],
                        told_at(from_status=claim.status, to_status=to, now=now)))
        claim.status = to
        claim.version += 1
    if any(change[-1] is None for change in changes):
        queue_dispatch()
    return changes


def transition_ids(*, claim_ids: list[int], from_status: str, to: str, by, reason_code: str = "",
                   reason: str = "", settled: Mapping[int, tuple[Decimal, Decimal]] | None = None) -> list[int]:
    """Move many claims, locked by the caller, from one status to another in two set-based
    statements (the UPDATE and the INSERT of the audit rows): payment bordereaux move 100,000
    claims at a time. Claims no longer in `from_status` are left alone; returns the ids moved.

    `settled` (claim id -> (AMO, complementary)) records, in the same UPDATE, what the bank has
    confirmed paid of each moved claim's shares (claims.payable): the settlement of a bank return
    writes each claim row once, not twice."""
    if not claim_ids:
        return []
    if not can_transition(from_status, to):
        raise InvalidTransition(claim="(lot)", current=from_status, requested=to)
    now = timezone.now()
    by_id = getattr(by, "pk", by)
    move = _move_ids_in_sql if connection.vendor == "postgresql" else _move_ids_with_orm
    moved = move(claim_ids, from_status, to, by_id, now, reason_code, reason[:500], settled=settled or {})
    if moved and is_news(from_status=from_status, to_status=to):
        queue_dispatch()
    return moved


#: The move without confirmed-paid shares (see _move_ids_in_sql).
MOVE_SQL = (
    "WITH target AS MATERIALIZED (SELECT id, status FROM claims_claim WHERE id = ANY(%s::bigint[]) "
    "FOR NO KEY UPDATE), moved AS (UPDATE claims_claim c SET status = %s, version = c.version + 1, "
    "updated_at = %s FROM target t WHERE c.id = t.id AND t.status = %s RETURNING c.id) "
    "INSERT INTO claims_claimstatuschange (claim_id, from_status, to_status, changed_by_id, changed_at, "
    "reason_code, reason, notified_at) SELECT id, %s, %s, %s, %s, %s, %s, %s FROM moved RETURNING claim_id")


def _move_ids_in_sql(claim_ids, from_status, to, by_id, now, reason_code, reason, *, settled=None) -> list[int]:
    """PostgreSQL: one statement. The ids drive it through the primary key, never the status
    index: just after a bordereau moved 100,000 claims, the statistics still say no claim has their
    status, and a plan filtering that index by the id list costs minutes instead of seconds. The
    status is read once the row is locked (no-op when the caller holds the lock). The same moves
    as _move_ids_with_orm (tests/claims/test_sql_parity.py)."""
    settled = settled or {}
    notified_at = told_at(from_status=from_status, to_status=to, now=now)
    if not settled:  # the common move (a bordereau's 100,000 claims): no shares to record
        with connection.cursor() as cursor:
            cursor.execute(MOVE_SQL, [list(claim_ids), to, now, from_status, from_status, to, by_id, now, reason_code,
                                      reason, notified_at])
            return sorted(row[0] for row in cursor.fetchall())
    paid_ids = list(settled)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH target AS MATERIALIZED (SELECT id, status FROM claims_claim WHERE id = ANY(%s::bigint[]) "
            "FOR NO KEY UPDATE), paid AS (SELECT * FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) "
            "AS p(id, amo, complementary)), moved AS (UPDATE claims_claim c SET status = %s, "
            "version = c.version + 1, updated_at = %s, amo_settled = COALESCE(p.amo, c.amo_settled), "
            "complementary_settled = COALESCE(p.complementary, c.complementary_settled) "
            "FROM target t LEFT JOIN paid p ON p.id = t.id WHERE c.id = t.id AND t.status = %s RETURNING c.id) "
            "INSERT INTO claims_claimstatuschange (claim_id, from_status, to_status, changed_by_id, changed_at, "
            "reason_code, reason, notified_at) SELECT id, %s, %s, %s, %s, %s, %s, %s FROM moved RETURNING claim_id",
            [list(claim_ids), paid_ids, [settled[pk][0] for pk in paid_ids], [settled[pk][1] for pk in paid_ids],
             to, now, from_status, from_status, to, by_id, now, reason_code, reason, notified_at])
        return sorted(row[0] for row in cursor.fetchall())


def _move_ids_with_orm(claim_ids, from_status, to, by_id, now, reason_code, reason, *, settled=None) -> list[int]:
    """Other databases (SQLite, the embedded default): the same moves through the ORM."""
    moved = list(Claim.objects.filter(pk__in=claim_ids, status=from_status).order_by("pk")
                 .values_list("pk", flat=True))
    Claim.objects.filter(pk__in=moved).update(status=to, version=F("version") + 1, updated_at=now)
    paid = [pk for pk in moved if pk in (settled or {})]
    update_columns(Claim, paid, {"amo_settled": [settled[pk][0] for pk in paid],
                                 "complementary_settled": [settled[pk][1] for pk in paid]})
    notified_at = told_at(from_status=from_status, to_status=to, now=now)
    ClaimStatusChange.objects.bulk_create(
        ClaimStatusChange(claim_id=pk, from_status=from_status, to_status=to, changed_by_id=by_id, changed_at=now,
                          reason_code=reason_code, reason=reason, notified_at=notified_at) for pk in moved)
    return moved
