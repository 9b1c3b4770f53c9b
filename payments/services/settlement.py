"""Settlement: the bank's answers, once imported, applied to the lines and their claims chunk by chunk.

A claim becomes "payé" only when the bank has executed every transfer of its line; a rejected
transfer (closed account, wrong RIB) makes it "virement rejeté" and the insured person is told (the
workflow's status email). Once no line waits for the bank any more, the bordereau is settled.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from amo_portal.bulk import update_columns
from amo_portal.money import ZERO
from claims.models import ClaimStatus
from claims.workflow import transition_ids
from payments.lock_objects import lines_to_settle, lock_bordereau
from payments.models import BankReturnLine, Bordereau, BordereauLine, BordereauStatus, LineState, Payer
from payments.services.progress import advance_progress, end_progress
from payments.workflow import transition_bordereau

#: Lines settled per transaction (as for the constitution: fixed costs spread over many claims).
CHUNK = 20000
#: Settlement tasks queued per bank return: two worker processes settle side by side, each chunk
#: on the lines it locked (skip locked); whichever finds no line left waiting closes the bordereau.
SETTLERS = 2
REASON_PAID = "Virement exécuté par la banque (bordereau {number})."
REASON_REJECTED = "Virement rejeté par la banque : {reason}."


def settle_bordereau(*, bordereau_id: int, limit: int = CHUNK) -> tuple[int, bool]:
    """Apply the bank's answers to the next chunk of lines and their claims; returns (settled, maybe_more)."""
    with transaction.atomic(durable=True):
        bordereau = Bordereau.objects.only("id", "number", "status", "executed_by_id").get(pk=bordereau_id)
        if bordereau.status != BordereauStatus.SENT:
            return 0, False
        if connection.vendor == "postgresql":
            settled = settle_lines_in_sql(bordereau_id=bordereau_id, limit=limit)
        else:
            settled = settle_lines(bordereau_id=bordereau_id, limit=limit)
        _move_claims(settled, bordereau, settled_shares([row[0] for row in settled]))
    if settled:
        advance_progress(bordereau_id=bordereau_id, done=len(settled))
    more = len(settled) == limit
    if not more:
        close_if_settled(bordereau_id=bordereau_id)
    return len(settled), more


#: One statement per chunk, the rules of `_outcome` in SQL: lock the next waiting lines whose
#: transfers the bank has all answered (lock_objects.lines_to_settle), write what was paid, the
#: state, the value date and the bank's reason, and return (claim, state, reason code, reason).
SETTLE_SQL = """
WITH chunk AS MATERIALIZED (
    SELECT l.id FROM {line} l
    WHERE l.bordereau_id = %(bordereau)s AND l.state = %(pending)s
      AND (l.amo = 0 OR EXISTS (SELECT 1 FROM {result} r WHERE r.line_id = l.id AND r.payer = %(amo)s))
      AND (l.complementary = 0
           OR EXISTS (SELECT 1 FROM {result} r WHERE r.line_id = l.id AND r.payer = %(complementary)s))
    ORDER BY l.id LIMIT %(limit)s
    FOR NO KEY UPDATE SKIP LOCKED
), answer AS (
    SELECT k.id, a.accepted AS amo_ok, a.reason_code AS amo_code, a.reason AS amo_reason, a.booked_on AS amo_on,
           c.accepted AS c_ok, c.reason_code AS c_code, c.reason AS c_reason, c.booked_on AS c_on,
           a.accepted IS FALSE OR c.accepted IS FALSE AS refused
    FROM chunk k
    LEFT JOIN {result} a ON a.line_id = k.id AND a.payer = %(amo)s
    LEFT JOIN {result} c ON c.line_id = k.id AND c.payer = %(complementary)s
)
UPDATE {line} l SET
    state = CASE WHEN s.refused THEN %(rejected)s ELSE %(paid)s END,
    amo_paid = CASE WHEN s.amo_ok THEN l.amo ELSE 0 END,
    complementary_paid = CASE WHEN s.c_ok THEN l.complementary ELSE 0 END,
    paid_on = CASE WHEN s.refused THEN NULL ELSE GREATEST(s.amo_on, s.c_on) END,
    bank_reason_code = CASE WHEN s.amo_ok IS FALSE THEN s.amo_code WHEN s.c_ok IS FALSE THEN s.c_code ELSE '' END,
    bank_reason = CASE WHEN s.amo_ok IS FALSE THEN s.amo_reason WHEN s.c_ok IS FALSE THEN s.c_reason ELSE '' END
FROM answer s WHERE l.id = s.id
RETURNING l.claim_id, l.state, l.bank_reason_code, l.bank_reason
"""


def settle_lines_in_sql(*, bordereau_id: int, limit: int) -> list[tuple[int, str, str, str]]:
    """PostgreSQL: SETTLE_SQL; returns (claim id, state, reason code, reason) of each line settled."""
    sql = SETTLE_SQL.format(line=BordereauLine._meta.db_table, result=BankReturnLine._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"bordereau": bordereau_id, "pending": LineState.PENDING, "limit": limit,
                             "amo": Payer.AMO, "complementary": Payer.COMPLEMENTARY,
                             "rejected": LineState.BANK_REJECTED, "paid": LineState.PAID})
        return cursor.fetchall()


@dataclass(slots=True)
class _Settled:
    """A line as the settlement writes it back."""

    pk: int
    claim_id: int
    state: str = LineState.PAID
    amo_paid: Decimal = ZERO
    complementary_paid: Decimal = ZERO
    paid_on: date | None = None
    reason_code: str = ""
    reason: str = ""


def _outcome(pk: int, claim_id: int, amo: Decimal, complementary: Decimal, answers: dict[str, tuple]) -> _Settled:
    """The line's paid shares, state, date and bank reason from the bank's answers
    (answers: payer -> (accepted, reason code, reason, booked on))."""
    line = _Settled(pk, claim_id)
    by_amo, by_complementary = answers.get(Payer.AMO), answers.get(Payer.COMPLEMENTARY)
    line.amo_paid = amo if by_amo is not None and by_amo[0] else ZERO
    line.complementary_paid = complementary if by_complementary is not None and by_complementary[0] else ZERO
    refused = [a for a in (by_amo, by_complementary) if a is not None and not a[0]]
    if refused:
        line.state, line.reason_code, line.reason = LineState.BANK_REJECTED, refused[0][1], refused[0][2]
    else:
        line.paid_on = max(a[3] for a in (by_amo, by_complementary) if a is not None)
    return line


def settle_lines(*, bordereau_id: int, limit: int) -> list[tuple[int, str, str, str]]:
    """Other databases (SQLite, the embedded default): the same as SETTLE_SQL, line by line in Python."""
    rows = list(lines_to_settle(bordereau_id=bordereau_id, limit=limit)
                .values_list("pk", "claim_id", "amo", "complementary"))
    if not rows:
        return []
    answers: dict[int, dict[str, tuple]] = defaultdict(dict)
    for line_id, payer, *answer in (BankReturnLine.objects.filter(line_id__in=[r[0] for r in rows])
                                    .values_list("line_id", "payer", "accepted", "reason_code", "reason",
                                                 "booked_on")):
        answers[line_id][payer] = tuple(answer)
    lines = [_outcome(*row, answers[row[0]]) for row in rows]
    update_columns(BordereauLine, [line.pk for line in lines], {
        "state": [line.state for line in lines], "amo_paid": [line.amo_paid for line in lines],
        "complementary_paid": [line.complementary_paid for line in lines],
        "paid_on": [line.paid_on for line in lines], "bank_reason_code": [line.reason_code for line in lines],
        "bank_reason": [line.reason for line in lines]})
    return [(line.claim_id, line.state, line.reason_code, line.reason) for line in lines]


def settled_shares(claim_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """The payment ledger: per claim, what the bank confirmed paid of each share over all its lines."""
    rows = (BordereauLine.objects.filter(claim_id__in=claim_ids).values("claim_id")
            .annotate(amo=Sum("amo_paid"), complementary=Sum("complementary_paid"))
            .values_list("claim_id", "amo", "complementary"))
    return {claim_id: (amo, complementary) for claim_id, amo, complementary in rows}


def _move_claims(settled: list[tuple[int, str, str, str]], bordereau: Bordereau,
                 shares: dict[int, tuple[Decimal, Decimal]]) -> None:
    """Claims of settled lines: "payé", or "virement rejeté" with the bank's reason (one set-based
    move per outcome), each with what the bank has confirmed paid of its shares so far (written in
    the same UPDATE). Nobody else moves a claim that is in a bordereau: the line lock suffices."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    paid = (ClaimStatus.PAID, "virement_execute", REASON_PAID.format(number=bordereau.number))
    for claim_id, state, reason_code, reason in settled:
        if state == LineState.PAID:
            groups[paid].append(claim_id)
        else:
            groups[(ClaimStatus.PAYMENT_REJECTED, f"banque_{reason_code}",
                    REASON_REJECTED.format(reason=reason or reason_code))].append(claim_id)
    for (to, code, reason), claim_ids in groups.items():
        transition_ids(claim_ids=claim_ids, from_status=ClaimStatus.IN_BATCH, to=to, by=bordereau.executed_by_id,
                       reason_code=code, reason=reason, settled={pk: shares[pk] for pk in claim_ids if pk in shares})


def close_if_settled(*, bordereau_id: int) -> bool:
    """Once no line waits for the bank any more, the bordereau is settled."""
    with transaction.atomic():
        bordereau = lock_bordereau(bordereau_id)
        if bordereau.status != BordereauStatus.SENT:
            return bordereau.status == BordereauStatus.SETTLED
        if bordereau.lines.filter(state=LineState.PENDING).exists():
            return False
        bordereau.settled_at = timezone.now()
        transition_bordereau(bordereau=bordereau, to=BordereauStatus.SETTLED, by=bordereau.executed_by_id,
                             reason="La banque a répondu pour chaque virement.", extra_fields=["settled_at"])
    end_progress(bordereau_id=bordereau_id)
    return True


def settlement_totals(bordereau: Bordereau) -> dict:
    """What the bank paid and refused so far, per payer (for the review page and the dashboard)."""
    return bordereau.lines.aggregate(
        paid_count=Count("id", filter=Q(state=LineState.PAID)),
        rejected_count=Count("id", filter=Q(state=LineState.BANK_REJECTED)),
        amo_paid=Sum("amo_paid"), complementary_paid=Sum("complementary_paid"),
    )
