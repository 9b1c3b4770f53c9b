"""Correcting a rejected claim from the portal: the new-claim form opened with `?corrige=<number>`
is filled from the rejected claim, and the claim filed from it is linked to the rejected one; the
reasons and the links shown on both claims' pages."""
from __future__ import annotations

from claims.models import Claim, ClaimStatus
from claims.reason_texts import correctable
from claims.services.corrections import link_correction
from claims.services.explanations import claim_reasons, decisions_by_claim
from portal import selectors

CORRECTION_PARAM = "corrige"
INSURED_CHOICE = "assure"


def rejected_to_correct(request) -> Claim | None:
    """The insured person's rejected claim named by `?corrige=`, if its reason allows a correction."""
    number = request.GET.get(CORRECTION_PARAM, "").strip()[:24]
    if not number:
        return None
    claim = (selectors.own_claims(user=request.user, insured=request.insured)
             .filter(number=number, status=ClaimStatus.REJECTED).prefetch_related("lines").first())
    return claim if claim is not None and correctable(claim.rejection_code) else None


def prefill(claim: Claim) -> tuple[dict, list[dict]]:
    """The claim form's and its line rows' initial values, from the rejected claim (documents are
    attached again: the rejection is often about them)."""
    form = {
        "beneficiary": str(claim.dependent_id) if claim.dependent_id else INSURED_CHOICE,
        "care_date": claim.care_date, "treatment_end_date": claim.treatment_end_date,
        "prescriber_inpe": claim.prescriber_inpe, "provider_inpe": claim.provider_inpe,
        "care_sheet_number": claim.care_sheet_number, "is_ald": claim.is_ald, "ald_code": claim.ald_code,
        "etm_accord_number": claim.etm_accord_number,
    }
    lines = [{"kind": line.kind, "cotation": line.cotation, "medicine_code": line.medicine_code,
              "quantity": line.quantity, "amount_paid": line.amount_paid, "ald_linked": line.ald_linked,
              "care_date": line.care_date if line.care_date != claim.care_date else None,
              "provider_sector": line.provider_sector}
             for line in claim.lines.all()]
    return form, lines


def link_if_correcting(request, claim: Claim) -> None:
    """After filing: link the new claim to the rejected claim the form was opened to correct."""
    rejected = rejected_to_correct(request)
    if rejected is not None:
        link_correction(claim=claim, corrected=rejected)


def corrections_context(claim: Claim) -> dict:
    """The reasons of a rejection or of changed lines, and the links between a rejected claim and
    the claim that corrects it (both ways); a correction is offered when the reason allows it."""
    rejected = claim.status == ClaimStatus.REJECTED
    return {
        "reasons": claim_reasons(claim, decisions_by_claim([claim.pk]).get(claim.pk, [])),
        "can_correct": rejected and correctable(claim.rejection_code),
        "corrects": claim.corrects if claim.corrects_id else None,
        "corrections": list(claim.corrections.only("pk", "number").order_by("pk")) if rejected else [],
    }
