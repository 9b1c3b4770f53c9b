"""The expected payment date of a claim in progress (claims.services.expected_payment): each status
on a fixed day, the mutuelle's measured queue or the default, and the date on the page and the API."""
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus, ClaimStatusChange
from claims.services.expected_payment import (
    DEFAULT_QUEUE_DAYS,
    EVERY_DAY,
    PaymentCalendar,
    add_working_days,
    build_weekdays_from_beat,
    expected_payment_date,
    load_calendar,
    next_build,
)
from claims.workflow import transition_claim
from portal.services.tokens import issue_token
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim
from tests.factories.mutuelles import StaffFactory

S = ClaimStatus
TODAY = date(2026, 12, 1)  # a Tuesday
CALENDAR = PaymentCalendar(queue_days=20, build_weekdays=EVERY_DAY)


@pytest.fixture(autouse=True)
def _fresh_queue_cache():
    cache.clear()
    yield
    cache.clear()


def expected(status, filed_on=date(2026, 11, 25), liquidated_on=None, calendar=CALENDAR):
    return expected_payment_date(status=status, filed_on=filed_on, liquidated_on=liquidated_on, today=TODAY,
                                 calendar=calendar)


# --- the rule, day by day ---------------------------------------------------------------------

@pytest.mark.parametrize(("status", "filed_on", "liquidated_on", "day"), [
    # liquidated 25/11 + 20 = Tue 15/12, built Wed 16/12, approved 5 working days later Wed 23/12, credited Fri 25/12
    (S.SUBMITTED, date(2026, 11, 25), None, date(2026, 12, 25)),
    (S.IN_CONTROL, date(2026, 11, 25), None, date(2026, 12, 25)),
    # the queue would have liquidated it on 21/11: the insured person has 10 days to answer (Fri 11/12),
    # built Sat 12/12, approval counted from Mon 14/12 to Mon 21/12, credited Wed 23/12
    (S.DOCUMENTS_REQUESTED, date(2026, 11, 1), None, date(2026, 12, 23)),
    # waiting for the next bordereau: built Wed 02/12, approved Wed 09/12, credited Fri 11/12
    (S.LIQUIDATED, date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 11)),
    (S.PAYMENT_REJECTED, date(2026, 10, 1), date(2026, 10, 20), date(2026, 12, 11)),
    # liquidated Mon 30/11, built Tue 01/12, approved Tue 08/12, credited Thu 10/12
    (S.IN_BATCH, date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 10)),
    # approval late (due 09/10): from today, credited two working days later
    (S.IN_BATCH, date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 3)),
    # a réclamation is decided in the queue's time: Mon 21/12, built 22/12, approved 29/12, credited 31/12
    (S.UNDER_APPEAL, date(2026, 10, 1), date(2026, 10, 20), date(2026, 12, 31)),
])
def test_each_status_in_progress_gets_its_date(status, filed_on, liquidated_on, day):
    assert expected(status, filed_on, liquidated_on) == day


@pytest.mark.parametrize("status", [S.DRAFT, S.REJECTED, S.PAID])
def test_a_claim_not_on_its_way_to_payment_has_no_date(status):
    assert expected(status) is None


def test_no_filing_date_no_date():
    assert expected(S.SUBMITTED, filed_on=None) is None


@pytest.mark.parametrize("status", sorted(set(S.values) - {S.DRAFT, S.REJECTED, S.PAID}))
def test_the_date_is_a_working_day_after_today_whatever_the_backlog(status):
    day = expected(status, filed_on=date(2026, 1, 5), liquidated_on=date(2026, 2, 1))
    assert day > TODAY
    assert day.weekday() < 5


def test_working_days_skip_the_weekend():
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday → Monday
    assert add_working_days(date(2026, 12, 5), 0) == date(2026, 12, 7)  # Saturday → Monday


def test_bordereaux_built_on_mondays_only_wait_for_the_monday():
    assert next_build(date(2026, 12, 1), frozenset({0})) == date(2026, 12, 7)
    assert next_build(date(2026, 12, 7), frozenset({0})) == date(2026, 12, 14)


def test_the_beat_schedule_builds_bordereaux_every_night():
    assert build_weekdays_from_beat() == EVERY_DAY


# --- the mutuelle's queue ----------------------------------------------------------------------

def liquidate(claim, *, on: date, agent) -> None:
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        transition_claim(claim=locked, to=S.LIQUIDATED, by=agent)
    at = timezone.make_aware(datetime.combine(on, time(10, 0)))
    ClaimStatusChange.objects.filter(claim=claim, to_status=S.LIQUIDATED).update(changed_at=at)


def file_and_liquidate(insured, agent, *, filed_on: date, after_days: int) -> Claim:
    claim = file_claim(insured=insured, lines=[act("C", "80.00")], care_date=filed_on, filed_on=filed_on)
    liquidate(claim, on=filed_on + timedelta(days=after_days), agent=agent)
    return claim


@pytest.mark.django_db
def test_without_data_the_queue_is_the_default(mgpap):
    calendar = load_calendar(mutuelle_id=mgpap.pk, today=TODAY)
    assert calendar.queue_days == DEFAULT_QUEUE_DAYS
    assert calendar.queue_measured is False


@pytest.mark.django_db
def test_the_queue_is_the_median_of_the_last_30_days_liquidations(mgpap, mgen, agent):
    insured, other = InsuredFactory(mutuelle=mgpap), InsuredFactory(mutuelle=mgen)
    for i in range(10):  # within the window: 10 in 10 days, 10 in 30 days
        file_and_liquidate(insured, agent, filed_on=TODAY - timedelta(days=12 + i), after_days=10)
        file_and_liquidate(insured, agent, filed_on=TODAY - timedelta(days=32 + i), after_days=30)
    for i in range(10):  # liquidated before the window, and another mutuelle's: not counted
        file_and_liquidate(insured, agent, filed_on=TODAY - timedelta(days=100 + i), after_days=50)
        file_and_liquidate(other, agent, filed_on=TODAY - timedelta(days=70 + i), after_days=60)
    calendar = load_calendar(mutuelle_id=mgpap.pk, today=TODAY)
    assert calendar.queue_measured is True
    assert calendar.queue_days == 10


@pytest.mark.django_db
def test_too_few_liquidations_keep_the_default(mgpap, agent):
    insured = InsuredFactory(mutuelle=mgpap)
    for i in range(19):
        file_and_liquidate(insured, agent, filed_on=TODAY - timedelta(days=12 + i), after_days=3)
    assert load_calendar(mutuelle_id=mgpap.pk, today=TODAY).queue_days == DEFAULT_QUEUE_DAYS


# --- shown to the insured person ---------------------------------------------------------------

@pytest.mark.django_db
def test_claim_page_list_and_api_show_the_expected_date(client, mgpap):
    member = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    today = timezone.localdate()
    claim = file_claim(insured=member, lines=[act("C", "80.00")], care_date=today - timedelta(days=3),
                       filed_on=today - timedelta(days=3))
    calendar = load_calendar(mutuelle_id=mgpap.pk, today=today)
    day = expected_payment_date(status=claim.status, filed_on=claim.filed_on, liquidated_on=None, today=today,
                                calendar=calendar)
    client.force_login(member.user)
    for url in (f"/espace/dossiers/{claim.pk}/", "/espace/dossiers/"):
        page = client.get(url).content.decode()
        assert f"Paiement prévu vers le {day:%d/%m/%Y}" in page
        assert "selon le délai actuel de votre mutuelle et le calendrier des virements" in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=member.user, name='téléphone')[1]}")
    assert api.get(f"/api/v1/dossiers/{claim.pk}/").json()["paiement_prevu"] == day.isoformat()
