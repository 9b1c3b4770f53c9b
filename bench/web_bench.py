"""Claim creation through the API: throughput at saturation against two floors, latency at a set rate.

1. A fresh PostgreSQL database (bench_web) gets the reference data and N insured persons, each
   with an online account and an API token.
2. gunicorn serves the portal with the production settings (2 gthread workers of 3 threads by
   default, as docker-compose runs it on 2 cores), REDIS_URL pointing at a dedicated Redis
   database: a filed claim queues its liquidation there, as in production (coalesced: no message
   while one already waits, see amo_portal/celery.py); no worker consumes it during the run, so
   that the web stack alone is measured. Its environment also routes the durable floor
   (AMO_BENCH_DURABLE_FLOOR=1, bench/web_floor.py), which no other server has.
3. Throughput at saturation, closed loop: wrk (Debian package) on loopback, C connections (50) for
   D seconds each (bench/web_wrk.py):
   - ping floor: GET /api/v1/ping/, a constant answer through the same middleware stack and DRF;
   - durable floor: POST /api/v1/banc/plancher-durable/, the same token authentication and the same
     rows committed (a claim, its audit row, its lines), one INSERT each, nothing else;
   - claims: POST /api/v1/dossiers/ with token authentication, two act lines, and a unique
     Idempotency-Key per request (insured persons taken in turn).
   Throughput, p50 and p99 latency and errors of each; the ratios claims / ping and claims / durable
   floor. Goal: claims at GOAL_DURABLE_RATIO or more of the durable floor, no error.
4. Latency at a realistic load, open loop (bench/web_open_loop.py): claims sent at a constant rate
   (100 a second) whatever the answers, latency from each request's scheduled time. Goal: p99 under
   GOAL_P99_MS, no error.
5. Correctness: the number of claims in the database equals the number of 2xx answers, and none
   was filed twice.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

NAME = "web"
HELP = ("création de dossiers par l'API : débit à saturation (wrk) contre le ping et le plancher durable, "
        "latence en boucle ouverte à cadence fixe (gunicorn, PostgreSQL)")
#: Claims at 60 % or more of the durable floor's throughput at saturation, without error.
GOAL_DURABLE_RATIO = 0.60
#: p99 of claims at a constant arrival rate of OPEN_LOOP_RATE a second, open loop.
GOAL_P99_MS = 250.0
OPEN_LOOP_RATE = 100.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=int, default=60, help="secondes par mesure (défaut : 60)")
    parser.add_argument("--connections", type=int, default=50, help="clients simultanés de wrk (défaut : 50)")
    parser.add_argument("--threads", type=int, default=2, help="fils de wrk (défaut : 2)")
    parser.add_argument("--rate", type=float, default=OPEN_LOOP_RATE,
                        help="dossiers par seconde de la mesure en boucle ouverte (défaut : 100)")
    parser.add_argument("--workers", type=int, default=2, help="processus gunicorn (défaut : 2, un par cœur)")
    parser.add_argument("--worker-threads", type=int, default=3, help="fils par processus gthread (défaut : 3)")
    parser.add_argument("--worker-class", default="gthread", help="classe de worker gunicorn (défaut : gthread)")
    parser.add_argument("--worker-connections", type=int, default=1000,
                        help="connexions clientes au plus par processus gunicorn (défaut : 1000, celui de gunicorn)")
    parser.add_argument("--insured", type=int, default=200, help="assurés avec jeton (défaut : 200)")
    parser.add_argument("--port", type=int, default=8399, help="port de gunicorn sur 127.0.0.1 (défaut : 8399)")
    parser.add_argument("--database", default="bench_web",
                        help="base PostgreSQL, supprimée puis recréée (défaut : bench_web)")
    parser.add_argument("--warmup", type=int, default=5, help="secondes d'échauffement avant chaque mesure")


def _open_loop(args, tokens: list[str], care_date: str, path: str, key_prefix: str) -> dict:
    """Claims' bodies sent to `path` at args.rate a second for args.duration seconds, open loop."""
    from bench.web_open_loop import http_request, open_loop

    body = ('{"care_date": "%s", "prescriber_inpe": "101234567", "lines": [{"kind": "acte", "cotation": "Cs", '
            '"paid": "%d.00"}, {"kind": "acte", "cotation": "B 60", "paid": "66.00"}]}')

    def request(i: int) -> bytes:
        return http_request("POST", path, f"127.0.0.1:{args.port}", {
            "Content-Type": "application/json", "Authorization": f"Token {tokens[i % len(tokens)]}",
            "Idempotency-Key": f"{key_prefix}{i}"}, (body % (care_date, 150 + i % 500)).encode())

    return open_loop(host="127.0.0.1", port=args.port, rate=args.rate, duration=args.duration, request=request)


def _measures(args, server, scripts: dict, open_loop) -> dict:
    """Closed loop (wrk): ping, durable floor, claims; then open loop: claims, and the durable floor
    at the same rate (what the machine allows at that rate, whatever the claims' path)."""
    from bench.web_setup import CLAIMS_PATH, FLOOR_PATH, PING_PATH
    from bench.web_wrk import wrk

    base = f"http://127.0.0.1:{args.port}"
    found = {}
    for name, path, warm, script in (("plancher_ping", PING_PATH, "ping", "ping"),
                                     ("plancher_durable", FLOOR_PATH, "floor-warmup", "floor"),
                                     ("creation_dossiers", CLAIMS_PATH, "claims-warmup", "claims")):
        if args.warmup:
            wrk(args, base + path, scripts[warm], args.warmup)
        found[name] = wrk(args, base + path, scripts[script], args.duration, server)
    _drain(base + PING_PATH)
    found["latence_boucle_ouverte"] = open_loop(CLAIMS_PATH, "open-")
    _drain(base + PING_PATH)
    found["latence_boucle_ouverte_plancher_durable"] = open_loop(FLOOR_PATH, "open-floor-")
    return found


def _drain(ping_url: str, quick_ms: float = 100.0, limit_s: float = 180.0) -> None:
    """Wait until the server has worked through what an earlier measure left queued (an overloaded open
    loop leaves requests behind its timeouts): until a ping answers within quick_ms three times in a row."""
    import time
    import urllib.request

    deadline, quick = time.monotonic() + limit_s, 0
    while quick < 3 and time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(ping_url, timeout=10) as answer:  # noqa: S310 - loopback
                answer.read()
            quick = quick + 1 if (time.perf_counter() - start) * 1000 < quick_ms else 0
        except OSError:
            quick = 0
        time.sleep(0.2)


def run(args: argparse.Namespace) -> dict:
    from django.utils import timezone

    from bench import support, web_setup, web_wrk

    if shutil.which("wrk") is None:
        raise SystemExit("wrk absent : apt-get install -y wrk")
    os.environ["AMO_BENCH_DURABLE_FLOOR"] = "1"  # the in-process measure of each request's cost routes it too
    # each bench account files many claims, here as under gunicorn: the daily quotas are counted, never reached
    os.environ.update({"CLAIMS_PER_DAY": "100000000", "DOCUMENTS_PER_DAY": "100000000"})
    # one key for this process and the server: a token's password print (the account's session hash,
    # keyed by it) must read the same on both sides, or every token is refused as issued under another password
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(40)
    support.prepare_database(args.database)
    tokens = web_setup.insured_with_tokens(args.insured)
    support.analyze()
    import redis

    redis.Redis.from_url(support.redis_url()).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    run_id, open_run = secrets.token_hex(4), secrets.token_hex(4)
    care_date = (timezone.localdate() - timedelta(days=3)).isoformat()
    scripts = web_wrk.scripts(folder, tokens, run_id, care_date)
    log = folder / "gunicorn.log"
    machine_before = web_setup.machine()
    cpu = web_setup.cpu_per_request(tokens)
    server = web_setup.gunicorn(args, log)
    try:
        m = _measures(args, server, scripts,
                      lambda path, prefix: _open_loop(args, tokens, care_date, path, f"{prefix}{open_run}-"))
    finally:
        support.stop_process_group(server)
    ping, durable, claims, latency = (m["plancher_ping"], m["plancher_durable"], m["creation_dossiers"],
                                      m["latence_boucle_ouverte"])
    _print_summary(args, m)
    return {
        "gunicorn": f"{args.workers} × {args.worker_class} ({args.worker_threads} fils, "
                    f"{args.worker_connections} connexions au plus par processus)",
        "wrk": f"{args.threads} fils, {args.connections} connexions, {args.duration} s par mesure (boucle fermée)",
        "machine_avant": machine_before, "charge_apres_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "temps_processeur_par_requete_en_processus": cpu,
        **m,
        "ratio_debit_sur_ping": round(claims["debit_req_s"] / ping["debit_req_s"], 3),
        "ratio_debit_sur_plancher_durable": round(claims["debit_req_s"] / durable["debit_req_s"], 3),
        # The ratios the machine's processor time allows when both measures keep it busy: a floor
        # request's cost over a claim's (gunicorn, PostgreSQL and wrk, per request).
        "ratio_des_temps_processeur_ping": _cost_ratio(ping, claims),
        "ratio_des_temps_processeur_plancher_durable": _cost_ratio(durable, claims),
        "objectifs": _goals(args, m),
        **_check(claims, latency, open_run),
        "messages_en_attente_redis": {queue: redis.Redis.from_url(support.redis_url()).llen(queue)
                                      for queue in ("celery", "notifications")},
        "journal_gunicorn": str(log),
    }


def _goals(args, m: dict) -> dict:
    durable, claims, latency = m["plancher_durable"], m["creation_dossiers"], m["latence_boucle_ouverte"]
    return {
        "ratio_plancher_durable_min": GOAL_DURABLE_RATIO, "p99_max_ms": GOAL_P99_MS, "cadence_req_s": args.rate,
        # a floor measured on one core (its connections in one gunicorn process) is no floor
        "plancher_durable_sur_les_deux_coeurs": _on_both_cores(durable),
        "debit_atteint": (claims["debit_req_s"] / durable["debit_req_s"] >= GOAL_DURABLE_RATIO
                          and _on_both_cores(durable) is not False
                          and claims["erreurs"] == 0 and claims["reponses_non_2xx"] == 0),
        "p99_boucle_ouverte_atteint": (latency["p99_ms"] is not None and latency["p99_ms"] < GOAL_P99_MS
                                       and latency["erreurs"] == 0 and latency["reponses_non_2xx"] == 0),
        "sans_erreur": all(m[name]["erreurs"] == 0 for name in (
            "plancher_ping", "plancher_durable", "creation_dossiers", "latence_boucle_ouverte")),
        "p99_boucle_ouverte_plancher_durable_ms": m["latence_boucle_ouverte_plancher_durable"]["p99_ms"],
    }


def _print_summary(args, m: dict) -> None:
    load = [round(x, 2) for x in os.getloadavg()]
    rows = [f"charge de la machine (1, 5, 15 min) : {load} sur {os.cpu_count()} cœurs"]
    for name in ("plancher_ping", "plancher_durable", "creation_dossiers"):
        x = m[name]
        rows.append(f"{name:<20} boucle fermée ({args.connections} connexions) : {x['debit_req_s']:>8} req/s, "
                    f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms, erreurs {x['erreurs']}")
    claims = m["creation_dossiers"]["debit_req_s"]
    rows.append(f"ratio dossiers / ping : {claims / m['plancher_ping']['debit_req_s']:.3f} ; "
                f"dossiers / plancher durable : {claims / m['plancher_durable']['debit_req_s']:.3f} "
                f"(objectif >= {GOAL_DURABLE_RATIO})")
    for name in ("latence_boucle_ouverte", "latence_boucle_ouverte_plancher_durable"):
        x = m[name]
        rows.append(f"{name} ({x['client']}, {x['cadence_req_s']} req/s) : p50 {x['p50_ms']} ms, "
                    f"p99 {x['p99_ms']} ms (objectif < {GOAL_P99_MS}), "
                    f"2xx {x['reponses_2xx']}/{x['requetes_prevues']}, erreurs {x['erreurs']}")
    print("\n".join(rows), flush=True)


#: Below this share of busy processor time, the floor's connections sat in one gunicorn process.
FLOOR_BUSY_PCT = 90.0


def _on_both_cores(measure: dict) -> bool | None:
    busy = measure.get("processeurs_occupes_pct")
    return None if busy is None else busy >= FLOOR_BUSY_PCT


def _cost_ratio(floor: dict, claims: dict) -> float | None:
    costs = [sum(m.get("temps_processeur_ms_par_requete", {}).values()) for m in (floor, claims)]
    return round(costs[0] / costs[1], 3) if all(costs) else None


def _check(claims: dict, latency: dict, open_run: str) -> dict:
    from django.db.models import Count

    from claims.models import Claim

    # Measured keys are "bench-<8 hex>-…"; the warm-up's are "bench-<8 hex>w-…".
    created = Claim.objects.filter(idempotency_key__regex=r"^bench-[0-9a-f]{8}-").count()
    answered = claims["requetes"] - claims["reponses_non_2xx"]
    twice = (Claim.objects.values("insured_id", "idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count())
    # wrk stops counting at the deadline while the last requests (at most one per connection) may
    # still complete on the server: the database can hold a few more claims than answers counted.
    opened = Claim.objects.filter(idempotency_key__startswith=f"open-{open_run}-").count()
    return {"dossiers_crees_pendant_la_mesure": created, "reponses_201_comptees": answered,
            "ecart_dossiers_reponses": created - answered, "dossiers_en_double": twice,
            "boucle_ouverte_dossiers_crees": opened, "boucle_ouverte_reponses_2xx": latency["reponses_2xx"]}
