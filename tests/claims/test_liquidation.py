"""Table tests of the liquidation arithmetic, including every worked example of domain.md."""
from decimal import Decimal

import pytest

from claims.services.liquidation import LineToLiquidate, add_up, liquidate_line, unpaid_line
from claims.services.pricing import parse_cotation

D = Decimal


@pytest.mark.parametrize(
    ("paid", "tariff", "amo_rate", "comp_rate", "flat", "expected"),
    [
        # domain.md Ex. 1: Cs paid 250, TNR 150, 80 % + 20 %
        ("250.00", "150.00", "0.80", "0.20", "0", ("150.00", "120.00", "30.00", "100.00")),
        # Ex. 1 with MGPAP from 2026: + 10 DH flat per consultation
        ("250.00", "150.00", "0.80", "0.20", "10.00", ("150.00", "120.00", "40.00", "90.00")),
        # Ex. 1 under a TNR with Cs = 250 (CNSS 2020): nothing left to pay
        ("250.00", "250.00", "0.80", "0.20", "0", ("250.00", "200.00", "50.00", "0.00")),
        # Ex. 2: B 60 = 66.00, private lab
        ("66.00", "66.00", "0.80", "0.20", "0", ("66.00", "52.80", "13.20", "0.00")),
        # Ex. 2, public lab: B = 0.70 -> 42.00
        ("42.00", "42.00", "0.80", "0.20", "0", ("42.00", "33.60", "8.40", "0.00")),
        # Ex. 3: princeps PPV 120, generic-based PBR 80, before 2026 (16 %)
        ("120.00", "80.00", "0.70", "0.16", "0", ("80.00", "56.00", "12.80", "51.20")),
        # Ex. 3, MGPAP from 2026 (20 %)
        ("120.00", "80.00", "0.70", "0.20", "0", ("80.00", "56.00", "16.00", "48.00")),
        # Ex. 3, the generic bought at 80
        ("80.00", "80.00", "0.70", "0.16", "0", ("80.00", "56.00", "12.80", "11.20")),
        ("80.00", "80.00", "0.70", "0.20", "0", ("80.00", "56.00", "16.00", "8.00")),
        # Ex. 4: ALD with valid ETM, 100 % of the PBR, nothing complementary
        ("300.00", "250.00", "1.00", "0.00", "0", ("250.00", "250.00", "0.00", "50.00")),
        # paid below the tariff: the base is what was paid
        ("50.00", "66.00", "0.80", "0.20", "0", ("50.00", "40.00", "10.00", "0.00")),
        # the flat amount never makes AMO + complementary exceed what was paid
        ("150.00", "150.00", "0.80", "0.20", "10.00", ("150.00", "120.00", "30.00", "0.00")),
        # nothing paid, nothing reimbursed
        ("0.00", "150.00", "0.80", "0.20", "10.00", ("0.00", "0.00", "0.00", "0.00")),
        # half-up rounding of each share: 0.70 × 10.05 = 7.035 -> 7.04 ; 0.16 × 10.05 = 1.608 -> 1.61
        ("10.05", "10.05", "0.70", "0.16", "0", ("10.05", "7.04", "1.61", "1.40")),
        # 0.80 × 0.05 = 0.04 ; 0.20 × 0.05 = 0.01
        ("0.05", "0.05", "0.80", "0.20", "0", ("0.05", "0.04", "0.01", "0.00")),
    ],
)
def test_line_shares_follow_the_rules(paid, tariff, amo_rate, comp_rate, flat, expected):
    # given
    line = LineToLiquidate(D(paid), D(tariff), D(amo_rate), D(comp_rate), D(flat))
    # when
    amounts = liquidate_line(line)
    # then
    assert (amounts.base, amounts.amo, amounts.complementary, amounts.patient) == tuple(D(x) for x in expected)
    assert amounts.amo + amounts.complementary + amounts.patient == D(paid)


def test_unpaid_line_leaves_everything_to_the_patient():
    # given / when
    amounts = unpaid_line(D("123.45"))
    # then
    assert (amounts.base, amounts.amo, amounts.complementary, amounts.patient) == (D("0"), D("0"), D("0"),
                                                                                  D("123.45"))


def test_totals_are_sums_of_rounded_line_shares():
    # given: three lines whose unrounded shares would add up differently
    lines = [LineToLiquidate(D("10.05"), D("10.05"), D("0.70"), D("0.16")) for _ in range(3)]
    # when
    totals = add_up([(line.amount_paid, liquidate_line(line)) for line in lines])
    # then: 3 × 7.04, not round(3 × 7.035) = 21.11
    assert totals.amo == D("21.12")
    assert totals.paid == D("30.15")
    assert totals.amo + totals.complementary + totals.patient == totals.paid


@pytest.mark.parametrize(
    ("text", "key", "coefficient"),
    [("B 60", "B", "60"), ("Cs", "Cs", "1"), ("K50", "K", "50"), (" z  40 ", "z", "40"), ("AMM", "AMM", "1"),
     ("K 2,5", "K", "2.5")],
)
def test_cotation_is_read_as_key_and_coefficient(text, key, coefficient):
    # when
    cotation = parse_cotation(text)
    # then
    assert cotation is not None
    assert (cotation.key, cotation.coefficient) == (key, D(coefficient))


@pytest.mark.parametrize("text", ["", "60", "B -3", "B 0", "B 60 60", "B;DROP", "Ω 3"])
def test_unreadable_cotation_is_refused(text):
    assert parse_cotation(text) is None
