"""The lines of a bordereau under constitution: one chunk of payable claims locked, their lines
written, the claims moved to "dans un bordereau", and the claims that cannot be paid held out.

A claim whose transfer the bank rejected comes back once its insured person's RIB differs from the
RIB the bank refused. Every line carries what the claim still owes (claims.payable.still_due: the
liquidated shares minus what the bank confirmed paid over all bordereaux), so a rejected AMO transfer
next to a paid complementary one is paid again on its AMO share only, whatever happened in between.
"""
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection

from amo_portal.bulk import copy_rows
from amo_portal.money import ZERO
from beneficiaries.models import Dependent, Insured
from beneficiaries.validators import normalise_rib, validate_rib
from claims.models import Claim, ClaimStatus
from claims.payable import DUE_SQL, PAYABLE_STATUSES, still_due
from claims.workflow import transition_ids
from payments.lock_objects import lock_payable_claims
from payments.models import Bordereau, BordereauLine, HeldClaim, LineState

REASON_IN_BATCH = "Dossier inscrit au bordereau de paiement {number}."


def take_chunk(bordereau: Bordereau, limit: int) -> tuple[int, int, int]:
    """Lock the next chunk of payable claims and put them into the bordereau, or hold them out;
    returns (claims examined, last claim id, claims held).

    On PostgreSQL the plain claims (liquidated, a well-formed RIB, something to pay: nearly all of
    them) are locked and their lines written by one INSERT ... SELECT (copy_plain_claims); the
    others (a transfer rejected before, a RIB to hold out...) take the general path of add_claims,
    which applies every rule in Python."""
    if connection.vendor != "postgresql":
        rows = lock_payable_claims(bordereau=bordereau, limit=limit, fields=PAYABLE_FIELDS)
        return len(rows), (rows[-1][0] if rows else 0), (add_claims(bordereau, rows) if rows else 0)
    examined, last_id, written, others = copy_plain_claims(bordereau, limit)
    held = 0
    if others:  # already locked by copy_plain_claims
        held = add_claims(bordereau, list(Claim.objects.filter(pk__in=others).order_by("pk")
                                          .values_list(*PAYABLE_FIELDS)))
    if written:
        release_held(bordereau, written)
        enter_bordereau(bordereau, ClaimStatus.LIQUIDATED, written)
    return examined, last_id, held


#: One statement per chunk: lock the next payable claims of the pair (the rule of
#: lock_objects.lock_payable_claims: in id order, not already held out by this bordereau, skipping
#: those another transaction holds), write the lines of the plain ones, and say which were
#: written. A plain claim is liquidated (no refused RIB to compare), has a number, and its insured
#: person's RIB is stored as 24 digits that pass the key check (validate_rib), with something still
#: due (claims.payable.DUE_SQL): exactly the claims for which add_claims writes a line with these
#: values (tests/payments/test_sql_parity.py). Every other claim is returned for add_claims.
PLAIN_CLAIMS_SQL = """
WITH chunk AS MATERIALIZED (
    SELECT c.id, c.status FROM {claim} c
    WHERE c.mutuelle_id = %(mutuelle)s AND c.fund_id = %(fund)s
      AND c.status = ANY(%(payable)s)
      AND NOT EXISTS (SELECT 1 FROM {held} h WHERE h.claim_id = c.id AND h.last_bordereau_id = %(bordereau)s)
    ORDER BY c.id LIMIT %(limit)s
    FOR NO KEY UPDATE OF c SKIP LOCKED
), written AS (
    INSERT INTO {line} (bordereau_id, claim_id, reference, claim_number, payee_name, patient_name, rib, amo,
                        complementary, state, entered_from, amo_paid, complementary_paid, bank_reason_code,
                        bank_reason, withdrawn_reason)
    SELECT %(bordereau)s, c.id, c.number || %(suffix)s, c.number, i.first_name || ' ' || i.last_name,
           COALESCE(d.first_name || ' ' || d.last_name, i.first_name || ' ' || i.last_name), i.rib,
           {due_amo}, {due_complementary}, %(pending)s, k.status, 0, 0, '', '', ''
    FROM chunk k
    JOIN {claim} c ON c.id = k.id
    JOIN {insured} i ON i.id = c.insured_id
    LEFT JOIN {dependent} d ON d.id = c.dependent_id
    WHERE k.status = %(liquidated)s AND c.number IS NOT NULL
      AND i.rib ~ '^[0-9]{{24}}$' AND i.rib::numeric %% 97 = 0
      AND {due_amo} + {due_complementary} > 0
    RETURNING claim_id
)
SELECT count(*), max(k.id),
       COALESCE(array_agg(k.id ORDER BY k.id) FILTER (WHERE w.claim_id IS NOT NULL), '{{}}'),
       COALESCE(array_agg(k.id ORDER BY k.id) FILTER (WHERE w.claim_id IS NULL), '{{}}')
FROM chunk k LEFT JOIN written w ON w.claim_id = k.id
"""


def copy_plain_claims(bordereau: Bordereau, limit: int) -> tuple[int, int, list[int], list[int]]:
    """Run PLAIN_CLAIMS_SQL; returns (claims locked, last id, ids written, ids left for add_claims)."""
    sql = PLAIN_CLAIMS_SQL.format(claim=Claim._meta.db_table, line=BordereauLine._meta.db_table,
                                  insured=Insured._meta.db_table, dependent=Dependent._meta.db_table,
                                  held=HeldClaim._meta.db_table, due_amo=DUE_SQL["amo"].format(c="c"),
                                  due_complementary=DUE_SQL["complementary"].format(c="c"))
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "mutuelle": bordereau.mutuelle_id, "fund": bordereau.fund_id, "limit": limit,
            "liquidated": ClaimStatus.LIQUIDATED, "payable": [str(status) for status in PAYABLE_STATUSES],
            "bordereau": bordereau.pk, "suffix": payment_reference("", bordereau.pk), "pending": LineState.PENDING,
        })
        examined, last_id, written, others = cursor.fetchone()
    return examined, last_id or 0, written, others


def release_held(bordereau: Bordereau, claim_ids: list[int]) -> None:
    """Claims just examined leave the pair's held-out list (they are in the bordereau now, or held
    again by the caller). The pair usually has none held: checked first, that costs no DELETE."""
    if HeldClaim.objects.filter(mutuelle_id=bordereau.mutuelle_id, fund_id=bordereau.fund_id).exists():
        HeldClaim.objects.filter(claim_id__in=claim_ids).delete()


def enter_bordereau(bordereau: Bordereau, from_status: str, claim_ids: list[int]) -> None:
    """Move claims whose lines were just written to "dans un bordereau", with the audit reason."""
    transition_ids(claim_ids=claim_ids, from_status=from_status, to=ClaimStatus.IN_BATCH, by=bordereau.built_by_id,
                   reason_code="bordereau", reason=REASON_IN_BATCH.format(number=bordereau.number))


def refused_ribs(claim_ids: Iterable[int]) -> dict[int, str]:
    """The RIB the bank last refused for each claim (claims whose transfer was rejected)."""
    rows = (BordereauLine.objects.filter(claim_id__in=list(claim_ids), state=LineState.BANK_REJECTED)
            .order_by("claim_id", "pk").values_list("claim_id", "rib"))
    return dict(rows)  # the last rejected line of each claim wins


def hold_reason(*, status: str, rib: str, refused_rib: str, due: Decimal) -> str | None:
    """Why the claim cannot be paid now (a HeldClaim reason code), or None."""
    if not rib:
        return HeldClaim.Reason.NO_RIB
    try:
        validate_rib(rib)
    except ValidationError:
        return HeldClaim.Reason.INVALID_RIB
    if status == ClaimStatus.PAYMENT_REJECTED and rib == refused_rib:
        return HeldClaim.Reason.RIB_UNCHANGED
    if due <= ZERO:
        return HeldClaim.Reason.NOTHING_DUE
    return None


#: What the builder reads of each locked claim (plain values: thousands per chunk).
PAYABLE_FIELDS = ("pk", "status", "number", "total_amo", "total_complementary", "amo_settled",
                  "complementary_settled", "mutuelle_id", "fund_id", "insured__rib", "insured__first_name",
                  "insured__last_name", "dependent__first_name", "dependent__last_name")
#: Columns of a new line, in the order of the tuples add_claims writes.
LINE_COLUMNS = ("bordereau_id", "claim_id", "reference", "claim_number", "payee_name", "patient_name",
                "rib", "amo", "complementary", "state", "entered_from", "amo_paid", "complementary_paid",
                "bank_reason_code", "bank_reason", "withdrawn_reason")


def add_claims(bordereau: Bordereau, rows: list[tuple]) -> int:
    """Write the lines of the payable claims among the locked `rows`, hold out the others; returns
    how many were held. Every rule in Python: the general path (SQLite, and the claims that
    copy_plain_claims leaves); lines are copied and claims moved with set-based statements."""
    ids = [row[0] for row in rows]
    # Only a claim whose transfer was rejected has a refused RIB to compare with.
    refused = refused_ribs([row[0] for row in rows if row[1] == ClaimStatus.PAYMENT_REJECTED])
    lines: list[tuple] = []
    held: list[HeldClaim] = []
    moving: dict[str, list[int]] = {status: [] for status in PAYABLE_STATUSES}
    for pk, status, number, amo, complementary, amo_settled, complementary_settled, mutuelle_id, fund_id, rib, \
            first, last, dep_first, dep_last in rows:
        rib = normalise_rib(rib)
        due = still_due(total_amo=amo, total_complementary=complementary, amo_settled=amo_settled,
                        complementary_settled=complementary_settled)
        code = hold_reason(status=status, rib=rib, refused_rib=refused.get(pk, ""), due=due.total)
        if code is not None:
            held.append(HeldClaim(claim_id=pk, mutuelle_id=mutuelle_id, fund_id=fund_id, reason_code=code,
                                  reason=HeldClaim.Reason(code).label, last_bordereau=bordereau))
            continue
        payee = f"{first} {last}"
        lines.append((bordereau.pk, pk, payment_reference(number, bordereau.pk), number, payee,
                      f"{dep_first} {dep_last}" if dep_last is not None else payee, rib, due.amo, due.complementary,
                      LineState.PENDING, status, ZERO, ZERO, "", "", ""))
        moving[status].append(pk)
    copy_rows(BordereauLine, LINE_COLUMNS, lines)
    for from_status, claim_ids in moving.items():
        enter_bordereau(bordereau, from_status, claim_ids)
    release_held(bordereau, ids)
    HeldClaim.objects.bulk_create(held)
    return len(held)


def payment_reference(claim_number: str, bordereau_id: int) -> str:
    """The claim's payment in one bordereau: unique because a claim is in a bordereau at most once."""
    return f"{claim_number}-{bordereau_id:06d}"
