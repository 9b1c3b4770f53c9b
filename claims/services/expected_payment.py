"""When a claim in progress should be paid: one rule, for the portal, the API and the escalation.

    liquidation  the mutuelle's queue: median days from filing to liquidation over the last
                 QUEUE_WINDOW_DAYS (ClaimStatusChange rows), DEFAULT_QUEUE_DAYS with too few;
    bordereau    the first nightly constitution after the liquidation (the beat entry
                 "build-payment-batches", amo_portal/celery.py);
    approval     presentation by the mutuelle's supervisor, then the organisme's approval, which
                 issues the transfer order at once (payments.pipeline);
    credit       the bank's cycle, in working days.

Working days are Monday to Friday: the project holds no calendar of Moroccan public holidays, so a
date that falls on or after one is a day or two early (DOMAIN-UNCERTAIN).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.selectors import liquidations_by_filing_day

S = ClaimStatus

#: Statuses of a claim still on its way to payment.
IN_PROGRESS = frozenset({S.SUBMITTED, S.IN_CONTROL, S.DOCUMENTS_REQUESTED, S.LIQUIDATED, S.IN_BATCH,
                         S.PAYMENT_REJECTED, S.UNDER_APPEAL})
#: The legal reimbursement delay the CNOPS is measured against (76 % of claims paid within it in
#: 2023, average 54 days: domain.md §7).
LEGAL_DAYS = 60
#: The window and the least number of liquidations the mutuelle's queue is measured on.
QUEUE_WINDOW_DAYS = 30
MIN_SAMPLE = 20
#: Filing to liquidation when the mutuelle has too little recent data. DERIVED: the CNOPS's 2023
#: average of 54 days from filing to payment (domain.md §7) less about two weeks of payment leg.
DEFAULT_QUEUE_DAYS = 40
#: Constitution to approval: presentation by the supervisor, then the organisme's four eyes.
#: DOMAIN-UNCERTAIN: no public figure; a week of working days.
APPROVAL_WORKING_DAYS = 5
#: Transfer order to the credit on the insured person's account. DOMAIN-UNCERTAIN: no public figure
#: for the organismes' bank; interbank transfers through the SIMT clear in a day or two.
#: The setting AMO_BANK_CREDIT_WORKING_DAYS replaces it once the bank has confirmed its cycle.
BANK_WORKING_DAYS = 2
#: Time left to the insured person to send the documents the mutuelle asked for. DOMAIN-UNCERTAIN.
DOCUMENTS_ANSWER_DAYS = 10
#: Mondays to Fridays (date.weekday()).
WORKING_WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
#: How long a mutuelle's measured queue is kept before it is measured again.
QUEUE_CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class PaymentCalendar:
    queue_days: int                       # filing to liquidation, the mutuelle's current median
    build_weekdays: frozenset[int]        # days (date.weekday()) whose night builds bordereaux
    approval_working_days: int = APPROVAL_WORKING_DAYS
    bank_working_days: int = BANK_WORKING_DAYS
    queue_measured: bool = False          # False: DEFAULT_QUEUE_DAYS, too little data


# --- Pure rules ---------------------------------------------------------------------------------

def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start` (weekends skipped); `start` itself if 0 and a working day."""
    day = start
    while day.weekday() not in WORKING_WEEKDAYS:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() not in WORKING_WEEKDAYS:
            day += timedelta(days=1)
    return day


def next_build(after: date, weekdays: frozenset[int]) -> date:
    """The date of the first constitution run after the day `after` (runs at night: the next day at
    the earliest)."""
    for offset in range(1, 8):
        day = after + timedelta(days=offset)
        if day.weekday() in weekdays:
            return day
    return after + timedelta(days=1)  # an empty calendar: read as every night


def liquidation_estimate(status: str, filed_on: date, today: date, queue_days: int) -> date:
    """When a claim not yet liquidated (or contested) should be liquidated, never before today."""
    if status == S.DOCUMENTS_REQUESTED:
        return max(filed_on + timedelta(days=queue_days), today + timedelta(days=DOCUMENTS_ANSWER_DAYS))
    if status == S.UNDER_APPEAL:
        return today + timedelta(days=queue_days)
    return max(filed_on + timedelta(days=queue_days), today)


def expected_payment_date(*, status: str, filed_on: date | None, liquidated_on: date | None, today: date,
                          calendar: PaymentCalendar) -> date | None:
    """The day the claim's reimbursement should reach the insured person's account, or None when
    the claim is not on its way to payment (draft, rejected, paid)."""
    if status not in IN_PROGRESS or filed_on is None:
        return None
    if status == S.IN_BATCH:
        built = next_build(liquidated_on or today, calendar.build_weekdays)
    elif status in (S.LIQUIDATED, S.PAYMENT_REJECTED):
        built = next_build(today, calendar.build_weekdays)  # held or refused: the next constitution
    else:
        liquidated = liquidation_estimate(status, filed_on, today, calendar.queue_days)
        built = next_build(liquidated, calendar.build_weekdays)
    approved = max(add_working_days(built, calendar.approval_working_days), today)
    return add_working_days(approved, calendar.bank_working_days)


def is_at_risk(*, filed_on: date, expected: date | None, today: date, warn_after_days: int = 50) -> bool:
    """Whether a claim in progress risks passing LEGAL_DAYS from filing unpaid: its expected date is
    beyond, or it is already `warn_after_days` old."""
    deadline = filed_on + timedelta(days=LEGAL_DAYS)
    return (expected is not None and expected > deadline) or today >= filed_on + timedelta(days=warn_after_days)


def median_delay(rows: Iterable[tuple[date, date, int]]) -> int | None:
    """Median days from filing to liquidation over (filed on, liquidated on, count) rows, or None
    with fewer than MIN_SAMPLE liquidations."""
    counts: dict[int, int] = {}
    for filed_on, liquidated_on, n in rows:
        days = max((liquidated_on - filed_on).days, 0)
        counts[days] = counts.get(days, 0) + n
    total = sum(counts.values())
    if total < MIN_SAMPLE:
        return None
    seen = 0
    for days in sorted(counts):  # the lower median, weighted by the counts
        seen += counts[days]
        if seen * 2 >= total:
            return days
    return None


# --- Loading --------------------------------------------------------------------------------------

def build_weekdays_from_beat() -> frozenset[int]:
    """The days whose night constitutes bordereaux, from the beat entry that starts them: a crontab's
    days of the week (0 = Sunday), or every day for an interval or a missing entry."""
    from amo_portal.celery import app

    entry = app.conf.beat_schedule.get("build-payment-batches") or {}
    days = getattr(entry.get("schedule"), "day_of_week", None)
    if not days:
        return EVERY_DAY
    return frozenset((int(d) - 1) % 7 for d in days)


def mutuelle_queue_days(*, mutuelle_id: int, today: date) -> int | None:
    """The mutuelle's median filing-to-liquidation days over the last QUEUE_WINDOW_DAYS (None: too
    little data), measured at most once per QUEUE_CACHE_SECONDS."""
    key = f"amo:file-mutuelle:{mutuelle_id}:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None  # 0 stands for "too little data"
    median = median_delay(liquidations_by_filing_day(
        mutuelle_id=mutuelle_id, since=today - timedelta(days=QUEUE_WINDOW_DAYS), until=today))
    cache.set(key, median if median is not None else 0, QUEUE_CACHE_SECONDS)
    return median


def load_calendar(*, mutuelle_id: int, today: date) -> PaymentCalendar:
    median = mutuelle_queue_days(mutuelle_id=mutuelle_id, today=today)
    return PaymentCalendar(
        queue_days=median if median is not None else DEFAULT_QUEUE_DAYS,
        build_weekdays=build_weekdays_from_beat(),
        bank_working_days=getattr(settings, "AMO_BANK_CREDIT_WORKING_DAYS", BANK_WORKING_DAYS),
        queue_measured=median is not None,
    )


def expected_payment_for(claim: Claim, *, today: date) -> date | None:
    """The expected payment date of one claim (its mutuelle's queue measured or read from the cache)."""
    if claim.status not in IN_PROGRESS or claim.filed_on is None:
        return None
    liquidated_on = timezone.localdate(claim.liquidated_at) if claim.liquidated_at else None
    return expected_payment_date(status=claim.status, filed_on=claim.filed_on, liquidated_on=liquidated_on,
                                 today=today, calendar=load_calendar(mutuelle_id=claim.mutuelle_id, today=today))
