"""A real Celery worker for tests: a subprocess over Redis, on the pytest database.

Ordinary tests run Celery eagerly (amo_portal.settings.test). Tests that prove the worker path
(crashes, redelivery, concurrency) start a real worker instead:

    from tests.worker_support import requires_worker, send_task, start_worker, stop_worker, wait_until

    pytestmark = [pytest.mark.worker, requires_worker]

    @pytest.mark.django_db(transaction=True)     # the worker must see committed rows
    def test_something():
        worker = start_worker(concurrency=2)
        try:
            send_task("claims.tasks.sweep_submitted_claims_task")
            wait_until(lambda: not Claim.objects.filter(status="depose").exists(), timeout=60)
        finally:
            stop_worker(worker)

The worker runs `celery -A amo_portal worker -P prefork` with DJANGO_SETTINGS_MODULE=
amo_portal.settings.local (not .test, which forces eager mode), DATABASE_URL pointing at the
database pytest-django created (test_<name>), REDIS_URL from the environment (or
WORKER_REDIS_URL, to keep a developer's runs apart from another's), a dummy email backend, and
a short Redis visibility timeout so that a killed worker's unacknowledged tasks come back fast.
The queue is purged before a worker starts, so that nothing left by an earlier run leaks in.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
#: Seconds before Redis gives an unacknowledged message back to the queue.
VISIBILITY_TIMEOUT = 3
#: The queues a test worker consumes, as `make worker` does: the tasks' and the status emails'
#: (amo_portal/celery.py), so that no email message is left behind in Redis.
QUEUES = ("celery", "notifications")


def redis_url() -> str:
    return os.environ.get("WORKER_REDIS_URL") or os.environ.get("REDIS_URL", "")


def _database_is_postgresql() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


#: Skip marker for tests that need a real worker: Redis and PostgreSQL must be configured.
requires_worker = pytest.mark.skipif(
    not redis_url() or not _database_is_postgresql(),
    reason="worker réel : REDIS_URL et un DATABASE_URL PostgreSQL sont nécessaires",
)


def database_url() -> str:
    """The URL of the database the tests use right now (pytest-django's test_<name>)."""
    s = connection.settings_dict
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}{port}/{s['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "amo_portal.settings.local",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_CONN_MAX_AGE": "0",
        "DJANGO_DEBUG": "false",  # no query log kept in memory by a long-running worker
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def purge_queues(queues: Sequence[str] = QUEUES) -> None:
    """Drop every message waiting in the given queues (and the unacknowledged ones), and the marks
    of coalesced messages (amo_portal.celery), which would otherwise stand for messages now gone."""
    import redis

    from amo_portal.celery import COALESCED_TASKS, waiting_key

    client = redis.Redis.from_url(redis_url())
    for queue in queues:
        client.delete(queue)
    client.delete("unacked", "unacked_index", *(waiting_key(name) for name in COALESCED_TASKS))


def start_worker(*, concurrency: int = 2, queues: Sequence[str] = QUEUES, purge: bool = True,
                 env: dict[str, str] | None = None, log_path: Path | None = None) -> subprocess.Popen:
    """Start `celery worker` in its own process group (so that it can be killed whole)."""
    if purge:
        purge_queues(queues)
    command = [sys.executable, "-m", "celery", "-A", "amo_portal", "worker", "-P", "prefork",
               f"--concurrency={concurrency}", "-Q", ",".join(queues), "--loglevel=WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h"]
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(command, cwd=ROOT, env=worker_env(**(env or {})), stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes at once: no cleanup, no acknowledgement."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def stop_worker(proc: subprocess.Popen, *, timeout: float = 20) -> None:
    """Warm shutdown (SIGTERM: finish the running tasks), then SIGKILL if it takes too long.

    Always call it (in a `finally`): a worker left running holds connections to the test
    database, which pytest-django then cannot drop.
    """
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_worker(proc)


def send_task(name: str, *, args: Sequence = (), kwargs: dict | None = None, queue: str = "celery") -> None:
    """Put a task message on the real broker, whatever the eager setting of this process."""
    from amo_portal.celery import app

    with app.connection_for_write(redis_url()) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "task_always_eager has no effect on send_task": that is the point
        app.amqp.queues[queue].bind(conn.default_channel).declare()  # the worker may not have yet
        app.send_task(name, args=list(args), kwargs=kwargs or {}, queue=queue, connection=conn)


@contextmanager
def real_broker():
    """Within the block, this process sends tasks to Redis instead of running them eagerly
    (e.g. to test that filing a claim queues its liquidation after the commit)."""
    from amo_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, redis_url()
    app._pool = app.amqp._producer_pool = None  # forget connections made for the other broker
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = app.amqp._producer_pool = None


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.2,
               message: str = "condition non atteinte") -> None:
    """Poll `predicate` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"{message} après {timeout:.0f} s")
