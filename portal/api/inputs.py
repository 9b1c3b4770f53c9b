"""What the API's validated input becomes for the services: the claim typed, the idempotency key."""
from amo_portal.exceptions import DomainError
from portal.api.serializers import IDEMPOTENCY_KEY_MAX
from portal.services.filing import ClaimInput, LineData

MSG_BAD_KEY = "L'en-tête Idempotency-Key doit compter de 1 à 80 caractères visibles."


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key header (None without one); DomainError when it is malformed."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable()):
        raise DomainError(MSG_BAD_KEY, code="donnees_invalides", extra={"champs": {"Idempotency-Key": MSG_BAD_KEY}})
    return key


def claim_input(data: dict) -> ClaimInput:
    """A claim validated by serializers.ClaimInputSerializer, as the filing service takes it."""
    return ClaimInput(
        beneficiary=data["beneficiary"], care_date=data["care_date"], treatment_end_date=data["treatment_end_date"],
        prescriber_inpe=data["prescriber_inpe"], provider_inpe=data["provider_inpe"],
        care_sheet_number=data["care_sheet_number"], is_ald=data["is_ald"], ald_code=data["ald_code"],
        etm_accord_number=data["etm_accord_number"],
        lines=[LineData(kind=line["kind"], amount_paid=line["paid"], quantity=line["quantity"],
                        cotation=line["cotation"], medicine_code=line["code"].strip(), ald_linked=line["ald"],
                        prior_approval_number=line["prior_approval_number"], care_date=line["care_date"],
                        provider_sector=line["provider_sector"])
               for line in data["lines"]],
    )
