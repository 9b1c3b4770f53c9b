"""Filing deadline arithmetic (domain.md §3.1): N days, suspended periods not counted. Pure."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Suspension:
    first_day: date
    last_day: date  # inclusive


def _is_suspended(day: date, suspensions: Iterable[Suspension]) -> bool:
    return any(s.first_day <= day <= s.last_day for s in suspensions)


def filing_deadline(*, start: date, days: int, suspensions: tuple[Suspension, ...] = ()) -> date:
    """Last day on which a file started on `start` may be filed.

    Day 1 is the day after `start`; suspended days do not count, so the deadline moves
    forward by every suspended day that falls inside the window.
    """
    counted = 0
    day = start
    while counted < days:
        day += timedelta(days=1)
        if not _is_suspended(day, suspensions):
            counted += 1
    return day


def days_counted(*, start: date, until: date, suspensions: tuple[Suspension, ...] = ()) -> int:
    """How many counting days have passed from `start` to `until` (suspended days excluded)."""
    if until <= start:
        return 0
    total = (until - start).days
    for s in suspensions:
        first = max(s.first_day, start + timedelta(days=1))
        last = min(s.last_day, until)
        if last >= first:
            total -= (last - first).days + 1
    return total
