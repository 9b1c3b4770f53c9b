"""The status e-mails' outbox: each ClaimStatusChange is an event, told to the insured person
by claims.tasks.notify_status_change_task (claims.services.notifications), which marks it.

Whatever writes status changes (claims.workflow) calls queue_dispatch() in its transaction: once
it commits, the task is queued (in the embedded default, without a broker, it runs at once), so
that the e-mails go out moments after the change. Were that message lost (broker out of reach,
worker killed), the periodic run of the same task (amo_portal/celery.py) tells the change within
the minute.
"""
from claims.queueing import send_after_commit

DISPATCH_TASK = "claims.tasks.notify_status_change_task"
FALLBACK = "courriels de changement de statut envoyés au prochain passage périodique"


def queue_dispatch() -> None:
    """Queue the outbox's dispatch once the current transaction commits."""
    send_after_commit(DISPATCH_TASK, fallback=FALLBACK)
