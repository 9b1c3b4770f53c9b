"""What every benchmark needs: its own PostgreSQL database, Django on it, a real Celery worker."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_SERVER = "redis://127.0.0.1:6379"
#: Redis databases a benchmark may take; each run claims a free one, so that two runs on one
#: machine never consume each other's messages.
REDIS_DATABASES = range(8, 16)
LOCK_KEY = "amo-bench:owner"
_redis_url: str | None = None


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_SERVER", DEFAULT_SERVER).rstrip("/")


def redis_url() -> str:
    """This run's Redis database: BENCH_REDIS_URL if set, else a free one among REDIS_DATABASES,
    held (a key with an expiry, renewed by use) until release_redis()."""
    global _redis_url
    if _redis_url is None:
        _redis_url = os.environ.get("BENCH_REDIS_URL") or _claim_redis_database()
    return _redis_url


def _claim_redis_database() -> str:
    import redis

    server = os.environ.get("BENCH_REDIS_SERVER", DEFAULT_REDIS_SERVER).rstrip("/")
    for number in REDIS_DATABASES:
        client = redis.Redis.from_url(f"{server}/{number}")
        if client.set(LOCK_KEY, os.getpid(), nx=True, ex=6 * 3600):
            return f"{server}/{number}"
    raise SystemExit("aucune base Redis libre pour le benchmark (8 à 15 sont prises) : réessayez plus tard")


def release_redis() -> None:
    import redis

    if _redis_url and not os.environ.get("BENCH_REDIS_URL"):
        client = redis.Redis.from_url(_redis_url)
        if client.get(LOCK_KEY) == str(os.getpid()).encode():
            client.flushdb()


def database_url(name: str) -> str:
    return f"{server_url()}/{name}"


def recreate_database(name: str) -> None:
    """Drop and create the benchmark's database (never one the portal or the tests use)."""
    import psycopg

    if name in {"test", "postgres", "template0", "template1"}:
        raise SystemExit(f"refus d'écraser la base « {name} » : choisissez une base dédiée au benchmark")
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(name: str) -> None:
    """Point this process at the benchmark database and start Django (debug off: no query log)."""
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "amo_portal.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.pop("REDIS_URL", None)  # this process runs nothing eagerly by mistake: it only sends
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database(name: str) -> None:
    """A fresh database with the schema and the reference data, as `make run` has them."""
    from django.core.management import call_command

    recreate_database(name)
    setup_django(name)
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def start_worker(name: str, *, concurrency: int = 2, log_path: Path | None = None,
                 queues: Sequence[str] = (), flush: bool = True, meter_name: str = "worker") -> subprocess.Popen:
    """`celery worker -P prefork` on the benchmark database and Redis db, in its own process group;
    on the given queues only (-Q), else on all of them. `flush=False` for a second worker. Its
    database connections are named bench-<meter_name>: CpuMeter counts them as "sql_<meter_name>"."""
    import redis

    client = redis.Redis.from_url(redis_url())
    if flush:
        client.flushdb()  # this run's own database: nothing left by an earlier run leaks in
    if not os.environ.get("BENCH_REDIS_URL"):
        client.set(LOCK_KEY, os.getpid(), ex=6 * 3600)
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "amo_portal.settings.local", "DATABASE_URL": database_url(name),
        "REDIS_URL": redis_url(), "CELERY_BROKER_URL": redis_url(), "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PGAPPNAME": f"bench-{meter_name}",
    })
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    hostname = f"bench-{os.getpid()}{'-' + '-'.join(queues) if queues else ''}@{socket.gethostname()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "amo_portal", "worker", "-P", "prefork",
         f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         f"--hostname={hostname}", *([f"--queues={','.join(queues)}"] if queues else [])],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_worker(proc, hostname=hostname)
    return proc


def celery_app():
    from amo_portal.celery import app

    app.conf.broker_url = redis_url()
    app.conf.task_always_eager = False
    return app


def wait_for_worker(proc: subprocess.Popen, timeout: float = 60, hostname: str | None = None) -> None:
    app = celery_app()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("le worker Celery s'est arrêté au démarrage (voir son journal)")
        if app.control.ping(timeout=0.5, destination=[hostname] if hostname else None):
            return
    raise SystemExit("le worker Celery ne répond pas")


def stop_process_group(proc: subprocess.Popen) -> None:
    """Stop a process started in its own group (a Celery worker, gunicorn): SIGTERM, then SIGKILL
    after 30 s."""
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- processor time, from /proc (Linux) ----------------------------------------------------------
#: Clock ticks per second of the utime and stime fields.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> tuple[str, list[str]] | None:
    """A process's command name and the fields after it in /proc/<pid>/stat (the name may hold
    spaces and parentheses: it ends at the last ")"); None for a process gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], rest.split()


def cpu_of(fields: list[str]) -> float:
    """CPU seconds (user + system) from the fields proc_stat gives."""
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pids) -> float:
    """CPU seconds used so far by these processes (0 for a gone one)."""
    return sum(cpu_of(stat[1]) for stat in map(proc_stat, pids) if stat is not None)


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (a worker and its pool)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat is not None and int(stat[1][2]) == pgid:
                pids.append(int(entry))
    return pids


class CpuMeter:
    """CPU seconds (user + system, from /proc) of the workers' processes, of the PostgreSQL backends
    serving the benchmark database and of this process: what a phase costs, whatever else loads
    the machine. Sampled while waiting (every SAMPLE_SECONDS), so a backend that ends between two
    samples counts up to its last sample: a worker's connection lives as long as its task.

    Groups: "bench" (this process), each worker by name, and "sql_<name>" for the backends of a
    worker's connections (told apart by their application_name, PGAPPNAME=bench-<name>)."""

    SAMPLE_SECONDS = 0.1

    def __init__(self, *, worker_pgids: dict[str, int], database: str) -> None:
        self.groups, self.marker = {pgid: name for name, pgid in worker_pgids.items()}, f" {database} ".encode()
        self.own = os.getpid()
        self.ours: dict[int, str | None] = {}
        self.seen: dict[int, float] = {}
        self.sampled_at = 0.0

    def _ours(self, pid: int, fields: list[str], name: str) -> str | None:
        """The group a process counts in, or None; "sql" for a backend not yet in pg_stat_activity."""
        if pid not in self.ours:
            if name != "postgres":
                self.ours[pid] = "bench" if pid == self.own else self.groups.get(int(fields[2]))
                return self.ours[pid]
            try:
                if self.marker not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    self.ours[pid] = None
                    return None
            except OSError:
                return None
            application = application_name(pid)
            if application is None:
                return "sql"  # asked again at the next sample
            self.ours[pid] = f"sql_{application.removeprefix('bench-') or 'bench'}"
        return self.ours[pid]

    def sample(self) -> float:
        """Total CPU seconds so far of every process of ours seen up to now."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid in self.ours and self.ours[pid] is None:
                continue  # another program's process: its stat is not read again (sampling stays cheap)
            stat = proc_stat(pid)
            if stat is None:
                continue
            name, fields = stat
            if self._ours(pid, fields, name):
                self.seen[pid] = cpu_of(fields)
        self.sampled_at = time.monotonic()
        return sum(self.seen.values())

    def groups_now(self) -> dict[str, float]:
        """CPU seconds so far per group (as of the last sample)."""
        totals: dict[str, float] = {}
        for pid, cpu in self.seen.items():
            group = self.ours.get(pid) or "sql"
            totals[group] = totals.get(group, 0.0) + cpu
        return totals

    def maybe_sample(self) -> None:
        if time.monotonic() - self.sampled_at >= self.SAMPLE_SECONDS:
            self.sample()


def application_name(pid: int) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT application_name FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else None


def cpu_by_group(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {group: round(cpu - before.get(group, 0.0), 2) for group, cpu in sorted(after.items())
            if cpu - before.get(group, 0.0) >= 0.005}
