"""Messages to the claims' Celery tasks, sent once the transaction commits. The task is named, not
imported: the services and the workflow that queue work stay below the tasks that call them
(the import contract of pyproject.toml), as the beat schedule and the routes name them too."""
from functools import partial

from django.db import transaction


def send_after_commit(task_name: str, *args, fallback: str) -> None:
    """Send `task_name(*args)` once the current transaction commits (never for a rolled-back one),
    through amo_portal.celery.send_or_log: with the broker out of reach the commit stands and the
    failure is logged with `fallback`, what picks the rows up later. Without a broker (the embedded
    default) the task runs at once, in the process."""
    transaction.on_commit(partial(_send, task_name, args, fallback))


def _send(task_name: str, args: tuple, fallback: str) -> None:
    from amo_portal.celery import app, send_or_log

    send_or_log(app.tasks[task_name], *args, fallback=fallback)
