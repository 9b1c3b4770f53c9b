"""Claim creation through the API under load, against the floor of the web stack on this machine.

1. A fresh PostgreSQL database (bench_web) gets the reference data and N insured persons, each
   with an online account and an API token.
2. gunicorn serves the portal with the production settings (2 gthread workers of 3 threads by
   default, as docker-compose runs it on 2 cores), REDIS_URL pointing at a dedicated Redis
   database: a filed claim queues its liquidation there, as in production (coalesced: no message
   while one already waits, see amo_portal/celery.py); no worker consumes it during the run, so
   that the web stack alone is measured.
3. wrk (Debian package) on loopback, C connections for D seconds each:
   - claims: POST /api/v1/dossiers/ with token authentication, two act lines, and a unique
     Idempotency-Key per request (insured persons taken in turn);
   - floor: GET /api/v1/ping/, a constant answer through the same middleware stack and DRF.
   Throughput, p50 and p99 latency and errors of both, and the ratio claims / floor.
4. Correctness: the number of claims in the database equals the number of 201 answers, and none
   was filed twice.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

NAME = "web"
HELP = "création de dossiers par l'API sous charge (wrk, gunicorn, PostgreSQL) contre un point constant"
DATABASE = "bench_web"
REDIS_DB_URL = "redis://127.0.0.1:6379/10"
#: Goals of the issue: claims at 40 % or more of the floor's throughput, p99 under 250 ms, no error.
GOAL_RATIO = 0.40
GOAL_P99_MS = 250.0

LUA_DONE = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors, summary.errors.status, summary.errors.timeout))
end
"""

LUA_CLAIMS = r"""
local tokens = {%(tokens)s}
local counter = 0
local threads = {}

-- setup runs in the main Lua state; thread:set defines the global `thread_id` in each thread's own state.
setup = function(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

request = function()
  counter = counter + 1
  local token = tokens[(counter + thread_id * 7919) %% #tokens + 1]
  local key = string.format("bench-%%s-%%d-%%d", "%(run)s", thread_id, counter)
  local body = string.format(
    '{"care_date": "%(care_date)s", "prescriber_inpe": "101234567", "lines": [' ..
    '{"kind": "acte", "cotation": "Cs", "paid": "%%d.00"}, {"kind": "acte", "cotation": "B 60", "paid": "66.00"}]}',
    150 + counter %% 500)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Token " .. token
  headers["Idempotency-Key"] = key
  return wrk.format("POST", "/api/v1/dossiers/", headers, body)
end
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=int, default=60, help="secondes par mesure (défaut : 60)")
    parser.add_argument("--connections", type=int, default=50, help="clients simultanés (défaut : 50)")
    parser.add_argument("--threads", type=int, default=2, help="fils de wrk (défaut : 2)")
    parser.add_argument("--workers", type=int, default=2, help="processus gunicorn (défaut : 2, un par cœur)")
    parser.add_argument("--worker-threads", type=int, default=3, help="fils par processus gthread (défaut : 3)")
    parser.add_argument("--worker-class", default="gthread", help="classe de worker gunicorn (défaut : gthread)")
    parser.add_argument("--worker-connections", type=int, default=1000,
                        help="connexions clientes au plus par processus gunicorn (défaut : 1000, celui de gunicorn)")
    parser.add_argument("--insured", type=int, default=200, help="assurés avec jeton (défaut : 200)")
    parser.add_argument("--port", type=int, default=8399, help="port de gunicorn sur 127.0.0.1 (défaut : 8399)")
    parser.add_argument("--warmup", type=int, default=5, help="secondes d'échauffement avant chaque mesure")


def _insured_with_tokens(count: int) -> list[str]:
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
                    fund=cnops, rib=(f"011780{i:016d}" + rib_key(f"011780{i:016d}")), email=f"bench{i}@example.ma",
                    user=user)
            for i, user in enumerate(users)])
        keys = [secrets.token_hex(20) for _ in users]
        now = timezone.now()
        ApiToken.objects.bulk_create([
            ApiToken(user=user, digest=token_digest(key), prefix=key[:8], name="banc",
                     password_print=user.get_session_auth_hash(), last_used_at=now)
            for user, key in zip(users, keys, strict=True)])
    return keys


def _gunicorn(args, log: Path) -> subprocess.Popen:
    from bench import support

    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "amo_portal.settings.production", "DATABASE_URL": support.database_url(DATABASE),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_DEBUG": "false", "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": REDIS_DB_URL, "CELERY_BROKER_URL": REDIS_DB_URL, "PYTHONPATH": str(support.ROOT),
        "PGAPPNAME": "bench-gunicorn",  # its backends, told apart by support.CpuMeter
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


def _wrk(args, url: str, script: Path, duration: int, server: subprocess.Popen | None = None) -> dict:
    """One wrk measure. With the server given, also where the machine's processor time went: per
    request, in gunicorn's processes, in the PostgreSQL backends serving them and in wrk itself,
    and how busy the processors were (a measure whose connections all landed in one gunicorn
    process leaves a core idle: about 50 % busy instead of 95-100 %)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-s", str(script), url]
    if server is None:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    else:
        output, spent = _measured(command, server)
    line = next(row for row in output.splitlines() if row.startswith("WRK_RESULT "))
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    seconds = raw["duration_us"] / 1e6
    result = {"requetes": raw["requests"], "debit_req_s": round(raw["requests"] / seconds, 1),
              "p50_ms": round(raw["p50_us"] / 1000, 2), "p90_ms": round(raw["p90_us"] / 1000, 2),
              "p99_ms": round(raw["p99_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 1),
              "erreurs": raw["errors"], "reponses_non_2xx": raw["status_errors"], "delais_depasses": raw["timeouts"]}
    if server is not None and raw["requests"]:
        busy = spent.pop("machine_occupee_pct")
        result["temps_processeur_ms_par_requete"] = {part: round(cpu / raw["requests"] * 1000, 3)
                                                     for part, cpu in spent.items()}
        result["processeurs_occupes_pct"] = busy
    return result


def _measured(command: list[str], server: subprocess.Popen) -> tuple[str, dict]:
    """Run wrk while support.CpuMeter samples gunicorn's processes and the PostgreSQL backends of
    their connections (application_name bench-gunicorn; gunicorn renews a connection older than
    CONN_MAX_AGE, and a backend that starts during the measure counts whole). wrk's own time comes
    from this process's children usage; the machine's busy share from /proc/stat."""
    import resource

    from bench import support

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    meter = support.CpuMeter(worker_pgids={"gunicorn": server.pid}, database=DATABASE)
    meter.sample()
    before, wrk_before, ticks_before = meter.groups_now(), children(), _ticks()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None:
            meter.maybe_sample()
            time.sleep(meter.SAMPLE_SECONDS)
        output = proc.stdout.read()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command, output)
    meter.sample()
    after = meter.groups_now()
    busy, idle = (end - start for end, start in zip(_ticks(), ticks_before, strict=True))
    spent = {part: after.get(group, 0.0) - before.get(group, 0.0)
             for part, group in (("gunicorn", "gunicorn"), ("postgresql", "sql_gunicorn"))}
    return output, {**spent, "wrk": children() - wrk_before,
                    "machine_occupee_pct": round(100 * busy / (busy + idle), 1) if busy + idle else None}


def _ticks() -> tuple[int, int]:
    """The machine's busy and idle ticks so far (/proc/stat's first line: cpu user nice system idle
    iowait irq softirq steal …)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks[:3]) + sum(ticks[5:8]), ticks[3] + ticks[4]


def _scripts(folder: Path, tokens: list[str], run_id: str) -> tuple[Path, Path, Path]:
    from datetime import timedelta

    from django.utils import timezone

    care_date = (timezone.localdate() - timedelta(days=3)).isoformat()
    claims = folder / "claims.lua"
    claims.write_text(LUA_CLAIMS % {"tokens": ",".join(f'"{t}"' for t in tokens), "run": run_id,
                                    "care_date": care_date} + LUA_DONE)
    warm = folder / "claims-warmup.lua"
    warm.write_text(LUA_CLAIMS % {"tokens": ",".join(f'"{t}"' for t in tokens), "run": run_id + "w",
                                  "care_date": care_date} + LUA_DONE)
    ping = folder / "ping.lua"
    ping.write_text(LUA_DONE)
    return claims, warm, ping


def _machine() -> dict:
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


def _cpu_per_request(tokens: list[str], n: int = 200) -> dict:
    """Processor time of one request of each kind, in this process through Django's test client (whole
    middleware stack and DRF, no network), and of the PostgreSQL backend serving it: what the
    machine's load changes little, unlike wrk's figures."""
    from django.test import Client

    from bench import support

    app = support.celery_app()  # the claims' tasks go to the benchmark's Redis, as under gunicorn
    app.conf.broker_url = REDIS_DB_URL
    client = Client(HTTP_HOST="127.0.0.1")
    body = ('{"care_date": "%s", "prescriber_inpe": "101234567", "lines": [{"kind": "acte", "cotation": "Cs", '
            '"paid": "%d.00"}, {"kind": "acte", "cotation": "B 60", "paid": "66.00"}]}')
    from datetime import timedelta

    from django.utils import timezone

    care_date = (timezone.localdate() - timedelta(days=3)).isoformat()

    def ping(i: int) -> int:
        return client.get("/api/v1/ping/").status_code

    def claim(i: int) -> int:
        return client.post("/api/v1/dossiers/", body % (care_date, 150 + i % 500), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {tokens[i % len(tokens)]}",
                           HTTP_IDEMPOTENCY_KEY=f"cpu-{secrets.token_hex(8)}").status_code

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

    (ping_ms, _), (claim_ms, claim_pg_ms) = cost(ping), cost(claim)
    return {"ping_ms": round(ping_ms, 2), "creation_dossier_ms": round(claim_ms, 2),
            "creation_dossier_postgresql_ms": None if claim_pg_ms is None else round(claim_pg_ms, 2),
            "rapport_ping_sur_creation": round(ping_ms / claim_ms, 3)}


def run(args: argparse.Namespace) -> dict:
    from bench import support

    if shutil.which("wrk") is None:
        raise SystemExit("wrk absent : apt-get install -y wrk")
    support.prepare_database(DATABASE)
    tokens = _insured_with_tokens(args.insured)
    support.analyze()
    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    claims_lua, warm_lua, ping_lua = _scripts(folder, tokens, secrets.token_hex(4))
    log = folder / "gunicorn.log"
    machine_before = _machine()
    cpu = _cpu_per_request(tokens)
    server = _gunicorn(args, log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        if args.warmup:
            _wrk(args, f"{base}/api/v1/ping/", ping_lua, args.warmup)
        floor = _wrk(args, f"{base}/api/v1/ping/", ping_lua, args.duration, server)
        if args.warmup:
            _wrk(args, f"{base}/api/v1/dossiers/", warm_lua, args.warmup)
        claims = _wrk(args, f"{base}/api/v1/dossiers/", claims_lua, args.duration, server)
    finally:
        support.stop_process_group(server)
    return {
        "gunicorn": f"{args.workers} × {args.worker_class} ({args.worker_threads} fils, "
                    f"{args.worker_connections} connexions au plus par processus)",
        "wrk": f"{args.threads} fils, {args.connections} connexions, {args.duration} s par mesure",
        "machine_avant": machine_before, "charge_apres_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "temps_processeur_par_requete_en_processus": cpu,
        "plancher_ping": floor, "creation_dossiers": claims,
        "ratio_debit": round(claims["debit_req_s"] / floor["debit_req_s"], 3),
        # The ratio the machine's processor time allows when both measures keep it busy: a ping's cost
        # over a claim's (gunicorn, PostgreSQL and wrk, per request).
        "ratio_des_temps_processeur": _cost_ratio(floor, claims),
        "objectifs": {"ratio_min": GOAL_RATIO, "p99_max_ms": GOAL_P99_MS,
                      # a floor measured on one core (its connections in one gunicorn process) is no floor
                      "plancher_sur_les_deux_coeurs": _on_both_cores(floor),
                      "ratio_atteint": (claims["debit_req_s"] / floor["debit_req_s"] >= GOAL_RATIO
                                        and _on_both_cores(floor) is not False),
                      "p99_atteint": claims["p99_ms"] < GOAL_P99_MS,
                      "sans_erreur": claims["erreurs"] == 0 and floor["erreurs"] == 0},
        **_check(claims),
        "messages_en_attente_redis": {queue: redis.Redis.from_url(REDIS_DB_URL).llen(queue)
                                      for queue in ("celery", "notifications")},
        "journal_gunicorn": str(log),
    }


#: Below this share of busy processor time, the floor's connections sat in one gunicorn process.
FLOOR_BUSY_PCT = 90.0


def _on_both_cores(measure: dict) -> bool | None:
    busy = measure.get("processeurs_occupes_pct")
    return None if busy is None else busy >= FLOOR_BUSY_PCT


def _cost_ratio(floor: dict, claims: dict) -> float | None:
    costs = [sum(m.get("temps_processeur_ms_par_requete", {}).values()) for m in (floor, claims)]
    return round(costs[0] / costs[1], 3) if all(costs) else None


def _check(claims: dict) -> dict:
    from django.db.models import Count

    from claims.models import Claim

    # Measured keys are "bench-<8 hex>-…"; the warm-up's are "bench-<8 hex>w-…".
    created = Claim.objects.filter(idempotency_key__regex=r"^bench-[0-9a-f]{8}-").count()
    answered = claims["requetes"] - claims["reponses_non_2xx"]
    twice = (Claim.objects.values("insured_id", "idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count())
    # wrk stops counting at the deadline while the last requests (at most one per connection) may
    # still complete on the server: the database can hold a few more claims than answers counted.
    return {"dossiers_crees_pendant_la_mesure": created, "reponses_201_comptees": answered,
            "ecart_dossiers_reponses": created - answered, "dossiers_en_double": twice}
