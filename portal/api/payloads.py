"""Plain dictionaries the insured persons' API answers with (shapes in portal.api.serializers)."""
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from amo_portal.money import to_centimes
from beneficiaries.selectors import payer_of
from claims.services.expected_payment import expected_payment_for
from claims.services.pricing import REASON_MESSAGES
from payments.models import Payer
from portal import presenters, selectors
from portal.labels import STATUS_LABELS


def money(value) -> str | None:
    return None if value is None else f"{to_centimes(value):.2f}"


def organisation(org) -> dict:
    return {"code": org.code, "name": org.name_fr, "name_ar": org.name_ar}


def token_info(token, *, current: int | None) -> dict:
    return {"id": token.pk, "prefix": token.prefix, "device": token.name, "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "expires_at": token.last_used_at + timedelta(days=settings.API_TOKEN_IDLE_DAYS),
            "current": token.pk == current}


def me(insured) -> dict:
    """The insured person's card; "fund" is the organisme that pays their AMO share today (their
    régime's payer), "regime" the régime whose values apply to their care."""
    fields = ("registration_number", "affiliation_number", "cnie", "first_name", "last_name", "first_name_ar",
              "last_name_ar", "birth_date", "sex", "status", "affiliated_on", "card_issued_on", "email", "phone",
              "address", "city", "rib_last_digits")
    return {**{name: getattr(insured, name) for name in fields}, "mutuelle": organisation(insured.mutuelle),
            "regime": organisation(insured.regime), "fund": _payer(insured)}


def _payer(insured) -> dict | None:
    payer = payer_of(insured, on=timezone.localdate())
    return organisation(payer) if payer else None


def dependent(person) -> dict:
    fields = ("id", "first_name", "last_name", "first_name_ar", "last_name_ar", "relationship", "birth_date", "sex",
              "registered_on", "ended_on")
    return {name: getattr(person, name) for name in fields}


def rights(row) -> dict:
    e = row.entitlement
    return {"beneficiary": row.dependent.pk if row.dependent else None, "name": row.name,
            "relationship": row.relationship, "entitled": e.entitled, "code": e.code, "message": e.message,
            "ends_on": e.ends_on}


def payment(value) -> dict | None:
    if value is None:
        return None
    return {"batch_number": value.batch_number, "status": value.status, "paid_on": value.paid_on,
            "rib_last_digits": value.rib_last_digits, "amo": money(value.amo),
            "complementary": money(value.complementary), "bank_reason": value.bank_reason}


def claim_summary(claim, payments: dict) -> dict:
    return {
        "id": claim.pk, "number": claim.number, "status": claim.status,
        "status_label": str(STATUS_LABELS.get(claim.status, claim.status)), "beneficiary": claim.dependent_id,
        "beneficiary_name": claim.beneficiary_name, "care_date": claim.care_date, "filed_on": claim.filed_on,
        "total_paid": money(claim.total_paid),
        "reimbursed": money(claim.reimbursed),
        "payment": payment(payments.get(claim.pk)),
    }


#: The payer of a share, as the API names it.
PAYER_KEYS = {Payer.AMO: "amo", Payer.COMPLEMENTARY: "complementaire"}


def payment_history(claim, history) -> list[dict]:
    """Each bordereau line of the claim, oldest first: the RIB, each payer's share and its outcome."""
    payers = presenters.payer_names(claim)
    return [{"bordereau_number": attempt.bordereau_number, "rib_last_digits": attempt.rib_last_digits,
             "shares": [{"payer": PAYER_KEYS[share.payer], "payer_name": payers[share.payer],
                         "amount": money(share.amount), "outcome": share.outcome, "paid_on": share.paid_on,
                         "reason_code": share.reason_code,
                         "message": presenters.share_text(share, payers[share.payer], attempt.rib_last_digits)}
                        for share in attempt.shares]}
            for attempt in history]


def _line(line) -> dict:
    return {
        "position": line.position, "kind": line.kind, "cotation": line.cotation, "code": line.medicine_code,
        "quantity": line.quantity, "paid": money(line.amount_paid), "ald": line.ald_linked,
        "care_date": line.care_date, "provider_sector": line.provider_sector,
        "tariff": money(line.tariff), "base": money(line.base),
        "amo": money(line.amo_amount),
        "complementary": money(line.complementary_amount), "patient": money(line.patient_amount),
        "reason": line.reason_code, "reason_message": REASON_MESSAGES.get(line.reason_code, ""),
        "explanation": line.explanation,
    }


def _document(document) -> dict:
    return {"id": document.pk, "kind": document.kind, "name": document.original_name,
            "content_type": document.content_type, "size": document.size,
            "url": reverse("portal-api-claim-document", args=[document.claim_id, document.pk]),
            "page_url": reverse("claims:document", args=[document.pk])}


def claim_filed(claim, data) -> dict:
    """The claim just filed, from what is in memory (no query): its lines as typed, its first step.

    The liquidation runs afterwards (Celery, on commit); GET /dossiers/{id}/ shows its result.
    """
    lines = [{"position": index + 1, "kind": line.kind, "cotation": line.cotation.strip(),
              "code": line.medicine_code.strip(), "quantity": line.quantity, "paid": money(line.amount_paid),
              "ald": line.ald_linked, "care_date": line.care_date or claim.care_date,
              "provider_sector": line.provider_sector, "tariff": None,
              "base": None, "amo": None, "complementary": None,
              "patient": None, "reason": "", "reason_message": "", "explanation": ""}
             for index, line in enumerate(data.lines)]
    step = {"status": claim.status, "label": str(STATUS_LABELS.get(claim.status, "")),
            "at": timezone.localtime(claim.submitted_at), "detail": ""}
    return {
        **claim_summary(claim, {}),
        "treatment_end_date": claim.treatment_end_date, "prescriber_inpe": claim.prescriber_inpe,
        "provider_inpe": claim.provider_inpe, "is_ald": claim.is_ald, "ald_code": claim.ald_code,
        "etm_accord_number": claim.etm_accord_number, "total_amo": None, "total_complementary": None,
        "total_patient": None, "rejection_message": "", "lines": lines, "documents": [], "timeline": [step],
        "pending_request": None, "statement_url": None, "payment_history": [], "rib_notice": "",
        "paiement_prevu": None,  # known after the automatic controls, moments later (GET /dossiers/{id}/)
    }


def claim_detail(claim, payments: dict) -> dict:
    steps, request = presenters.timeline(claim)
    history = selectors.payment_history(claim=claim)
    timeline = [{"status": step["status"], "label": str(step["label"]), "at": step["at"], "detail": step["detail"]}
                for step in steps]
    statement = (reverse("portal-api-claim-statement", args=[claim.pk])
                 if claim.status in selectors.STATEMENT_STATUSES else None)
    return {
        **claim_summary(claim, payments),
        "treatment_end_date": claim.treatment_end_date, "prescriber_inpe": claim.prescriber_inpe,
        "provider_inpe": claim.provider_inpe, "is_ald": claim.is_ald, "ald_code": claim.ald_code,
        "etm_accord_number": claim.etm_accord_number, "total_amo": money(claim.total_amo),
        "total_complementary": money(claim.total_complementary), "total_patient": money(claim.total_patient),
        "rejection_message": claim.rejection_message,
        "lines": [_line(line) for line in claim.lines.all()],
        "documents": [_document(d) for d in claim.documents.all()],
        "timeline": timeline,
        "pending_request": {"missing": request.missing, "requested_at": request.created_at} if request else None,
        "statement_url": statement,
        "payment_history": payment_history(claim, history),
        "rib_notice": presenters.rib_notice(claim, history),
        "paiement_prevu": expected_payment_for(claim, today=timezone.localdate()),
    }
