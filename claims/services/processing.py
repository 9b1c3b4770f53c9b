"""Automatic controls and liquidation of submitted claims, in chunks, exactly once.

A chunk of submitted claims is locked (rows already locked by another worker are skipped),
controlled, priced and written back with their audit rows in one transaction: a worker killed
half-way leaves the chunk untouched and still "déposé", to be picked up again.

Throughput matters here (tens of thousands of claims a day per mutuelle, bursts after
holidays): a chunk costs a fixed handful of queries whatever its size, reads plain column
values rather than full model instances, and writes each table with one set-based statement.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from amo_portal.bulk import bulk_update_rows, copy_rows, update_columns
from amo_portal.gc_pause import collector_paused
from amo_portal.money import ZERO
from approvals.models import ETMAccord
from beneficiaries.models import Dependent, RightsMaintenance, StudyCertificate
from beneficiaries.services.entitlement import InsuredRights, beneficiary_entitlement
from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange
from claims.services.checks import ClaimReason, Reason, deadline_reason, entitlement_reason
from claims.services.liquidation import Totals, add_up
from claims.services.pricing import ClaimContext, LineInput, LineReason, PricedLine, price_line, rejected_line
from claims.workflow import CHANGE_COLUMNS, transition_many
from tariffs.models import FilingDeadlineRule
from tariffs.selectors import TariffBook

LINE_RESULT_FIELDS = ["letter_key", "coefficient", "tariff", "base", "amo_amount", "complementary_amount",
                      "patient_amount", "reason_code", "explanation"]
CLAIM_RESULT_FIELDS = ["status", "version", "total_paid", "total_amo", "total_complementary", "total_patient",
                       "rejection_code", "rejection_message", "review_reasons", "liquidated_at",
                       "liquidation_count", "etm_accord", "updated_at"]

REVIEW_ABOVE_THRESHOLD = "Remboursement au-dessus du seuil de contrôle manuel de la mutuelle."
REVIEW_UNPAID_LINE = "Au moins une ligne n'est pas remboursable : à vérifier."
REVIEW_NO_ETM = "Dossier ALD sans accord ETM valable à la date des soins."
REVIEW_NO_DOCUMENT = "Aucune pièce justificative jointe."

#: What the controls read of a claim (and of its insured person, for the rights at the care date).
CLAIM_COLUMNS = ("pk", "number", "status", "version", "insured_id", "dependent_id", "mutuelle_id", "fund_id",
                 "care_date", "treatment_end_date", "filed_on", "is_ald", "ald_code", "etm_accord_number",
                 "duplicate_key", "liquidation_count", "mutuelle__review_threshold")
INSURED_COLUMNS = ("insured__affiliated_on", "insured__status", "insured__status_since")
LINE_COLUMNS = ("pk", "claim_id", "kind", "cotation", "medicine_code", "quantity", "amount_paid", "ald_linked",
                "prior_approval_number", "rejected_reason_code")
DEPENDENT_FIELDS = ("id", "insured_id", "relationship", "birth_date", "married", "disabled", "covered_elsewhere",
                    "registered_on", "ended_on")


class InsuredFacts(NamedTuple):
    """The insured person's columns the rights rules read (beneficiaries.services.entitlement)."""

    affiliated_on: date
    status: str
    status_since: date


@dataclass(slots=True)
class ClaimFacts:
    """The claim as the controls see it. Carries pk, status and version like a Claim, so that
    the workflow's transition_many() can move it."""

    pk: int
    number: str
    status: str
    version: int
    insured_id: int
    dependent_id: int | None
    mutuelle_id: int
    fund_id: int
    care_date: date
    treatment_end_date: date | None
    filed_on: date
    is_ald: bool
    ald_code: str
    etm_accord_number: str
    duplicate_key: str
    liquidation_count: int
    review_threshold: Decimal
    insured: InsuredRights | None = None
    dependent: Dependent | None = None
    line_ids: list[int] = field(default_factory=list)
    lines: list[LineInput] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (sha256, original name)
    accords: list[ETMAccord] = field(default_factory=list)


@dataclass
class Outcome:
    """What the controls and the pricing decided for one claim."""

    rejection: Reason | None
    priced: list[PricedLine]
    totals: Totals
    review_reasons: list[str] = field(default_factory=list)
    etm_accord: ETMAccord | None = None


def line_input(line: ClaimLine) -> LineInput:
    return LineInput(kind=line.kind, amount_paid=line.amount_paid, quantity=line.quantity, cotation=line.cotation,
                     medicine_code=line.medicine_code, ald_linked=line.ald_linked,
                     prior_approval_number=line.prior_approval_number,
                     rejected_reason_code=line.rejected_reason_code)


def find_etm(claim: ClaimFacts, accords: list[ETMAccord]) -> ETMAccord | None:
    """The accord written on the claim, if it belongs to the beneficiary (and the ALD code fits)."""
    if not claim.is_ald or not claim.etm_accord_number:
        return None
    for accord in accords:
        if accord.accord_number.strip().upper() != claim.etm_accord_number.strip().upper():
            continue
        if accord.dependent_id != claim.dependent_id:
            continue
        if claim.ald_code and accord.ald.code != claim.ald_code:
            continue
        return accord
    return None


@dataclass(frozen=True)
class Duplicates:
    """Earlier claims (by id) that share a fingerprint or a document hash."""

    by_key: dict[str, list[tuple[int, str]]]
    by_document: dict[str, list[tuple[int, str]]]

    def earlier(self, claim: ClaimFacts) -> Reason | None:
        for pk, number in self.by_key.get(claim.duplicate_key, []):
            if pk < claim.pk:
                return Reason(ClaimReason.DUPLICATE, f"Ces soins ont déjà été déclarés dans le dossier {number}.")
        for sha256, name in claim.documents:
            for pk, number in self.by_document.get(sha256, []):
                if pk < claim.pk:
                    return Reason(ClaimReason.DUPLICATE_DOCUMENT,
                                  f"La pièce « {name} » a déjà été déposée avec le dossier {number}.")
        return None


#: Earlier live claims that share a fingerprint, or a document, with the chunk's claims. One
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
SELECT c.id, d.sha256, c.number FROM unnest(%s::text[]) AS k(sha)
CROSS JOIN LATERAL (SELECT claim_id, sha256 FROM claims_claimdocument WHERE sha256 = k.sha OFFSET 0) AS d
JOIN claims_claim c ON c.id = d.claim_id
WHERE c.status NOT IN ('brouillon', 'rejete')
ORDER BY c.id, d.sha256
"""


def find_duplicates(claims: list[ClaimFacts]) -> Duplicates:
    keys = sorted({c.duplicate_key for c in claims if c.duplicate_key})
    shas = sorted({sha for c in claims for sha, _ in c.documents})
    by_key: dict[str, list[tuple[int, str]]] = {}
    by_document: dict[str, list[tuple[int, str]]] = {}
    for found, rows in ((by_key, _earlier_rows(SQL_DUPLICATE_KEYS, keys, "duplicate_key")),
                        (by_document, _earlier_rows(SQL_DUPLICATE_DOCUMENTS, shas, "sha256"))):
        for pk, value, number in rows:
            found.setdefault(value, []).append((pk, number))
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
    ORM, (id, key or hash, number) of the live claims (tests/claims/test_sql_parity.py)."""
    live = [ClaimStatus.DRAFT, ClaimStatus.REJECTED]
    if field == "duplicate_key":
        return Claim.objects.filter(duplicate_key__in=values).exclude(status__in=live).order_by("pk").values_list(
            "pk", "duplicate_key", "number")
    return ClaimDocument.objects.filter(sha256__in=values).exclude(claim__status__in=live).order_by(
        "claim_id", "sha256").values_list("claim_id", "sha256", "claim__number")


def control_and_price(claim: ClaimFacts, book: TariffBook, duplicates: Duplicates) -> Outcome:
    """Run the claim-level controls, then price every line (or none, if the claim is rejected)."""
    etm = find_etm(claim, claim.accords)
    rule = book.deadline_days(fund_id=claim.fund_id, filer=FilingDeadlineRule.Filer.INSURED, on=claim.care_date)
    rejection = (
        deadline_reason(care_date=claim.care_date, treatment_end_date=claim.treatment_end_date,
                        filed_on=claim.filed_on, days=rule.value[0] if rule else None,
                        suspensions=book.suspensions_for(claim.fund_id))
        or entitlement_reason(beneficiary_entitlement(insured=claim.insured, dependent=claim.dependent,
                                                      on=claim.care_date))
        or duplicates.earlier(claim)
    )
    if rejection is not None:
        priced = [rejected_line(line) for line in claim.lines]
    else:
        ctx = ClaimContext(fund_id=claim.fund_id, mutuelle_id=claim.mutuelle_id, care_date=claim.care_date,
                           etm_valid=bool(etm and etm.covers(claim.care_date)))
        priced = [price_line(line, ctx, book) for line in claim.lines]
    totals = add_up([(line.amount_paid, p.amounts) for line, p in zip(claim.lines, priced, strict=True)])
    outcome = Outcome(rejection=rejection, priced=priced, totals=totals, etm_accord=etm)
    if rejection is None:
        outcome.review_reasons = review_reasons(claim, outcome, etm)
    return outcome


def review_reasons(claim: ClaimFacts, outcome: Outcome, etm: ETMAccord | None) -> list[str]:
    """Why an agent must look at the claim before it is liquidated (empty: straight through)."""
    reasons = []
    threshold = claim.review_threshold
    if threshold > ZERO and outcome.totals.amo + outcome.totals.complementary >= threshold:
        reasons.append(REVIEW_ABOVE_THRESHOLD)
    if any(p.reason_code and p.reason_code != LineReason.REJECTED_BY_AGENT for p in outcome.priced):
        reasons.append(REVIEW_UNPAID_LINE)
    if claim.is_ald and not (etm and etm.covers(claim.care_date)):
        reasons.append(REVIEW_NO_ETM)
    if not claim.documents:
        reasons.append(REVIEW_NO_DOCUMENT)
    return reasons


def next_status(outcome: Outcome) -> tuple[str, str, str]:
    if outcome.rejection:
        return ClaimStatus.REJECTED, outcome.rejection.code, outcome.rejection.message
    if outcome.review_reasons:
        return ClaimStatus.IN_CONTROL, "controle_manuel", " ".join(outcome.review_reasons)
    return ClaimStatus.LIQUIDATED, "liquidation_automatique", "Contrôles automatiques passés, dossier liquidé."


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


def load_chunk(claims: list[ClaimFacts]) -> None:
    """Attach lines, documents, dependants and ETM accords to the locked claims (≤ 5 queries)."""
    by_id = {c.pk: c for c in claims}
    # The chunk is usually a run of ids taken in order: a range scan of the claim_id indexes is
    # cheaper than a thousand-value IN list to build and probe; rows of claims outside the chunk
    # (another worker's, interleaved) are skipped. Sparse ids (claims filed again after a
    # request for documents) fall back to the list.
    lowest, highest = min(by_id), max(by_id)
    scope = ({"claim_id__gte": lowest, "claim_id__lte": highest} if highest - lowest < 4 * len(by_id)
             else {"claim_id__in": list(by_id)})
    for pk, claim_id, kind, cotation, code, quantity, paid, ald, approval, rejected in (
            ClaimLine.objects.filter(**scope).order_by("claim_id", "position")
            .values_list(*LINE_COLUMNS)):
        claim = by_id.get(claim_id)
        if claim is None:
            continue
        claim.line_ids.append(pk)
        claim.lines.append(LineInput(kind=kind, amount_paid=paid, quantity=quantity, cotation=cotation,
                                     medicine_code=code, ald_linked=ald, prior_approval_number=approval,
                                     rejected_reason_code=rejected))
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
    ald_insured = {c.insured_id for c in claims if c.is_ald}
    if ald_insured:
        accords: dict[int, list[ETMAccord]] = {}
        for accord in ETMAccord.objects.filter(insured_id__in=ald_insured).select_related("ald"):
            accords.setdefault(accord.insured_id, []).append(accord)
        for claim in claims:
            claim.accords = accords.get(claim.insured_id, [])


def load_dependents(ids: set[int]) -> dict[int, Dependent]:
    """Dependants with their study certificates and rights maintenances, in three plain queries
    (Django's prefetch_related builds one filtered queryset per dependant: too slow here)."""
    db = Dependent.objects.db
    dependents = {row[0]: Dependent.from_db(db, DEPENDENT_FIELDS, row)
                  for row in Dependent.objects.filter(pk__in=ids).values_list(*DEPENDENT_FIELDS)}
    related = {
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
            dependent._prefetched_objects_cache = {**getattr(dependent, "_prefetched_objects_cache", {}),
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
        load_chunk(claims)
        process_locked_claims(claims, by=by, book=book or TariffBook.current())
    return len(claims), len(claims) == limit


def process_locked_claims(claims: list[ClaimFacts], *, by, book: TariffBook) -> None:
    """Decide each claim, then write lines, claims and audit rows with one statement each."""
    duplicates = find_duplicates(claims)
    now = timezone.now()
    targets = {}
    outcomes = []
    for claim in claims:
        outcome = control_and_price(claim, book, duplicates)
        outcomes.append(outcome)
        targets[claim.pk] = next_status(outcome)
    changes = transition_many(claims=claims, targets=targets, by=by)
    write_lines([pk for c in claims for pk in c.line_ids], [p for o in outcomes for p in o.priced])
    update_columns(Claim, [c.pk for c in claims], {
        "status": [c.status for c in claims],
        "version": [c.version for c in claims],
        "total_paid": [o.totals.paid for o in outcomes],
        "total_amo": [o.totals.amo for o in outcomes],
        "total_complementary": [o.totals.complementary for o in outcomes],
        "total_patient": [o.totals.patient for o in outcomes],
        "rejection_code": [o.rejection.code if o.rejection else "" for o in outcomes],
        "rejection_message": [o.rejection.message if o.rejection else "" for o in outcomes],
        "review_reasons": [o.review_reasons for o in outcomes],
        "liquidated_at": [now if c.status == ClaimStatus.LIQUIDATED else None for c in claims],
        "liquidation_count": [c.liquidation_count + 1 for c in claims],
        "etm_accord_id": [o.etm_accord.pk if o.etm_accord else None for o in outcomes],
        "updated_at": [now] * len(claims),
    })
    copy_rows(ClaimStatusChange, CHANGE_COLUMNS, changes)


def write_lines(pks: list[int], priced: list[PricedLine]) -> None:
    update_columns(ClaimLine, pks, {
        "letter_key": [p.letter_key for p in priced],
        "coefficient": [p.coefficient for p in priced],
        "tariff": [p.amounts.tariff for p in priced],
        "base": [p.amounts.base for p in priced],
        "amo_amount": [p.amounts.amo for p in priced],
        "complementary_amount": [p.amounts.complementary for p in priced],
        "patient_amount": [p.amounts.patient for p in priced],
        "reason_code": [p.reason_code for p in priced],
        "explanation": [p.explanation for p in priced],
    })


# --- one claim again, after an agent's change -------------------------------------------------
def claim_facts(claim: Claim) -> ClaimFacts:
    """The facts of one claim loaded with its relations (for reliquidation)."""
    facts = ClaimFacts(
        pk=claim.pk, number=claim.number, status=claim.status, version=claim.version, insured_id=claim.insured_id,
        dependent_id=claim.dependent_id, mutuelle_id=claim.mutuelle_id, fund_id=claim.fund_id,
        care_date=claim.care_date, treatment_end_date=claim.treatment_end_date, filed_on=claim.filed_on,
        is_ald=claim.is_ald, ald_code=claim.ald_code, etm_accord_number=claim.etm_accord_number,
        duplicate_key=claim.duplicate_key, liquidation_count=claim.liquidation_count,
        review_threshold=claim.mutuelle.review_threshold, insured=claim.insured, dependent=claim.dependent,
        documents=[(d.sha256, d.original_name) for d in claim.documents.all()],
        accords=list(claim.insured.etm_accords.all()),
    )
    for line in claim.lines.all():
        facts.line_ids.append(line.pk)
        facts.lines.append(line_input(line))
    return facts


def claims_for_processing():
    return Claim.objects.select_related("insured", "dependent", "dependent__insured", "mutuelle").prefetch_related(
        "lines", "documents",
        Prefetch("insured__etm_accords", queryset=ETMAccord.objects.select_related("ald")),
        "dependent__study_certificates", "dependent__rights_maintenances",
    )


def apply_outcome(claim: Claim, outcome: Outcome) -> bool:
    """Copy the outcome onto the claim and its lines in memory; True if any line changed."""
    changed = False
    for line, priced in zip(claim.lines.all(), outcome.priced, strict=True):
        values = {
            "letter_key": priced.letter_key, "coefficient": priced.coefficient, "tariff": priced.amounts.tariff,
            "base": priced.amounts.base, "amo_amount": priced.amounts.amo,
            "complementary_amount": priced.amounts.complementary, "patient_amount": priced.amounts.patient,
            "reason_code": priced.reason_code, "explanation": priced.explanation,
        }
        for name, value in values.items():
            if getattr(line, name) != value:
                setattr(line, name, value)
                changed = True
    claim.total_paid = outcome.totals.paid
    claim.total_amo = outcome.totals.amo
    claim.total_complementary = outcome.totals.complementary
    claim.total_patient = outcome.totals.patient
    claim.review_reasons = outcome.review_reasons
    claim.etm_accord = outcome.etm_accord
    claim.rejection_code = outcome.rejection.code if outcome.rejection else ""
    claim.rejection_message = outcome.rejection.message if outcome.rejection else ""
    return changed


def reliquidate_claim(claim: Claim, *, book: TariffBook | None = None) -> bool:
    """Price again a claim under control (after an agent's adjustment). Writes only what changed;
    an unchanged claim writes nothing and returns False. The caller holds the claim's lock."""
    claim = claims_for_processing().get(pk=claim.pk)
    facts = claim_facts(claim)
    outcome = control_and_price(facts, book or TariffBook.current(), find_duplicates([facts]))
    before = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    lines_changed = apply_outcome(claim, outcome)
    after = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    if not lines_changed and before == after:
        return False
    bulk_update_rows(ClaimLine, list(claim.lines.all()), LINE_RESULT_FIELDS)
    claim.liquidation_count += 1
    claim.save(update_fields=["total_paid", "total_amo", "total_complementary", "total_patient",
                              "review_reasons", "etm_accord", "rejection_code", "rejection_message",
                              "liquidation_count", "updated_at"])
    return True
