"""Accords coming to their end: reminders 60 and 15 days before, each once, never for lifetime
accords; the automatic renewal of the declinations that say so; the expiry of the others."""
from datetime import date

import pytest
from django.core import mail

from approvals.models import Accord, AccordKind, AccordReminder, AccordStatus, ALDDeclination
from approvals.services.renewals import renew_ended_accords, send_end_reminders
from approvals.services.review import grant_accord, request_accord
from approvals.tasks import accords_daily_task
from tests.factories.beneficiaries import InsuredFactory

pytestmark = pytest.mark.django_db


def granted(*, code="H011", until=date(2026, 6, 30), number="ETM-1", insured=None):
    accord = request_accord(insured=insured or InsuredFactory(), dependent=None, kind=AccordKind.ETM, by=None,
                            declination=ALDDeclination.objects.get(code=code))
    return grant_accord(accord=accord, by=None, number=number, valid_from=date(2021, 7, 1), valid_until=until,
                        lifetime=until is None)


def auto_renewing_code() -> str:
    return ALDDeclination.objects.filter(automatic_renewal=True, validity_months__isnull=False).first().code


def test_reminders_go_60_then_15_days_before_the_end_each_once(django_capture_on_commit_callbacks):
    # given: an accord ending on 30/06/2026
    accord = granted()
    mail.outbox.clear()
    # when: the task runs 61 days before, then on each day from 60 days before to 15 days before
    with django_capture_on_commit_callbacks(execute=True):
        counts = [send_end_reminders(on=date(2026, 4, 30)), send_end_reminders(on=date(2026, 5, 1)),
                  send_end_reminders(on=date(2026, 5, 2)), send_end_reminders(on=date(2026, 6, 15)),
                  send_end_reminders(on=date(2026, 6, 16))]
    # then
    assert counts == [0, 1, 0, 1, 0]
    assert sorted(AccordReminder.objects.filter(accord=accord).values_list("days_before", flat=True)) == [15, 60]
    assert [m.subject for m in mail.outbox] == ["Votre accord n°ETM-1 prend fin le 30/06/2026"] * 2
    assert "dans 60 jours" in mail.outbox[0].body and "dans 15 jours" in mail.outbox[1].body


def test_a_lifetime_accord_gets_no_reminder():
    # given
    granted(until=None)
    # when
    sent = send_end_reminders(on=date(2026, 6, 1))
    # then
    assert sent == 0 and not AccordReminder.objects.exists()


def test_an_accord_whose_declination_renews_itself_is_renewed_with_history(django_capture_on_commit_callbacks):
    # given
    old = granted(code=auto_renewing_code(), until=date(2026, 6, 30), number="ETM-9")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        renewed = renew_ended_accords(on=date(2026, 7, 1))
    # then
    old.refresh_from_db()
    new = Accord.objects.get(renews=old)
    assert renewed == 1 and old.status == AccordStatus.RENEWED
    assert (new.status, new.accord_number, new.valid_from) == (AccordStatus.GRANTED, "ETM-9-R1", date(2026, 7, 1))
    assert new.valid_until is not None and new.valid_until > new.valid_from
    assert list(new.status_changes.values_list("from_status", "to_status")) == [("", "accorde")]
    assert list(old.status_changes.values_list("to_status", flat=True)) == ["demande", "accorde", "renouvele"]
    assert mail.outbox[-1].subject == "Accord n°ETM-9-R1 renouvelé"
    # a second run renews nothing more
    assert renew_ended_accords(on=date(2026, 7, 2)) == 0


def test_the_daily_task_expires_what_does_not_renew_and_leaves_lifetime_accords():
    # given: an AVC accord (M663: no automatic renewal) ended in January 2024, and a lifetime one
    ended = granted(code="M663", until=date(2024, 1, 31), number="ETM-OLD")
    forever = granted(until=None, number="ETM-VIE")
    # when
    result = accords_daily_task.delay().get()
    # then
    ended.refresh_from_db()
    forever.refresh_from_db()
    assert result["expired"] >= 1
    assert ended.status == AccordStatus.EXPIRED and forever.status == AccordStatus.GRANTED
