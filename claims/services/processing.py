"""Liquidation of submitted claims, in chunks, exactly once: loading a chunk and saving its results.

A chunk of submitted claims is locked (rows already locked by another worker are skipped),
controlled, priced and written back with their audit rows in one transaction: a worker killed
half-way leaves the chunk untouched and still "déposé", to be picked up again.

Throughput matters here (tens of thousands of claims a day per mutuelle, bursts after
holidays): a chunk costs a fixed handful of queries whatever its size, reads plain column
values rather than full model instances, and writes each table with one set-based statement.
"""
from django.db import connection, transaction
from django.utils import timezone

from amo_portal.bulk import copy_rows, update_columns
from amo_portal.gc_pause import collector_paused
from approvals.models import GRANTED_STATUSES, Accord, AccordConsumption, AccordKind
from approvals.rules import SessionLedger
from approvals.services.decisions import consume_sessions
from beneficiaries.models import Dependent, RightsMaintenance, StudyCertificate
from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange
from claims.services.controls import (
    ClaimFacts,
    Duplicates,
    InsuredFacts,
    control_and_price,
    next_status,
)
from claims.services.line_results import write_line_results
from claims.services.pricing import LineInput, parse_cotation
from claims.workflow import CHANGE_COLUMNS, transition_many
from tariffs.selectors import TariffBook

#: What the controls read of a claim (and of its insured person, for the rights at the care date).
CLAIM_COLUMNS = ("pk", "number", "status", "version", "insured_id", "dependent_id", "mutuelle_id", "insured__regime_id",
                 "care_date", "treatment_end_date", "filed_on", "is_ald", "ald_code", "etm_accord_number",
                 "duplicate_key", "liquidation_count", "mutuelle__review_threshold")
INSURED_COLUMNS = ("insured__affiliated_on", "insured__status", "insured__status_since")
LINE_COLUMNS = ("pk", "claim_id", "kind", "cotation", "medicine_code", "quantity", "amount_paid", "ald_linked",
                "prior_approval_number", "rejected_reason_code", "care_date", "provider_sector")
DEPENDENT_FIELDS = ("id", "insured_id", "relationship", "birth_date", "married", "disabled", "covered_elsewhere",
                    "registered_on", "ended_on")


#: Earlier live claims that share a fingerprint, or a document (with the insured person who filed
#: it: their own documents they may file again), with the chunk's claims. One
#: index probe per key (LATERAL ... OFFSET 0 keeps the planner from hashing the whole table
#: instead, which it prefers on small tables and pays for on every chunk). In claim id order, as
#: _earlier_rows_with_orm: the rejection names the first claim the care was filed with.
SQL_DUPLICATE_KEYS = """
SELECT c.id, c.duplicate_key, c.number FROM unnest(%s::text[]) AS k(key)
CROSS JOIN LATERAL (SELECT id, duplicate_key, number, status FROM claims_claim
                    WHERE duplicate_key = k.key OFFSET 0) AS c
WHERE c.status NOT IN ('brouillon', 'rejete')
ORDER BY c.id
"""
SQL_DUPLICATE_DOCUMENTS = """
SELECT c.id, d.sha256, c.number, c.insured_id FROM unnest(%s::text[]) AS k(sha)
CROSS JOIN LATERAL (SELECT claim_id, sha256 FROM claims_claimdocument WHERE sha256 = k.sha OFFSET 0) AS d
JOIN claims_claim c ON c.id = d.claim_id
WHERE c.status NOT IN ('brouillon', 'rejete')
ORDER BY c.id, d.sha256
"""


def find_duplicates(claims: list[ClaimFacts]) -> Duplicates:
    keys = sorted({c.duplicate_key for c in claims if c.duplicate_key})
    shas = sorted({sha for c in claims for sha, _ in c.documents})
    by_key: dict[str, list[tuple[int, str]]] = {}
    by_document: dict[str, list[tuple[int, str, int]]] = {}
    for pk, key, number in _earlier_rows(SQL_DUPLICATE_KEYS, keys, "duplicate_key"):
        by_key.setdefault(key, []).append((pk, number))
    for pk, sha256, number, insured_id in _earlier_rows(SQL_DUPLICATE_DOCUMENTS, shas, "sha256"):
        by_document.setdefault(sha256, []).append((pk, number, insured_id))
    return Duplicates(by_key, by_document)


def _earlier_rows(sql: str, values: list[str], field: str):
    if not values:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, [values])
            return cursor.fetchall()
    return _earlier_rows_with_orm(values, field)


def _earlier_rows_with_orm(values: list[str], field: str):
    """Other databases (SQLite): the rows of SQL_DUPLICATE_KEYS or SQL_DUPLICATE_DOCUMENTS through the
    ORM, (id, key, number) or (id, hash, number, insured person's id) of the live claims
    (tests/claims/test_sql_parity.py)."""
    live = [ClaimStatus.DRAFT, ClaimStatus.REJECTED]
    if field == "duplicate_key":
        return Claim.objects.filter(duplicate_key__in=values).exclude(status__in=live).order_by("pk").values_list(
            "pk", "duplicate_key", "number")
    return ClaimDocument.objects.filter(sha256__in=values).exclude(claim__status__in=live).order_by(
        "claim_id", "sha256").values_list("claim_id", "sha256", "claim__number", "claim__insured_id")


# --- loading a chunk -------------------------------------------------------------------------
def lock_pending_claims(limit: int) -> list[ClaimFacts]:
    """Lock up to `limit` submitted claims, oldest first, skipping rows another worker holds.

    The lock, the claim's facts and its insured person's rights come in one query.
    """
    # claim_submitted_idx holds the submitted claims alone, in id order: each chunk reads the
    # next ones without walking past the claims already liquidated
    rows = (Claim.objects.filter(status=ClaimStatus.SUBMITTED)
            .order_by("pk")
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .values_list(*CLAIM_COLUMNS, *INSURED_COLUMNS)[:limit])
    width = len(CLAIM_COLUMNS)
    return [ClaimFacts(*row[:width], insured=InsuredFacts(*row[width:])) for row in rows]


def load_chunk(claims: list[ClaimFacts], book: TariffBook | None = None) -> SessionLedger:
    """Attach lines, documents, dependants and accords to the locked claims (≤ 6 queries); returns
    the chunk's ledger of ententes' sessions."""
    by_id = {c.pk: c for c in claims}
    # The chunk is usually a run of ids taken in order: a range scan of the claim_id indexes is
    # cheaper than a thousand-value IN list to build and probe; rows of claims outside the chunk
    # (another worker's, interleaved) are skipped. Sparse ids (claims filed again after a
    # request for documents) fall back to the list.
    lowest, highest = min(by_id), max(by_id)
    scope = ({"claim_id__gte": lowest, "claim_id__lte": highest} if highest - lowest < 4 * len(by_id)
             else {"claim_id__in": list(by_id)})
    for pk, claim_id, kind, cotation, code, quantity, paid, ald, approval, rejected, on, sector in (
            ClaimLine.objects.filter(**scope).order_by("claim_id", "position")
            .values_list(*LINE_COLUMNS)):
        claim = by_id.get(claim_id)
        if claim is None:
            continue
        claim.line_ids.append(pk)
        claim.lines.append(LineInput(kind=kind, amount_paid=paid, quantity=quantity, cotation=cotation,
                                     medicine_code=code, ald_linked=ald, prior_approval_number=approval,
                                     rejected_reason_code=rejected, care_date=on,
                                     provider_sector=sector))
    for claim_id, sha256, name in (ClaimDocument.objects.filter(**scope).order_by("pk")
                                   .values_list("claim_id", "sha256", "original_name")):
        if claim_id in by_id:
            by_id[claim_id].documents.append((sha256, name))
    dependent_ids = {c.dependent_id for c in claims if c.dependent_id}
    if dependent_ids:
        dependents = load_dependents(dependent_ids)
        for claim in claims:
            if claim.dependent_id:
                claim.dependent = dependents[claim.dependent_id]
    return load_accords(claims, book)


def _needs_entente(claim: ClaimFacts, keys: set[str]) -> bool:
    for line in claim.lines:
        cotation = parse_cotation(line.cotation) if line.kind != "medicament" else None
        if cotation is not None and cotation.key.upper() in keys:
            return True
    return False


def load_accords(claims: list[ClaimFacts], book: TariffBook | None) -> SessionLedger:
    """The granted accords of the insured persons whose claims need one (an ALD claim, or a line
    whose act needs an entente préalable), in one query for the chunk, and the sessions the
    chunk's lines already consumed (one more query, only when there are ententes)."""
    keys = {code for code, key in book.keys.items() if key.requires_prior_approval} if book else set()
    wanted = {c.insured_id for c in claims if c.is_ald or (keys and _needs_entente(c, keys))}
    ledger = SessionLedger()
    if not wanted:
        return ledger
    accords: dict[int, list[Accord]] = {}
    for accord in (Accord.objects.filter(insured_id__in=wanted, status__in=GRANTED_STATUSES)
                   .select_related("ald", "declination").order_by("valid_from", "pk")):
        accords.setdefault(accord.insured_id, []).append(accord)
    for claim in claims:
        claim.accords = accords.get(claim.insured_id, [])
    ententes = [a.pk for found in accords.values() for a in found if a.kind == AccordKind.PRIOR_APPROVAL]
    line_ids = [pk for c in claims if c.accords for pk in c.line_ids]
    if ententes and line_ids:
        ledger.by_line.update(AccordConsumption.objects.filter(accord_id__in=ententes, claim_line_id__in=line_ids)
                              .values_list("claim_line_id", "accord_id"))
    return ledger


def record_consumptions(ledger: SessionLedger) -> None:
    """The sessions the lines just liquidated take from their ententes, once per line."""
    for accord, line_id, quantity in ledger.new:
        consume_sessions(accord, claim_line_id=line_id, quantity=quantity)
    ledger.new.clear()


def load_dependents(ids: set[int]) -> dict[int, Dependent]:
    """Dependants with their study certificates and rights maintenances, in three plain queries
    (Django's prefetch_related builds one filtered queryset per dependant: too slow here)."""
    db = Dependent.objects.db
    dependents = {row[0]: Dependent.from_db(db, DEPENDENT_FIELDS, row)
                  for row in Dependent.objects.filter(pk__in=ids).values_list(*DEPENDENT_FIELDS)}
    related: dict[str, tuple[type[StudyCertificate] | type[RightsMaintenance], tuple[str, ...]]] = {
        "study_certificates": (StudyCertificate, ("id", "dependent_id", "valid_from", "valid_until")),
        "rights_maintenances": (RightsMaintenance, ("id", "dependent_id", "valid_from", "valid_until")),
    }
    for name, (model, fields) in related.items():
        rows: dict[int, list] = {pk: [] for pk in dependents}
        for row in model.objects.filter(dependent_id__in=ids).values_list(*fields):
            rows[row[1]].append(model.from_db(db, fields, row))
        for pk, dependent in dependents.items():
            # What the entitlement rules read through dependent.<relation>.all(): the related
            # manager answers from this cache. A plain list, so that a .filter() on it fails
            # loudly instead of querying behind our back.
            # _prefetched_objects_cache is Django's own prefetch cache, which django-stubs does not declare
            dependent._prefetched_objects_cache = {**getattr(dependent, "_prefetched_objects_cache", {}),  # type: ignore[attr-defined]
                                                   name: rows[pk]}
    return dependents


# --- the chunk -------------------------------------------------------------------------------
def liquidate_pending_claims(*, limit: int = 500, by=None, book: TariffBook | None = None) -> tuple[int, bool]:
    """Lock up to `limit` submitted claims, control and liquidate them; returns (processed, maybe_more).

    Rows locked by another worker are skipped, so concurrent workers share the queue without
    waiting; a claim leaves "déposé" only in the transaction that writes its results.
    """
    with collector_paused(), transaction.atomic():
        claims = lock_pending_claims(limit)
        if not claims:
            return 0, False
        book = book or TariffBook.current()
        ledger = load_chunk(claims, book)
        process_locked_claims(claims, by=by, book=book, ledger=ledger)
    return len(claims), len(claims) == limit


def process_locked_claims(claims: list[ClaimFacts], *, by, book: TariffBook,
                          ledger: SessionLedger | None = None) -> None:
    """Decide each claim, then write lines, claims and audit rows with one statement each."""
    ledger = ledger if ledger is not None else SessionLedger()
    duplicates = find_duplicates(claims)
    now = timezone.now()
    targets = {}
    outcomes = []
    for claim in claims:
        outcome = control_and_price(claim, book, duplicates, ledger)
        outcomes.append(outcome)
        targets[claim.pk] = next_status(outcome)
    changes = transition_many(claims=claims, targets=targets, by=by)
    write_line_results([pk for c in claims for pk in c.line_ids], [p for o in outcomes for p in o.priced])
    update_columns(Claim, [c.pk for c in claims], {
        "status": [c.status for c in claims],
        "version": [c.version for c in claims],
        "total_paid": [o.totals.paid for o in outcomes],
        "total_amo": [o.totals.amo for o in outcomes],
        "total_complementary": [o.totals.complementary for o in outcomes],
        "total_patient": [o.totals.patient for o in outcomes],
        "rejection_code": [o.rejection.code if o.rejection else "" for o in outcomes],
        "rejection_message": [o.rejection.message if o.rejection else "" for o in outcomes],
        "review_reasons": [o.points_to_check for o in outcomes],
        "liquidated_at": [now if c.status == ClaimStatus.LIQUIDATED else None for c in claims],
        "liquidation_count": [c.liquidation_count + 1 for c in claims],
        "etm_accord_id": [o.etm_accord.pk if o.etm_accord else None for o in outcomes],
        "updated_at": [now] * len(claims),
    })
    copy_rows(ClaimStatusChange, CHANGE_COLUMNS, changes)
    record_consumptions(ledger)
