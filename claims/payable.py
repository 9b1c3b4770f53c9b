"""What a claim still owes its insured person, per payer: the one rule every payment path calls.

A claim owes, for each payer (the organisme for the AMO share, the mutuelle for the complementary
share), its liquidated share minus what the bank has confirmed paid of that share, over every
bordereau the claim was ever in (`Claim.amo_settled` / `complementary_settled`, kept by the
settlement of the bank's answers). Nothing else derives it: the bordereau builder in Python and
its SQL fast path, the split, the release of a rejected bordereau and the reconciliation use
`still_due`, `DUE_SQL` or `due_expressions`, which a parity test holds equal on both databases.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Value
from django.db.models.functions import Coalesce, Greatest, Round

from amo_portal.money import ZERO
from claims.models import ClaimStatus

#: Statuses in which a claim waits for a payment: liquidated and never paid, or a transfer the
#: bank refused (the claim then owes only what the bank did not pay).
PAYABLE_STATUSES: tuple[str, ...] = (ClaimStatus.LIQUIDATED, ClaimStatus.PAYMENT_REJECTED)


@dataclass(frozen=True, slots=True)
class Due:
    """What is still to be transferred for one claim, per payer."""

    amo: Decimal = ZERO
    complementary: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.amo + self.complementary


def still_due(*, total_amo: Decimal | None, total_complementary: Decimal | None, amo_settled: Decimal,
              complementary_settled: Decimal) -> Due:
    """Liquidated share minus the share the bank confirmed paid, never below zero (a claim not
    liquidated yet owes nothing)."""
    return Due(amo=max(ZERO, (total_amo or ZERO) - amo_settled),
               complementary=max(ZERO, (total_complementary or ZERO) - complementary_settled))


#: The same rule in SQL, for the PostgreSQL fast path of the bordereau lines ({c} is the claim's
#: table alias). tests/payments/test_sql_parity.py runs both on the same rows.
DUE_SQL = {
    "amo": "GREATEST(COALESCE({c}.total_amo, 0) - {c}.amo_settled, 0)",
    "complementary": "GREATEST(COALESCE({c}.total_complementary, 0) - {c}.complementary_settled, 0)",
}


def due_expressions(prefix: str = "") -> dict[str, Round]:
    """The same rule as ORM expressions, to annotate claims (or rows joined to claims through
    `prefix`, e.g. "claim__") with `due_amo` and `due_complementary`. Rounded to the centime:
    SQLite subtracts in binary floats (245.38 - 245.35 is 0.0299999999999999 there)."""
    money = DecimalField(max_digits=12, decimal_places=2)
    zero = Value(ZERO, output_field=money)

    def share(total: str, settled: str) -> Round:
        due = Greatest(Coalesce(F(prefix + total), zero) - F(prefix + settled), zero, output_field=money)
        return Round(due, 2, output_field=money)

    return {"due_amo": share("total_amo", "amo_settled"),
            "due_complementary": share("total_complementary", "complementary_settled")}
