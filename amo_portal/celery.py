"""Celery application, task discovery and the periodic schedule."""
import os

from celery import Celery
from celery.schedules import crontab
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amo_portal.settings.local")

app = Celery("amo_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: Two queues. Status emails go to "notifications": a burst of them (a bordereau of 100,000 claims
#: paid, a day of liquidations) never waits in front of liquidations and payments, and
#: docker-compose gives them a worker of their own. A worker started without -Q consumes both.
#: Each queue has its own exchange and routing key: queues declared by name alone would all be
#: bound to the default key, and a message would reach both.
NOTIFICATIONS_QUEUE = "notifications"
app.conf.task_default_queue = "celery"
app.conf.task_queues = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("celery", NOTIFICATIONS_QUEUE))
app.conf.task_routes = {"claims.tasks.notify_status_change_task": {"queue": NOTIFICATIONS_QUEUE}}

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
