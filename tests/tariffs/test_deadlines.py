"""Filing deadline arithmetic, with the 2020 suspension (domain.md §3.1, Ex. 5)."""
from datetime import date, timedelta

import pytest

from tariffs.services.deadlines import Suspension, days_counted, filing_deadline

COVID = (Suspension(date(2020, 3, 24), date(2020, 7, 27)),)


def test_day_60_is_the_last_day():
    # given / when
    deadline = filing_deadline(start=date(2024, 1, 10), days=60)
    # then
    assert deadline == date(2024, 3, 10)
    assert days_counted(start=date(2024, 1, 10), until=date(2024, 3, 10)) == 60
    assert days_counted(start=date(2024, 1, 10), until=date(2024, 3, 11)) == 61


def test_worked_example_65_days_is_late():
    assert days_counted(start=date(2024, 1, 10), until=date(2024, 3, 15)) == 65


def test_worked_example_end_of_continuous_treatment_moves_the_deadline():
    assert filing_deadline(start=date(2024, 2, 20), days=60) == date(2024, 4, 20)


@pytest.mark.parametrize(
    ("start", "expected_deadline"),
    [
        # care on 2020-03-01: 22 days counted before the suspension, 38 more from 28 July
        (date(2020, 3, 1), date(2020, 9, 3)),
        # care during the suspension: counting starts on 28 July
        (date(2020, 4, 15), date(2020, 9, 25)),
        # care long before: unaffected
        (date(2019, 12, 1), date(2020, 1, 30)),
        # deadline falling exactly on the eve of the suspension
        (date(2020, 1, 23), date(2020, 3, 23)),
    ],
)
def test_deadline_crossing_the_2020_suspension(start, expected_deadline):
    # when
    deadline = filing_deadline(start=start, days=60, suspensions=COVID)
    # then
    assert deadline == expected_deadline
    assert days_counted(start=start, until=deadline, suspensions=COVID) == 60
    next_counted_day = deadline + timedelta(days=1)
    while COVID[0].first_day <= next_counted_day <= COVID[0].last_day:
        next_counted_day += timedelta(days=1)
    assert days_counted(start=start, until=next_counted_day, suspensions=COVID) == 61


def test_filing_during_the_suspension_is_on_time_when_the_count_had_not_run_out():
    # care on 2020-01-23: day 60 is 2020-03-23, the eve of the suspension; days do not count until 28 July
    assert days_counted(start=date(2020, 1, 23), until=date(2020, 7, 27), suspensions=COVID) == 60
    assert days_counted(start=date(2020, 1, 23), until=date(2020, 7, 28), suspensions=COVID) == 61
