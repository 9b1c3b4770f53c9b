"""Filing a claim online: from what the insured person typed to the intake service, with a preview.

The pages and the API both go through `draft_from_input`, then either `preview_claim` (the
reimbursement the simulator computes with the same pricing code) or `file_claim_online`
(claims.services.intake.submit_claim, which validates and queues the liquidation).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from amo_portal.periods import covers
from approvals.services.decisions import accords_on_file
from beneficiaries.models import Dependent, Insured
from beneficiaries.selectors import dependents_visible_to
from beneficiaries.services.entitlement import Entitlement, beneficiary_entitlement
from claims.models import Claim
from claims.services.checks import entitlement_reason
from claims.services.intake import ClaimContent, ClaimDraft, submit_claim, validate_draft
from claims.services.liquidation import add_up
from claims.services.pricing import LineInput, rejected_line
from claims.services.simulation import AccordsOnFile, SimulatedBeneficiary, SimulationResult, simulate
from portal.services.quotas import check_document_quota, check_filing_quota
from tariffs.selectors import TariffBook

MSG_UNKNOWN_BENEFICIARY = gettext_noop("Choisissez l'assuré ou l'un de ses ayants droit.")


#: A line as typed on the page or sent to the API: the pricing's own input.
LineData = LineInput


@dataclass(frozen=True, kw_only=True)
class ClaimInput(ClaimContent):
    """A claim as typed on the page or sent to the API (beneficiary: a dependant's id, None for the insured)."""

    beneficiary: int | None


def beneficiary_of(*, user, insured: Insured, dependent_id: int | None) -> Dependent | None:
    """The dependant chosen, among the insured person's own (ValidationError otherwise)."""
    if dependent_id is None:
        return None
    dependent = (dependents_visible_to(user=user).filter(insured=insured, pk=dependent_id)
                 .prefetch_related("study_certificates", "rights_maintenances").first())
    if dependent is None:
        raise ValidationError({"beneficiary": _(MSG_UNKNOWN_BENEFICIARY)})
    return dependent


def draft_from_input(*, user, insured: Insured, data: ClaimInput) -> ClaimDraft:
    dependent = beneficiary_of(user=user, insured=insured, dependent_id=data.beneficiary)
    return ClaimDraft(
        insured=insured, dependent=dependent, care_date=data.care_date,
        treatment_end_date=data.treatment_end_date, prescriber_inpe=data.prescriber_inpe.strip(),
        provider_inpe=data.provider_inpe.strip(), care_sheet_number=data.care_sheet_number.strip(),
        is_ald=data.is_ald, ald_code=data.ald_code.strip(), etm_accord_number=data.etm_accord_number.strip(),
        lines=[line._replace(cotation=line.cotation.strip(), medicine_code=line.medicine_code.strip(),
                             prior_approval_number=line.prior_approval_number.strip())
               for line in data.lines],
        documents=list(data.documents),
    )


def file_claim_online(*, user, insured: Insured, data: ClaimInput, idempotency_key: str | None = None) -> Claim:
    """File the claim typed by the insured person; the same idempotency key and content give the same claim.

    Refused (QuotaExceeded) past the insured person's daily quotas of claims and documents.
    """
    check_filing_quota(insured=insured, idempotency_key=idempotency_key)
    check_document_quota(insured=insured, adding=len(data.documents))
    draft = draft_from_input(user=user, insured=insured, data=data)
    return submit_claim(draft=draft, by=user, filed_on=timezone.localdate(), idempotency_key=idempotency_key)


@dataclass(frozen=True)
class Preview:
    """What the claim would be paid if it were filed today, and whether the beneficiary is covered."""

    result: SimulationResult
    entitlement: Entitlement


def _simulated_beneficiary(draft: ClaimDraft) -> SimulatedBeneficiary:
    dependent = draft.dependent
    if dependent is None:
        return SimulatedBeneficiary("assure", draft.insured.birth_date)
    on = draft.care_date
    studying = any(covers(c.valid_from, c.valid_until, on, last_day_included=True)
                   for c in dependent.study_certificates.all())
    maintained = dependent.disabled and any(
        covers(m.valid_from, m.valid_until, on, last_day_included=True)
        for m in dependent.rights_maintenances.all())
    return SimulatedBeneficiary(dependent.relationship, dependent.birth_date, student=studying,
                                married=dependent.married, disabled=maintained)


def _accords_on_file(draft: ClaimDraft) -> AccordsOnFile:
    """The beneficiary's accords in the register, decided as the liquidation will (approvals.rules)."""
    return AccordsOnFile(accords_on_file(draft.dependent or draft.insured), is_ald=draft.is_ald,
                         ald_code=draft.ald_code, accord_number=draft.etm_accord_number)


def preview_claim(*, user, insured: Insured, data: ClaimInput) -> Preview:
    """Validate the claim as the intake will, then price it with the simulator's code (nothing written).

    The registry's own rights rules (end of a dependant's rights, spouse covered elsewhere) are
    checked on top of the simulator's, so that the preview does not promise what the controls refuse.
    """
    draft = draft_from_input(user=user, insured=insured, data=data)
    today = timezone.localdate()
    validate_draft(draft, filed_on=today)
    book = TariffBook.current()
    result = simulate(mutuelle=insured.mutuelle, care_date=draft.care_date,
                      treatment_end_date=draft.treatment_end_date, filing_date=today,
                      beneficiary=_simulated_beneficiary(draft), etm=None, lines=draft.lines,
                      on_file=_accords_on_file(draft), regime_id=insured.regime_id, book=book)
    entitlement = beneficiary_entitlement(insured=insured, dependent=draft.dependent, on=draft.care_date,
                                          limits=book.eligibility_limits(regime_id=insured.regime_id,
                                                                         on=draft.care_date))
    if not entitlement.entitled and result.admissible:
        priced = [rejected_line(line) for line in draft.lines]
        reasons = [*result.reasons, *filter(None, [entitlement_reason(entitlement)])]
        result = SimulationResult(admissible=False, reasons=reasons, lines=priced,
                                  totals=add_up([(line.amount_paid, p.amounts)
                                                 for line, p in zip(draft.lines, priced, strict=True)]),
                                  etm=result.etm, payer_id=result.payer_id)
    return Preview(result=result, entitlement=entitlement)
