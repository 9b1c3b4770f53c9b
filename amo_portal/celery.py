"""Celery application, task discovery and the periodic schedule."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amo_portal.settings.local")

app = Celery("amo_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # every minute: pick up submitted claims whose liquidation message was lost
    "sweep-submitted-claims": {
        "task": "claims.tasks.sweep_submitted_claims_task",
        "schedule": 60.0,
    },
    # every day at 01:30: put liquidated claims of every mutuelle into payment batches
    "build-payment-batches": {
        "task": "payments.tasks.build_all_batches_task",
        "schedule": crontab(hour=1, minute=30),
    },
}
