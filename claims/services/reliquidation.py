"""One claim liquidated again, after an agent's change to a line (claims.services.review): its
facts loaded with its relations, the same controls as a chunk, and only what changed written."""
from claims.models import Claim
from claims.services.controls import ClaimFacts, Outcome, control_and_price, line_input
from claims.services.line_results import write_line_results
from claims.services.processing import find_duplicates, load_accords, record_consumptions
from tariffs.selectors import TariffBook


def claim_facts(claim: Claim) -> ClaimFacts:
    """The facts of one claim loaded with its relations (claims_for_processing), for reliquidation."""
    if claim.number is None or claim.filed_on is None:
        raise ValueError(f"dossier {claim.pk} non déposé : il n'a rien à liquider de nouveau")
    facts = ClaimFacts(
        pk=claim.pk, number=claim.number, status=claim.status, version=claim.version, insured_id=claim.insured_id,
        dependent_id=claim.dependent_id, mutuelle_id=claim.mutuelle_id, regime_id=claim.insured.regime_id,
        care_date=claim.care_date, treatment_end_date=claim.treatment_end_date, filed_on=claim.filed_on,
        is_ald=claim.is_ald, ald_code=claim.ald_code, etm_accord_number=claim.etm_accord_number,
        duplicate_key=claim.duplicate_key, liquidation_count=claim.liquidation_count,
        review_threshold=claim.mutuelle.review_threshold, insured=claim.insured, dependent=claim.dependent,
        documents=[(d.sha256, d.original_name) for d in claim.documents.all()],
    )
    for line in claim.lines.all():
        facts.line_ids.append(line.pk)
        facts.lines.append(line_input(line))
    return facts


def claims_for_processing():
    return Claim.objects.select_related("insured", "dependent", "dependent__insured", "mutuelle").prefetch_related(
        "lines", "documents", "dependent__study_certificates", "dependent__rights_maintenances",
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
    claim.review_reasons = outcome.points_to_check
    claim.etm_accord_id = outcome.etm_accord.pk if outcome.etm_accord else None
    claim.rejection_code = outcome.rejection.code if outcome.rejection else ""
    claim.rejection_message = outcome.rejection.message if outcome.rejection else ""
    return changed


def reliquidate_claim(claim: Claim, *, book: TariffBook | None = None) -> bool:
    """Price again a claim under control (after an agent's adjustment). Writes only what changed;
    an unchanged claim writes nothing and returns False. The caller holds the claim's lock."""
    claim = claims_for_processing().get(pk=claim.pk)
    facts = claim_facts(claim)
    book = book or TariffBook.current()
    ledger = load_accords([facts], book)
    outcome = control_and_price(facts, book, find_duplicates([facts]), ledger)
    record_consumptions(ledger)
    before = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    lines_changed = apply_outcome(claim, outcome)
    after = (claim.total_amo, claim.total_complementary, claim.total_patient, claim.total_paid)
    if not lines_changed and before == after:
        return False
    write_line_results([line.pk for line in claim.lines.all()], outcome.priced)
    claim.liquidation_count += 1
    claim.save(update_fields=["total_paid", "total_amo", "total_complementary", "total_patient",
                              "review_reasons", "etm_accord", "rejection_code", "rejection_message",
                              "liquidation_count", "updated_at"])
    return True
