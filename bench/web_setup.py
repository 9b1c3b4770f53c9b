"""The web benchmark's setting: its database, insured persons with tokens, gunicorn, the machine.

Used by bench/web_bench.py.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CLAIMS_PATH = "/api/v1/dossiers/"
#: The durable floor (bench/web_floor.py), routed by the benchmark's server only (AMO_BENCH_DURABLE_FLOOR).
FLOOR_PATH = "/api/v1/banc/plancher-durable/"
PING_PATH = "/api/v1/ping/"


def insured_with_tokens(count: int) -> list[str]:
    """Insured persons of MGPAP with an online account and an API token, written in bulk."""
    from datetime import date

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from beneficiaries.models import Insured
    from beneficiaries.validators import rib_key
    from mutuelles.models import AMOFund, Mutuelle, StaffRole, User
    from portal.models import ApiToken
    from portal.services.tokens import token_digest

    mgpap, cnops = Mutuelle.objects.get(code="MGPAP"), AMOFund.objects.get(code="CNOPS")
    password = make_password(secrets.token_urlsafe(12))
    with transaction.atomic():
        users = User.objects.bulk_create([
            User(username=f"bench.assure.{i}", email=f"bench{i}@example.ma", role=StaffRole.INSURED,
                 password=password, first_name="Assuré", last_name=f"Banc{i}") for i in range(count)])
        Insured.objects.bulk_create([
            Insured(registration_number=f"BW{i:09d}", affiliation_number=f"MGPAP-B{i:07d}", cnie=f"BW{i:06d}",
                    first_name="Assuré", last_name=f"Banc{i}", birth_date=date(1975, 1, 1), sex="M",
                    status="actif", status_since=date(2010, 1, 1), affiliated_on=date(2010, 1, 1), mutuelle=mgpap,
                    regime_id=mgpap.regime_id, fund=cnops,
                    rib=(f"011780{i:016d}" + rib_key(f"011780{i:016d}")), email=f"bench{i}@example.ma",
                    user=user)
            for i, user in enumerate(users)])
        keys = [secrets.token_hex(20) for _ in users]
        now = timezone.now()
        ApiToken.objects.bulk_create([
            ApiToken(user=user, digest=token_digest(key), prefix=key[:8], name="banc",
                     password_print=user.get_session_auth_hash(), last_used_at=now)
            for user, key in zip(users, keys, strict=True)])
    return keys

def gunicorn(args, log: Path) -> subprocess.Popen:
    from bench import support

    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "amo_portal.settings.production", "DATABASE_URL": support.database_url(args.database),
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],  # the key the tokens were issued under
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_DEBUG": "false", "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": support.redis_url(), "CELERY_BROKER_URL": support.redis_url(), "PYTHONPATH": str(support.ROOT),
        "PGAPPNAME": "bench-gunicorn", "AMO_BENCH_DURABLE_FLOOR": "1",  # its backends, told apart by support.CpuMeter
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # each bench account files many claims: the daily quotas are still counted, never reached
        "CLAIMS_PER_DAY": "100000000", "DOCUMENTS_PER_DAY": "100000000",
    })
    command = [sys.executable, "-m", "gunicorn", "amo_portal.wsgi:application", "--bind",
               f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--worker-class", args.worker_class,
               "--threads", str(args.worker_threads), "--worker-connections", str(args.worker_connections),
               "--backlog", "2048", "--log-level", "warning", "--timeout", "60"]
    output = open(log, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(command, cwd=support.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté au démarrage (journal : {log})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/v1/ping/", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn ne répond pas")

def machine() -> dict:
    """The conditions of the run: load of the machine, and the database's round trip and commit times
    (a claim costs three round trips to PostgreSQL: the connection's health check, the token and the
    filing statement, committed by itself; and one to Redis. The ping, none)."""
    from django.db import connection, transaction

    def median_ms(action, n: int) -> float:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000)
        return round(sorted(times)[n // 2], 3)

    def round_trip():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def commit():  # a transaction id is assigned, so the commit is flushed to the WAL like a claim's
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")

    load = os.getloadavg()
    return {"processeurs": os.cpu_count(), "charge_1_5_15_min": [round(x, 2) for x in load],
            "python": sys.version.split()[0], "aller_retour_sql_ms": median_ms(round_trip, 200),
            "transaction_ecriture_ms": median_ms(commit, 50)}


def _backend_cpu_seconds() -> float | None:
    """Processor time so far of this process's PostgreSQL backend (None when /proc does not show it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    from bench import support

    stat = support.proc_stat(pid)
    return None if stat is None else support.cpu_of(stat[1])


def cpu_per_request(tokens: list[str], n: int = 200) -> dict:
    """Processor time of one request of each kind, in this process through Django's test client (whole
    middleware stack and DRF, no network), and of the PostgreSQL backend serving it: what the
    machine's load changes little, unlike wrk's figures."""
    from django.test import Client

    from bench import support

    app = support.celery_app()  # the claims' tasks go to the benchmark's Redis, as under gunicorn
    app.conf.broker_url = support.redis_url()
    client = Client(HTTP_HOST="127.0.0.1")
    body = ('{"care_date": "%s", "prescriber_inpe": "101234567", "lines": [{"kind": "acte", "cotation": "Cs", '
            '"paid": "%d.00"}, {"kind": "acte", "cotation": "B 60", "paid": "66.00"}]}')
    from datetime import timedelta

    from django.utils import timezone

    care_date = (timezone.localdate() - timedelta(days=3)).isoformat()

    def ping(i: int) -> int:
        return client.get(PING_PATH).status_code

    def claim(i: int) -> int:
        return client.post(CLAIMS_PATH, body % (care_date, 150 + i % 500), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {tokens[i % len(tokens)]}",
                           HTTP_IDEMPOTENCY_KEY=f"cpu-{secrets.token_hex(8)}").status_code

    def floor(i: int) -> int:
        return client.post(FLOOR_PATH, body % (care_date, 150 + i % 500), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {tokens[i % len(tokens)]}",
                           HTTP_IDEMPOTENCY_KEY=f"cpu-floor-{secrets.token_hex(8)}").status_code

    def cost(action) -> tuple[float, float | None]:
        for i in range(5):
            action(i)
        start, backend = time.process_time(), _backend_cpu_seconds()
        statuses = {action(i) for i in range(n)}
        if statuses - {200, 201}:
            raise SystemExit(f"réponses inattendues : {statuses}")
        python_ms = (time.process_time() - start) / n * 1000
        after = _backend_cpu_seconds()
        return python_ms, None if backend is None or after is None else (after - backend) / n * 1000

    (ping_ms, _), (floor_ms, floor_pg_ms), (claim_ms, claim_pg_ms) = cost(ping), cost(floor), cost(claim)
    return {"ping_ms": round(ping_ms, 2), "plancher_durable_ms": round(floor_ms, 2),
            "plancher_durable_postgresql_ms": None if floor_pg_ms is None else round(floor_pg_ms, 2),
            "creation_dossier_ms": round(claim_ms, 2),
            "creation_dossier_postgresql_ms": None if claim_pg_ms is None else round(claim_pg_ms, 2),
            "rapport_ping_sur_creation": round(ping_ms / claim_ms, 3),
            "rapport_plancher_durable_sur_creation": round(floor_ms / claim_ms, 3)}

