"""Several claims accepted at once by an agent (the admin's bulk action), each on its own."""
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction

from amo_portal.exceptions import DomainError
from claims.models import Claim, ClaimStatus
from claims.services.review import MSG_VERSION_UNKNOWN, accept_claim


@dataclass
class BulkAcceptResult:
    """What happened to each claim of a bulk acceptance (claim numbers)."""

    liquidated: list[str] = field(default_factory=list)
    awaiting_confirmation: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, French reason)


@transaction.atomic
def accept_claims(*, versions: Mapping[int, int | None], by) -> BulkAcceptResult:
    """Accept several claims at once (claim id -> version shown to the agent). Each claim is
    accepted on its own: one refused claim (changed meanwhile, above the four-eyes threshold
    already approved, not in control) does not stop the others."""
    result = BulkAcceptResult()
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=list(versions)).only("pk", "number")}
    for claim_id in sorted(claims):  # one lock order for everybody: no deadlock between agents
        number = str(claims[claim_id])  # its number (a claim under control has one)
        version = versions[claim_id]
        if version is None:
            result.refused.append((number, MSG_VERSION_UNKNOWN))
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
