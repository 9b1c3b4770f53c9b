"""Celery tasks of the accords: thin wrappers that call the services."""
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone


@shared_task(bind=True, max_retries=3)
def accords_daily_task(self) -> dict[str, int]:
    """Renew the accords that renew themselves, expire the other ended ones, send the reminders.
    Safe to run twice a day: each step looks for what is still to do."""
    from approvals.services.renewals import renew_ended_accords, send_end_reminders
    from approvals.services.review import expire_accords
    from mutuelles.services import system_user

    today, robot = timezone.localdate(), system_user()
    try:
        return {"renewed": renew_ended_accords(on=today, by=robot), "expired": expire_accords(on=today, by=robot),
                "reminded": send_end_reminders(on=today)}
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=60) from exc
