"""Celery tasks of the payments app: thin, idempotent wrappers that take ids and call one service.

The chunked jobs (constitution, restitution, settlement) take chunk after chunk, each its own
transaction, for at most BUDGET_SECONDS, then queue their own continuation: a worker killed
half-way loses at most the chunk it was writing, and the redelivered message (acks late) or the
nightly sweep resumes where the last commit left off. Working through chunks in one run, rather
than one message per chunk, keeps the status emails the chunks queue from interleaving with them.
"""
import time
from collections.abc import Callable

from celery import shared_task
from django.db import InterfaceError, OperationalError

#: A chunked job re-enqueues itself at most this many times in a row.
MAX_INVOCATIONS = 10000
#: How long one run keeps taking chunks before queueing its continuation: far below the task
#: time limit and the broker's visibility timeout.
BUDGET_SECONDS = 60.0
#: Database trouble worth another try (lost connection, deadlock); anything else is final.
TRANSIENT = (OperationalError, InterfaceError)


def run_chunks(step: Callable[[], tuple[int, bool]], budget: float) -> tuple[int, bool]:
    """Call `step` (one chunk: returns (done, maybe_more)) until it says no more or the budget is spent."""
    started, total, more = time.monotonic(), 0, True
    while more:
        done, more = step()
        total += done
        if time.monotonic() - started >= budget:
            break
    return total, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_all_batches_task(self) -> int:
    """Open a bordereau for every (mutuelle, organisme) pair with payable claims, and resume the
    jobs left unfinished (a worker lost, a message lost); returns how many pairs had claims."""
    from mutuelles.models import AMOFund, Mutuelle
    from mutuelles.services import system_user
    from payments.services.building import payer_pairs_with_payable_claims, start_bordereau
    from payments.services.resume import resume_unfinished_jobs

    try:
        pairs = payer_pairs_with_payable_claims()
        for mutuelle_id, fund_id in pairs:
            start_bordereau(mutuelle=Mutuelle.objects.get(pk=mutuelle_id), fund=AMOFund.objects.get(pk=fund_id),
                            by=system_user())
        resume_unfinished_jobs()  # enqueues the constitution of the bordereaux just opened, too
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=30) from exc
    return len(pairs)


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                         budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Put payable claims into the bordereau being built, chunk after chunk, then close it."""
    from payments.services.building import CHUNK, fill_bordereau

    try:
        done, more = run_chunks(lambda: fill_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK), budget)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        build_bordereau_task.delay(bordereau_id, chunk, invocation + 1, budget)
    return done, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def release_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                           budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Give the claims of a rejected bordereau back to their mutuelle's queue, chunk by chunk."""
    from payments.services.review import CHUNK, release_rejected_bordereau

    try:
        done, more = run_chunks(lambda: release_rejected_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK),
                                budget)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        release_bordereau_task.delay(bordereau_id, chunk, invocation + 1, budget)
    return done, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def execute_bordereau_task(self, bordereau_id: int, user_id: int | None = None) -> int:
    """Issue the transfer order of an approved bordereau (once); returns the order's id."""
    from django.contrib.auth import get_user_model

    from mutuelles.services import system_user
    from payments.exceptions import PayerAccountMissing
    from payments.services.execution import execute_bordereau

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return execute_bordereau(bordereau_id=bordereau_id, by=by or system_user()).pk
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    except PayerAccountMissing:
        return 0  # recorded on the bordereau; an officer fixes the account and starts it again


@shared_task(bind=True, acks_late=True, max_retries=5)
def archive_bordereau_pdf_task(self, bordereau_id: int) -> str:
    """Render and keep the approved bordereau PDF (once), beside the transfer order."""
    from payments.services.execution import archive_bordereau_pdf

    try:
        return archive_bordereau_pdf(bordereau_id=bordereau_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc


@shared_task(bind=True, acks_late=True, max_retries=5)
def settle_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                          budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Apply the imported bank return to the claims, chunk by chunk."""
    from payments.services.settlement import CHUNK, settle_bordereau

    try:
        done, more = run_chunks(lambda: settle_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK), budget)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        settle_bordereau_task.delay(bordereau_id, chunk, invocation + 1, budget)
    return done, more


@shared_task
def report_payment_breaches_task() -> int:
    """Nightly reconciliation: claims paid other than liquidated, logged and mailed (payments.reconciliation)."""
    from payments.reconciliation import report_breaches

    return report_breaches()
