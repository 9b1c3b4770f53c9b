"""Automatic controls and liquidation of submitted claims, in chunks, exactly once.

A chunk of submitted claims is locked (rows already locked by another worker are skipped),
controlled, priced and written back with their audit rows in one transaction: a worker killed
half-way leaves the chunk untouched and still "déposé", to be picked up again.
"""
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from amo_portal.bulk import bulk_update_rows
from amo_portal.money import ZERO
from beneficiaries.models import ETMAccord
from beneficiaries.services.entitlement import beneficiary_entitlement
from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange
from claims.services.checks import ClaimReason, Reason, deadline_reason, entitlement_reason
from claims.services.liquidation import Totals, add_up
from claims.services.pricing import ClaimContext, LineInput, LineReason, PricedLine, price_line, rejected_line
from claims.workflow import transition_many
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


@dataclass
class Outcome:
    """What the controls and the pricing decided for one claim."""

    rejection: Reason | None
    priced: list[tuple[ClaimLine, PricedLine]]
    totals: Totals
    review_reasons: list[str] = field(default_factory=list)
    etm_accord: ETMAccord | None = None


def line_input(line: ClaimLine) -> LineInput:
    return LineInput(kind=line.kind, amount_paid=line.amount_paid, quantity=line.quantity, cotation=line.cotation,
                     medicine_code=line.medicine_code, ald_linked=line.ald_linked,
                     prior_approval_number=line.prior_approval_number,
                     rejected_reason_code=line.rejected_reason_code)


def find_etm(claim: Claim, accords: list[ETMAccord]) -> ETMAccord | None:
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

    def earlier(self, claim: Claim, documents: list[ClaimDocument]) -> Reason | None:
        for pk, number in self.by_key.get(claim.duplicate_key, []):
            if pk < claim.pk:
                return Reason(ClaimReason.DUPLICATE, f"Ces soins ont déjà été déclarés dans le dossier {number}.")
        for document in documents:
            for pk, number in self.by_document.get(document.sha256, []):
                if pk < claim.pk:
                    return Reason(ClaimReason.DUPLICATE_DOCUMENT,
                                  f"La pièce « {document.original_name} » a déjà été déposée avec le dossier {number}.")
        return None


def find_duplicates(claims: list[Claim]) -> Duplicates:
    live = [ClaimStatus.DRAFT, ClaimStatus.REJECTED]
    keys = {c.duplicate_key for c in claims if c.duplicate_key}
    by_key: dict[str, list[tuple[int, str]]] = {}
    for pk, key, number in (Claim.objects.filter(duplicate_key__in=keys).exclude(status__in=live)
                            .values_list("pk", "duplicate_key", "number")):
        by_key.setdefault(key, []).append((pk, number))
    shas = {d.sha256 for c in claims for d in c.documents.all()}
    by_document: dict[str, list[tuple[int, str]]] = {}
    if shas:
        for pk, sha, number in (ClaimDocument.objects.filter(sha256__in=shas).exclude(claim__status__in=live)
                                .values_list("claim_id", "sha256", "claim__number")):
            by_document.setdefault(sha, []).append((pk, number))
    return Duplicates(by_key, by_document)


def control_and_price(claim: Claim, book: TariffBook, duplicates: Duplicates) -> Outcome:
    """Run the claim-level controls, then price every line (or none, if the claim is rejected)."""
    lines = list(claim.lines.all())
    documents = list(claim.documents.all())
    etm = find_etm(claim, list(claim.insured.etm_accords.all()))
    rule = book.deadline_days(fund_id=claim.fund_id, filer=FilingDeadlineRule.Filer.INSURED, on=claim.care_date)
    rejection = (
        deadline_reason(care_date=claim.care_date, treatment_end_date=claim.treatment_end_date,
                        filed_on=claim.filed_on, days=rule.value[0] if rule else None,
                        suspensions=book.suspensions_for(claim.fund_id))
        or entitlement_reason(beneficiary_entitlement(insured=claim.insured, dependent=claim.dependent,
                                                      on=claim.care_date))
        or duplicates.earlier(claim, documents)
    )
    if rejection is not None:
        priced = [(line, rejected_line(line_input(line))) for line in lines]
    else:
        ctx = ClaimContext(fund_id=claim.fund_id, mutuelle_id=claim.mutuelle_id, care_date=claim.care_date,
                           etm_valid=bool(etm and etm.covers(claim.care_date)))
        priced = [(line, price_line(line_input(line), ctx, book)) for line in lines]
    totals = add_up([(line.amount_paid, p.amounts) for line, p in priced])
    outcome = Outcome(rejection=rejection, priced=priced, totals=totals, etm_accord=etm)
    if rejection is None:
        outcome.review_reasons = review_reasons(claim, outcome, etm, documents)
    return outcome


def review_reasons(claim: Claim, outcome: Outcome, etm: ETMAccord | None, documents: list) -> list[str]:
    """Why an agent must look at the claim before it is liquidated (empty: straight through)."""
    reasons = []
    threshold = claim.mutuelle.review_threshold
    if threshold > ZERO and outcome.totals.amo + outcome.totals.complementary >= threshold:
        reasons.append(REVIEW_ABOVE_THRESHOLD)
    if any(p.reason_code and p.reason_code != LineReason.REJECTED_BY_AGENT for _, p in outcome.priced):
        reasons.append(REVIEW_UNPAID_LINE)
    if claim.is_ald and not (etm and etm.covers(claim.care_date)):
        reasons.append(REVIEW_NO_ETM)
    if not documents:
        reasons.append(REVIEW_NO_DOCUMENT)
    return reasons


def apply_outcome(claim: Claim, outcome: Outcome) -> bool:
    """Copy the outcome onto the claim and its lines in memory; True if any line changed."""
    changed = False
    for line, priced in outcome.priced:
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


def _next_status(outcome: Outcome) -> tuple[str, str, str]:
    if outcome.rejection:
        return ClaimStatus.REJECTED, outcome.rejection.code, outcome.rejection.message
    if outcome.review_reasons:
        return ClaimStatus.IN_CONTROL, "controle_manuel", " ".join(outcome.review_reasons)
    return ClaimStatus.LIQUIDATED, "liquidation_automatique", "Contrôles automatiques passés, dossier liquidé."


def claims_for_processing():
    return Claim.objects.select_related("insured", "dependent", "mutuelle").prefetch_related(
        "lines", "documents",
        Prefetch("insured__etm_accords", queryset=ETMAccord.objects.select_related("ald")),
        "dependent__study_certificates", "dependent__rights_maintenances",
    )


def liquidate_pending_claims(*, limit: int = 500, by=None, book: TariffBook | None = None) -> tuple[int, bool]:
    """Lock up to `limit` submitted claims, control and liquidate them; returns (processed, maybe_more).

    Rows locked by another worker are skipped, so concurrent workers share the queue without
    waiting; a claim leaves "déposé" only in the transaction that writes its results.
    """
    with transaction.atomic():
        ids = list(
            Claim.objects.filter(status=ClaimStatus.SUBMITTED).order_by("pk")
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return 0, False
        claims = list(claims_for_processing().filter(pk__in=ids).order_by("pk"))
        process_locked_claims(claims, by=by, book=book or TariffBook.load())
    return len(ids), len(ids) == limit


def process_locked_claims(claims: list[Claim], *, by, book: TariffBook) -> None:
    duplicates = find_duplicates(claims)
    now = timezone.now()
    targets = {}
    lines: list[ClaimLine] = []
    for claim in claims:
        outcome = control_and_price(claim, book, duplicates)
        apply_outcome(claim, outcome)
        lines.extend(line for line, _ in outcome.priced)
        targets[claim.pk] = _next_status(outcome)
        claim.liquidated_at = now if targets[claim.pk][0] == ClaimStatus.LIQUIDATED else None
        claim.liquidation_count += 1
        claim.updated_at = now
    changes = transition_many(claims=claims, targets=targets, by=by)
    bulk_update_rows(ClaimLine, lines, LINE_RESULT_FIELDS)
    bulk_update_rows(Claim, claims, CLAIM_RESULT_FIELDS)
    ClaimStatusChange.objects.bulk_create(changes)


def reliquidate_claim(claim: Claim, *, book: TariffBook | None = None) -> bool:
    """Price again a claim under control (after an agent's adjustment). Writes only what changed;
    an unchanged claim writes nothing and returns False. The caller holds the claim's lock."""
    claim = claims_for_processing().get(pk=claim.pk)
    outcome = control_and_price(claim, book or TariffBook.load(), find_duplicates([claim]))
    before = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    lines_changed = apply_outcome(claim, outcome)
    after = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    if not lines_changed and before == after:
        return False
    bulk_update_rows(ClaimLine, [line for line, _ in outcome.priced], LINE_RESULT_FIELDS)
    claim.liquidation_count += 1
    claim.save(update_fields=["total_paid", "total_amo", "total_complementary", "total_patient",
                              "review_reasons", "etm_accord", "rejection_code", "rejection_message",
                              "liquidation_count", "updated_at"])
    return True

