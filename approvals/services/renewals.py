"""Accords coming to their end: reminders 60 and 15 days before (each once), the automatic renewal
of the accords whose ALD declination says so (domain.md §1.3: "renouvellement automatique pour
certaines pathologies"), and the expiry of the others. Run every day (approvals.tasks)."""
import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Accord, AccordReminder, AccordStatus
from approvals.services.notifications import Event, notify_on_commit
from approvals.services.review import default_valid_until
from approvals.workflow import record_initial_status, transition_accord

#: Days before the last day of an accord when the insured person is reminded (the larger first).
REMINDER_DAYS = (60, 15)
_RENEWAL_SUFFIX = re.compile(r"-R\d+$")


def renewal_number(number: str, count: int) -> str:
    """ETM-12 → ETM-12-R1 → ETM-12-R2: the number of the accord a renewal replaces, marked."""
    return f"{_RENEWAL_SUFFIX.sub('', number)}-R{count}"[-32:]


def _renewal_count(accord: Accord) -> int:
    count, current = 1, accord
    while current.renews_id is not None:
        count, current = count + 1, Accord.objects.only("renews_id").get(pk=current.renews_id)
    return count


@transaction.atomic
def renew_accord(*, accord: Accord, by) -> Accord:
    """A new granted accord that starts the day after `accord` ends, for the declination's period,
    linked to it (`renews`); `accord` becomes renewed. Each step leaves its history row."""
    if accord.valid_until is None:
        raise ValueError(f"accord {accord.pk} : un accord à vie ne se renouvelle pas")
    valid_from = accord.valid_until + timedelta(days=1)
    insured = accord.insured  # the renewal is owed by the insured person's payers of today
    renewal = Accord(insured=insured, mutuelle_id=insured.mutuelle_id, fund_id=insured.fund_id,
                     dependent_id=accord.dependent_id, kind=accord.kind,
                     status=AccordStatus.GRANTED, ald_id=accord.ald_id, declination=accord.declination,
                     accord_number=renewal_number(accord.accord_number, _renewal_count(accord)), renews=accord,
                     valid_from=valid_from, valid_until=default_valid_until(accord.declination, valid_from),
                     requested_on=timezone.localdate(), decided_on=timezone.localdate(), language=accord.language)
    renewal.full_clean()
    renewal.save()
    record_initial_status(accord=renewal, by=by, reason=_("Renouvellement automatique de l'accord n°%(number)s.")
                          % {"number": accord.accord_number})
    transition_accord(accord_id=accord.pk, to=AccordStatus.RENEWED, by=by,
                      reason=_("Renouvelé par l'accord n°%(number)s.") % {"number": renewal.accord_number})
    notify_on_commit(renewal, Event.RENEWED)
    return renewal


def renew_ended_accords(*, on: date, by=None) -> int:
    """Renew every granted ETM whose last day is before `on` and whose declination renews itself."""
    ids = list(Accord.objects.filter(status=AccordStatus.GRANTED, valid_until__lt=on,
                                     declination__automatic_renewal=True, declination__validity_months__isnull=False)
               .order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            accord = (Accord.objects.select_for_update(no_key=True, of=("self",)).select_related("declination")
                      .get(pk=pk))
            if accord.status == AccordStatus.GRANTED:
                renew_accord(accord=accord, by=by)
    return len(ids)


def send_end_reminders(*, on: date) -> int:
    """E-mail the reminders due on `on`: once per accord and threshold, never for a lifetime accord
    (no end), nor for a threshold already passed when a later one is due (15 days left: no 60)."""
    sent = 0
    candidates = (Accord.objects.filter(status=AccordStatus.GRANTED, valid_until__gte=on,
                                        valid_until__lte=on + timedelta(days=max(REMINDER_DAYS)))
                  .order_by("pk").values_list("pk", "valid_until"))
    for pk, valid_until in candidates:
        if valid_until is None:  # excluded by the query; narrows the type
            continue
        days_left = (valid_until - on).days
        threshold = min(d for d in REMINDER_DAYS if days_left <= d)
        try:
            with transaction.atomic():
                AccordReminder.objects.create(accord_id=pk, days_before=threshold)
                notify_on_commit(Accord(pk=pk), Event.REMINDER, days_left=days_left)
        except IntegrityError:  # told already (this run's twin, or an earlier day)
            continue
        sent += 1
    return sent
