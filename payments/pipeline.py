"""The order of the payment jobs, in one place.

    constitution requested ─▶ build ×BUILDERS, chunk after chunk ─▶ bordereau constitué
    (presented, then approved or rejected by people)
    approved, or execution started again ─▶ execute (transfer order) + archive (PDF), side by side
    transfer order recorded ─▶ archive (again: the PDF drawn beside the order may have given up)
    rejected ─▶ release, chunk after chunk
    bank return imported ─▶ settle ×SETTLERS, chunk after chunk ─▶ bordereau soldé
    nightly ─▶ a bordereau opened per payer pair, then every unfinished job resumed

The services announce what happened (payments.events); this module turns it into jobs, and the
tasks (payments.tasks) queue them and ask here for the continuation of a chunked job. A job is
idempotent and resumes from the database: queueing one that still runs only makes two take turns,
so a worker killed half-way (SIGKILL) loses at most its chunk, and `unfinished` finds the rest.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from payments.events import Event, Happened, listen
from payments.services.building import BUILDERS
from payments.services.resume import unfinished_jobs
from payments.services.settlement import SETTLERS


class Step(StrEnum):
    BUILD = "build"
    RELEASE = "release"
    EXECUTE = "execute"
    SETTLE = "settle"
    ARCHIVE = "archive"


#: A chunked job queues its own continuation at most this many times in a row.
MAX_INVOCATIONS = 10000
#: Jobs that share one bordereau's claims: the two processes of a worker take chunks side by side.
SIDE_BY_SIDE: Mapping[Step, int] = {Step.BUILD: BUILDERS, Step.SETTLE: SETTLERS}
#: What follows what happened.
FOLLOWS: Mapping[Happened, tuple[Step, ...]] = {
    Happened.BUILD_REQUESTED: (Step.BUILD,),
    Happened.APPROVED: (Step.EXECUTE, Step.ARCHIVE),
    Happened.EXECUTION_REQUESTED: (Step.EXECUTE, Step.ARCHIVE),
    Happened.ORDER_RECORDED: (Step.ARCHIVE,),
    Happened.REJECTED: (Step.RELEASE,),
    Happened.RETURN_IMPORTED: (Step.SETTLE,),
}


@dataclass(frozen=True)
class Job:
    step: Step
    args: tuple  # the task's arguments, the bordereau's id first


def start(step: Step, bordereau_id: int, by_id: int | None = None) -> list[Job]:
    """The jobs that start `step` on a bordereau (the execution knows who asked for it, if anyone)."""
    args = (bordereau_id, by_id) if step == Step.EXECUTE and by_id is not None else (bordereau_id,)
    return [Job(step, args)] * SIDE_BY_SIDE.get(step, 1)


def jobs_after(event: Event) -> list[Job]:
    return [job for step in FOLLOWS[event.what] for job in start(step, event.bordereau_id, event.by_id)]


def continuation(step: Step, bordereau_id: int, *, chunk: int | None, invocation: int, budget: float,
                 more: bool) -> list[Job]:
    """The next run of a chunked job that stopped with chunks left (its budget spent)."""
    if more and invocation < MAX_INVOCATIONS:
        return [Job(step, (bordereau_id, chunk, invocation + 1, budget))]
    return []


def unfinished() -> list[Job]:
    """Every job a lost worker or a lost message left half-done (payments.services.resume)."""
    return [job for name, bordereau_ids in unfinished_jobs().items()
            for bordereau_id in bordereau_ids for job in start(Step(name), bordereau_id)]


def connect(queue_on_commit: Callable[[list[Job]], None]) -> None:
    """Queue, on the commit of the announcing transaction, the jobs that follow each event."""
    listen(lambda event: queue_on_commit(jobs_after(event)))
