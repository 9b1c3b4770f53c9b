"""Celery tasks of the claims app: thin wrappers that take ids and call one service."""
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

#: Claims locked and liquidated per transaction: large enough that the fixed cost of a chunk
#: (a dozen statements) is spread thin, small enough that a chunk commits within a second or two.
CHUNK = 2500
#: Database trouble worth another try (lost connection, deadlock, serialization failure);
#: anything else is a bug or bad data and must not be replayed blindly.
TRANSIENT = (OperationalError, InterfaceError)
#: A sweep re-enqueues itself at most this many times in a row.
MAX_SWEEP_INVOCATIONS = 1000
#: How long one sweep run keeps taking chunks before queueing its continuation: long enough
#: that a backlog drains without a round trip through the broker per chunk (and before the
#: status emails the chunks queued), far below the task time limit and the broker's
#: visibility timeout.
SWEEP_BUDGET_SECONDS = 60.0
#: How long one run of the status emails keeps taking batches before queueing its continuation:
#: short, so that a worker consuming both queues (`make worker`) gives its process back to the
#: liquidations and payments waiting behind a burst of e-mails within seconds, not a minute (the
#: continuation, which goes on after the last change told, waits its turn behind them).
NOTIFY_BUDGET_SECONDS = 2.0


@shared_task(bind=True, acks_late=True, max_retries=5)
def liquidate_claim_task(self, claim_id: int) -> int:
    """Liquidate the submitted claims, oldest first, in one chunk (the given claim's included
    unless another worker holds it). Safe to run twice: liquidated claims are no longer pending.
    Filings coalesce their messages (amo_portal.celery.send_unless_waiting): when more than a
    chunk is waiting, a sweep takes the rest at once rather than at its next minute."""
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.services import system_user

    try:
        processed, more = liquidate_pending_claims(limit=CHUNK, by=system_user())
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more:
        sweep_submitted_claims_task.delay()
    return processed


@shared_task(bind=True, acks_late=True, max_retries=5)
def sweep_submitted_claims_task(self, invocation: int = 0, chunk: int = CHUNK,
                                budget: float = SWEEP_BUDGET_SECONDS) -> int:
    """Pick up submitted claims left behind (lost message, killed worker), chunk after chunk.

    Each chunk is its own transaction. The task goes on while claims are waiting, for at most
    `budget` seconds, then queues its own continuation (0: one chunk per run); several sweeps
    queued at once work side by side on skip-locked rows, one per worker process."""
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.services import system_user

    started, processed, more = time.monotonic(), 0, True
    try:
        while more:
            done, more = liquidate_pending_claims(limit=chunk, by=system_user())
            processed += done
            if time.monotonic() - started >= budget:
                break
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_SWEEP_INVOCATIONS:
        sweep_submitted_claims_task.delay(invocation + 1, chunk, budget)
    return processed


@shared_task(bind=True, max_retries=3)
def notify_status_change_task(self, _claim_ids: list[int] | None = None,
                              budget: float = NOTIFY_BUDGET_SECONDS, after: int = 0) -> int:
    """Email the insured persons of the status changes not yet told (the outbox,
    claims.services.notifications), batch after batch from the change after `after`, until
    `budget` seconds have passed (one batch at least), then queue the continuation. Queued after
    each commit that changes statuses (claims.outbox; one message waiting at a time,
    amo_portal.celery.COALESCED_TASKS) and every minute by beat, both from the first change; safe
    to run twice or side by side: a change is told once. Runs on the queue "notifications"
    (amo_portal/celery.py): emails never hold up liquidations and payments. (`_claim_ids`:
    messages of the former form; the outbox knows what to send.)"""
    from claims.services.notifications import Told, send_status_emails_batch

    started, sent, told = time.monotonic(), 0, Told(0, after, True)
    try:
        while told.more:
            told = send_status_emails_batch(after=told.last_id)
            sent += told.sent
            if time.monotonic() - started >= budget:
                break
    except OSError as exc:  # SMTP server unreachable: try again later (the batch was rolled back)
        raise self.retry(exc=exc, countdown=60) from exc
    if told.more:
        notify_status_change_task.delay(budget=budget, after=told.last_id)
    return sent


@shared_task(bind=True, acks_late=True, max_retries=3)
def escalate_late_claims_task(self) -> int:
    """Alert the mutuelles' supervisors of the claims that risk passing 60 days unpaid, and tell the
    insured persons, once per claim (claims.services.escalation); returns how many were escalated."""
    from django.utils import timezone

    from claims.services.escalation import escalate_late_claims

    try:
        return escalate_late_claims(today=timezone.localdate()).claims
    except TRANSIENT + (OSError,) as exc:  # database trouble or SMTP unreachable: the batch was rolled back
        raise self.retry(exc=exc, countdown=300) from exc
