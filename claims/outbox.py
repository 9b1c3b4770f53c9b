"""The status e-mails' outbox: each ClaimStatusChange is an event, told to the insured person
by claims.tasks.notify_status_change_task (claims.services.notifications), which marks it.

Whatever writes status changes (claims.workflow) asks told_at() what a new change's `notified_at`
starts as, and calls queue_dispatch() in its transaction when one is left to tell: once it commits,
the task is queued (in the embedded default, without a broker, it runs at once), so that the
e-mails go out moments after the change. Were that message lost (broker out of reach, worker
killed), the periodic run of the same task (amo_portal/celery.py) tells the change within the minute.
"""
from datetime import datetime

from claims.models import ClaimStatus
from claims.queueing import send_after_commit

DISPATCH_TASK = "claims.tasks.notify_status_change_task"
FALLBACK = "courriels de changement de statut envoyés au prochain passage périodique"

#: The steps that are no news to the insured person. They stay in the claim's history like every
#: change, but are written already told, so that they never reach the outbox. A claim put into a
#: payment bordereau is told days later, when the bank has answered (payé, virement rejeté): an
#: e-mail at both steps doubled the e-mails of every bordereau (one of 100,000 claims: 100,000 more,
#: written and sent beside the payments) for nothing the person could act on.
UNTOLD_STATUSES: frozenset[str] = frozenset({ClaimStatus.IN_BATCH})


def is_news(*, from_status: str, to_status: str) -> bool:
    """Whether the insured person is e-mailed this change. Not the first row of a claim ("" →
    déposé): the controls' outcome, moments later, is the person's first message; nor a step of
    UNTOLD_STATUSES."""
    return bool(from_status) and to_status not in UNTOLD_STATUSES


def told_at(*, from_status: str, to_status: str, now: datetime) -> datetime | None:
    """What a new change's `notified_at` starts as: None for a change the outbox must tell, `now`
    for one never e-mailed (is_news)."""
    return None if is_news(from_status=from_status, to_status=to_status) else now


def queue_dispatch() -> None:
    """Queue the outbox's dispatch once the current transaction commits."""
    send_after_commit(DISPATCH_TASK, fallback=FALLBACK)
