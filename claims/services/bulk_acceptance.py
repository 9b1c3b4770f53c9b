"""Several claims accepted at once by an agent (the admin's bulk action), each on its own."""
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction

from amo_portal.exceptions import DomainError
from claims.models import Claim, ClaimStatus
from claims.services.controls import REVIEW_NO_DOCUMENT
from claims.services.review import MSG_VERSION_UNKNOWN, accept_claim


@dataclass
class BulkAcceptResult:
    """What happened to each claim of a bulk acceptance (claim numbers)."""

    liquidated: list[str] = field(default_factory=list)
    awaiting_confirmation: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, French reason)
    #: Claims without any supporting document: accepted only one by one, from their own desk (id, number).
    without_document: list[tuple[int, str]] = field(default_factory=list)


def needs_document_confirmation(claim: Claim) -> bool:
    """The controls found no supporting document: someone must open the claim and accept it knowingly."""
    return REVIEW_NO_DOCUMENT in (claim.review_reasons or [])


@transaction.atomic
def accept_claims(*, versions: Mapping[int, int | None], by) -> BulkAcceptResult:
    """Accept several claims at once (claim id -> version shown to the agent). Each claim is
    accepted on its own: one refused claim (changed meanwhile, above the four-eyes threshold
    already approved, not in control) does not stop the others. A claim without any supporting
    document is left untouched, to be accepted from its desk after a look at it."""
    result = BulkAcceptResult()
    # locked in one order for everybody (no deadlock between agents), so that the flags read
    # here are still those of the claims accept_claim then decides on
    claims = {c.pk: c for c in Claim.objects.select_for_update(no_key=True, of=("self",))
              .filter(pk__in=list(versions)).order_by("pk").only("pk", "number", "review_reasons")}
    for claim_id in sorted(claims):
        number = str(claims[claim_id])  # its number (a claim under control has one)
        version = versions[claim_id]
        if version is None:
            result.refused.append((number, MSG_VERSION_UNKNOWN))
            continue
        if needs_document_confirmation(claims[claim_id]):
            result.without_document.append((claim_id, number))
            continue
        try:
            accepted = accept_claim(claim=claims[claim_id], version=version, by=by, comment="Acceptation groupée.")
        except DomainError as exc:
            result.refused.append((number, exc.message))
            continue
        if accepted.status == ClaimStatus.LIQUIDATED:
            result.liquidated.append(number)
        else:
            result.awaiting_confirmation.append(number)
    return result
