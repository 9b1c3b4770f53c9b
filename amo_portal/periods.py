"""Periods of validity: the one reading of "in force on a date" for dated values and documents.

Reference data (rates, tariffs, links) is valid from a day included to a day excluded, open-ended
when the end is empty (`DatedModel`, `DatedQuerySet.in_force`). Documents issued to a person (an
ETM accord, a study certificate) name their last day instead: `last_day_included=True`.
"""
from datetime import date

#: The start of the compulsory health insurance (AMO): décret n° 2-05-736 du 18 juillet 2005, in
#: force from 1 September 2005. Reference prices loaded without a date start here, and no care
#: dated in a year before it is accepted.
AMO_START = date(2005, 9, 1)


def covers(valid_from: date, valid_to: date | None, on: date, *, last_day_included: bool = False) -> bool:
    """Whether `on` falls in the period (an empty end: still in force)."""
    if on < valid_from:
        return False
    if valid_to is None:
        return True
    return on <= valid_to if last_day_included else on < valid_to


def before_amo(on: date) -> bool:
    """Care dated in a year before the AMO existed (refused by the simulator and the filing API)."""
    return on.year < AMO_START.year
