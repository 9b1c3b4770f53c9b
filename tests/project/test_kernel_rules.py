"""The shared kernel's rules, as tables: an amount's validity, the reading of a period, the AMO start."""
from datetime import date
from decimal import Decimal

import pytest

from amo_portal.money import MAX_AMOUNT, is_amount
from amo_portal.periods import before_amo, covers


@pytest.mark.parametrize(("amount", "valid"), [
    (Decimal("0"), True), (Decimal("0.00"), True), (Decimal("12.5"), True), (Decimal("12.50"), True),
    (Decimal("-0.01"), False), (Decimal("12.345"), False), (MAX_AMOUNT, True),
])
def test_an_amount_is_valid_when_not_negative_with_at_most_two_places(amount, valid):
    assert is_amount(amount) is valid


@pytest.mark.parametrize(("on", "last_day_included", "covered"), [
    (date(2024, 12, 31), False, False), (date(2025, 1, 1), False, True), (date(2025, 6, 30), False, False),
    (date(2025, 6, 29), False, True), (date(2025, 6, 30), True, True), (date(2025, 7, 1), True, False),
])
def test_a_period_covers_its_first_day_and_its_end_only_when_the_end_is_a_last_day(on, last_day_included, covered):
    assert covers(date(2025, 1, 1), date(2025, 6, 30), on, last_day_included=last_day_included) is covered


def test_an_open_period_covers_every_day_from_its_start():
    assert covers(date(2025, 1, 1), None, date(2099, 1, 1))
    assert not covers(date(2025, 1, 1), None, date(2024, 12, 31))


def test_care_is_refused_only_in_a_year_before_the_amo_started():
    assert before_amo(date(2004, 12, 31))
    assert not before_amo(date(2005, 1, 1))
