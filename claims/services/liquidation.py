"""Liquidation arithmetic: what the AMO, then the mutuelle, pay on one line. Pure Decimal, no ORM.

Rules (domain.md §1, §2): base = min(amount paid, tariff); AMO = base × AMO rate;
complementary = base × complementary rate + flat amounts, capped so that AMO + complementary
never exceed what was paid; the patient keeps the rest. Each share is rounded half-up to the
centime once (amo_portal.money.to_centimes).
"""
from decimal import Decimal
from typing import NamedTuple

from amo_portal.money import ZERO, to_centimes


class LineToLiquidate(NamedTuple):
    amount_paid: Decimal
    tariff: Decimal  # reference tariff of the whole line (unit value × coefficient × quantity)
    amo_rate: Decimal
    complementary_rate: Decimal
    complementary_flat: Decimal = ZERO


class LineAmounts(NamedTuple):
    tariff: Decimal | None
    base: Decimal
    amo: Decimal
    complementary: Decimal
    patient: Decimal


def liquidate_line(line: LineToLiquidate) -> LineAmounts:
    # value objects built by the hundred thousand per chunk of claims: named tuples, cheap to make
    paid = to_centimes(line.amount_paid)
    tariff = to_centimes(line.tariff)
    base = paid if paid < tariff else tariff
    amo = to_centimes(base * line.amo_rate)
    if amo > paid:
        amo = paid
    complementary = to_centimes(base * line.complementary_rate)
    if line.complementary_flat:
        complementary += to_centimes(line.complementary_flat)
    if complementary > paid - amo:
        complementary = paid - amo
    if complementary < ZERO:
        complementary = ZERO
    return LineAmounts(tariff, base, amo, complementary, paid - amo - complementary)


def unpaid_line(amount_paid: Decimal, tariff: Decimal | None = None) -> LineAmounts:
    """A line that cannot be paid: nothing from the AMO nor the mutuelle."""
    paid = to_centimes(amount_paid)
    return LineAmounts(tariff=tariff, base=ZERO, amo=ZERO, complementary=ZERO, patient=paid)


class Totals(NamedTuple):
    paid: Decimal
    amo: Decimal
    complementary: Decimal
    patient: Decimal


def add_up(lines: list[tuple[Decimal, LineAmounts]]) -> Totals:
    """Claim totals: plain sums of the already-rounded line shares (no second rounding)."""
    paid = amo = complementary = patient = ZERO
    for amount_paid, amounts in lines:
        paid += to_centimes(amount_paid)
        amo += amounts.amo
        complementary += amounts.complementary
        patient += amounts.patient
    return Totals(paid=paid, amo=amo, complementary=complementary, patient=patient)
