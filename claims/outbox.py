"""The status e-mails' outbox: each ClaimStatusChange is an event, told to the insured person
by claims.tasks.notify_status_change_task (claims.services.notifications), which marks it.

Whatever writes status changes calls queue_dispatch() in its transaction: once it commits, the
task is queued (in the embedded default, without a broker, it runs at once in the process), so
that the e-mails go out moments after the change. Were that message lost (broker out of reach,
worker killed), the periodic run of the same task (amo_portal/celery.py) tells the change within
the minute. The task is named, not imported: the code that moves claims stays below the tasks
that call it.
"""
from django.db import transaction

DISPATCH_TASK = "claims.tasks.notify_status_change_task"
FALLBACK = "courriels de changement de statut envoyés au prochain passage périodique"


def queue_dispatch() -> None:
    """Queue the outbox's dispatch once the current transaction commits (never for a rolled-back
    one). With the broker out of reach the change stands, and the periodic run sends its e-mail."""
    transaction.on_commit(_send_dispatch)


def _send_dispatch() -> None:
    from amo_portal.celery import app, send_or_log

    send_or_log(app.tasks[DISPATCH_TASK], fallback=FALLBACK)
