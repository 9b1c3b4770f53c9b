"""Celery tasks of the payments app: thin, idempotent wrappers that take ids and call one service,
then queue what the pipeline (payments/pipeline.py) says follows.

The chunked jobs (constitution, restitution, settlement) take chunk after chunk, each its own
transaction, for at most BUDGET_SECONDS, then queue their own continuation: a worker killed
half-way loses at most the chunk it was writing, and the redelivered message (acks late) or the
nightly sweep resumes where the last commit left off. Working through chunks in one run, rather
than one message per chunk, keeps the status emails the chunks queue from interleaving with them.
"""
import time
from collections.abc import Callable

from celery import Task, shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from mutuelles.models import AMOFund, Mutuelle
from mutuelles.services import system_user
from payments import pipeline
from payments.exceptions import PayerAccountMissing
from payments.pipeline import Job, Step
from payments.reconciliation import report_breaches
from payments.services import building, review, settlement
from payments.services.archive import archive_bordereau_pdf
from payments.services.execution import execute_bordereau

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


def run_chunked_job(task: Task, step: Step, service: Callable[..., tuple[int, bool]], limit: int,
                    bordereau_id: int, chunk: int | None, invocation: int, budget: float) -> tuple[int, bool]:
    """One run of a chunked job: `service(bordereau_id=, limit=)` chunk after chunk within the budget,
    another try on database trouble, then the continuation the pipeline gives if chunks are left."""
    try:
        done, more = run_chunks(lambda: service(bordereau_id=bordereau_id, limit=chunk or limit), budget)
    except TRANSIENT as exc:
        raise task.retry(exc=exc, countdown=5) from exc
    queue(pipeline.continuation(step, bordereau_id, chunk=chunk, invocation=invocation, budget=budget, more=more))
    return done, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_all_batches_task(self) -> int:
    """Open a bordereau for every (mutuelle, organisme) pair with payable claims, and resume the
    jobs left unfinished (a worker lost, a message lost); returns how many pairs had claims."""
    try:
        pairs = building.payer_pairs_with_payable_claims(by=system_user())
        for mutuelle_id, fund_id in pairs:
            building.start_bordereau(mutuelle=Mutuelle.objects.get(pk=mutuelle_id),
                                     fund=AMOFund.objects.get(pk=fund_id), by=system_user())
        queue(pipeline.unfinished())  # the constitution of the bordereaux just opened, too
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=30) from exc
    return len(pairs)


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                         budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Put payable claims into the bordereau being built, chunk after chunk, then close it."""
    return run_chunked_job(self, Step.BUILD, building.fill_bordereau, building.CHUNK, bordereau_id, chunk,
                           invocation, budget)


@shared_task(bind=True, acks_late=True, max_retries=5)
def release_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                           budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Give the claims of a rejected bordereau back to their mutuelle's queue, chunk by chunk."""
    return run_chunked_job(self, Step.RELEASE, review.release_rejected_bordereau, review.CHUNK, bordereau_id, chunk,
                           invocation, budget)


@shared_task(bind=True, acks_late=True, max_retries=5)
def execute_bordereau_task(self, bordereau_id: int, user_id: int | None = None) -> int:
    """Issue the transfer order of an approved bordereau (once); returns the order's id."""
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
    try:
        return archive_bordereau_pdf(bordereau_id=bordereau_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=5) from exc


@shared_task(bind=True, acks_late=True, max_retries=5)
def settle_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0,
                          budget: float = BUDGET_SECONDS) -> tuple[int, bool]:
    """Apply the imported bank return to the claims, chunk by chunk."""
    return run_chunked_job(self, Step.SETTLE, settlement.settle_bordereau, settlement.CHUNK, bordereau_id, chunk,
                           invocation, budget)


@shared_task
def report_payment_breaches_task() -> int:
    """Nightly reconciliation: claims paid other than liquidated, logged and mailed (payments.reconciliation)."""
    return report_breaches()


#: The task that carries each step of the pipeline.
TASKS: dict[Step, Task] = {
    Step.BUILD: build_bordereau_task, Step.RELEASE: release_bordereau_task, Step.EXECUTE: execute_bordereau_task,
    Step.SETTLE: settle_bordereau_task, Step.ARCHIVE: archive_bordereau_pdf_task,
}


def queue(jobs: list[Job]) -> None:
    for job in jobs:
        TASKS[job.step].delay(*job.args)


def queue_on_commit(jobs: list[Job]) -> None:
    """Queue the jobs once the current transaction commits (at once outside one)."""
    for job in jobs:
        TASKS[job.step].delay_on_commit(*job.args)
