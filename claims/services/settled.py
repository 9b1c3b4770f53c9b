"""What the bank confirmed paid of a claim's shares, recorded on the claim (claims.payable reads it)."""
from collections.abc import Mapping
from decimal import Decimal

from amo_portal.bulk import update_columns
from claims.models import Claim


def record_settled_shares(*, settled: Mapping[int, tuple[Decimal, Decimal]]) -> None:
    """Set each claim's confirmed-paid shares (claim id -> (AMO, complementary)), as the payment
    ledger adds them up over every bordereau the claim was in. Called by the settlement of a bank
    return, in its transaction, for claims whose line it has locked; the database refuses a share
    above what was liquidated (claim_settled_within_liquidated)."""
    if not settled:
        return
    ids = sorted(settled)
    update_columns(Claim, ids, {"amo_settled": [settled[pk][0] for pk in ids],
                                "complementary_settled": [settled[pk][1] for pk in ids]})
