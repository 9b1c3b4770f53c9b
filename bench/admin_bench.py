"""Speed of the agents' review desk on a big base: the queue, the search and the claim page.

1. A dedicated PostgreSQL database gets N generated claims (1,000,000 by default, ~3 lines each,
   four mutuelles), liquidated and waiting for an agent ("en contrôle"), so MGEN's queue holds
   about a quarter of them. `--reuse` skips this step when the database is already filled.
2. Django's test Client, logged in as a MGEN agent, requests each page ~50 times (after a
   warm-up): the queue (pages 1 to 10 in turn), a search by name, by CNIE and by claim number,
   and claim pages picked at random, at list sizes of 20 and 100 rows.
3. For each: p50 and p95 of the response time, and the number of SQL queries of one request
   (CaptureQueriesContext), which must be the same at both list sizes; and no COUNT(*) that
   is not bounded by a LIMIT.

    bench/run.py admin --claims 1000000
    bench/run.py admin --reuse                # same database, measure again
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import time

NAME = "admin"
HELP = "file de contrôle, recherche et page dossier de l'admin des agents, sur N dossiers (p50/p95, requêtes SQL)"
AGENT = "bench.agent.mgen"
GOAL_MS = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claims", type=int, default=1_000_000, help="dossiers générés (défaut 1 000 000)")
    parser.add_argument("--requests", type=int, default=50, help="requêtes mesurées par page (défaut 50)")
    parser.add_argument("--database", default="amo_bench_admin", help="base PostgreSQL dédiée (recréée)")
    parser.add_argument("--reuse", action="store_true", help="garder la base déjà générée")
    parser.add_argument("--seed", type=int, default=42)


def _prepare(args) -> float:
    from bench import support

    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    if args.reuse:
        support.setup_django(args.database)
        return 0.0
    support.prepare_database(args.database)
    from bench.generate import generate

    started = time.perf_counter()
    generate(claims=args.claims, status="en_controle", liquidate=True, seed=args.seed)
    support.analyze()
    return time.perf_counter() - started


def _agent():
    from django.core.management import call_command

    from mutuelles.models import Mutuelle, StaffRole
    from mutuelles.services import create_staff

    call_command("setup_roles", verbosity=0)
    password = secrets.token_urlsafe(24)
    agent = create_staff(username=AGENT, password=password, role=StaffRole.AGENT,
                         first_name="Agent", last_name="Benchmark", mutuelle=Mutuelle.objects.get(code="MGEN"))
    agent.bench_password = password
    return agent


def _sign_in(client, agent) -> None:
    """As an agent signs in: password and the code of the authenticator (enrolled here if none)."""
    from django.urls import reverse
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mutuelles.second_factor import confirm_enrolment, start_enrolment

    TOTPDevice.objects.filter(user=agent).delete()
    device = start_enrolment(user=agent)
    confirm_enrolment(user=agent, device=device, code=f"{totp(device.bin_key, drift=-1):06d}")
    response = client.post(reverse("admin:login"), {"username": agent.username, "password": agent.bench_password,
                                                    "otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302, "connexion de l'agent du banc refusée"


def _samples(agent, rng: random.Random, n: int) -> dict[str, list]:
    """What the agent types: real names, CNIE and claim numbers of MGEN, picked at random."""
    from beneficiaries.models import Insured
    from claims.models import Claim

    people = list(Insured.objects.filter(mutuelle_id=agent.mutuelle_id).order_by("?")
                  .values_list("last_name", "first_name", "cnie")[:n])
    max_id = Claim.objects.filter(mutuelle_id=agent.mutuelle_id).order_by("-pk").values_list("pk", flat=True)[0]
    claims: list[tuple[int, str]] = []
    while len(claims) < n:
        picks = [rng.randrange(1, max_id + 1) for _ in range(n * 2)]
        claims += list(Claim.objects.filter(pk__in=picks, mutuelle_id=agent.mutuelle_id).values_list("pk", "number"))
    return {"names": [f"{last} {first}" for last, first, _ in people], "cnie": [c for _, _, c in people],
            "claims": claims[:n]}


def _timed(client, url: str, params: dict | None = None) -> tuple[float, float]:
    """(wall-clock ms, processor ms of this Python process): the second is what the page costs
    the web process itself, whatever else the machine is doing."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, params or {})
    elapsed, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} : statut {response.status_code}")
    return elapsed, cpu_ms


def _queries(client, url: str, params: dict | None = None) -> tuple[int, int]:
    """(queries of one request, COUNT queries without a LIMIT)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params or {})
    unbounded = sum(1 for q in captured.captured_queries
                    if "COUNT(" in q["sql"].upper() and "LIMIT" not in q["sql"].upper())
    return len(captured), unbounded


def _measure(client, label: str, requests: list[tuple[str, dict]], warmup: int = 3) -> dict:
    for url, params in requests[:warmup]:
        client.get(url, params)
    measured = [_timed(client, url, params) for url, params in requests]
    times, cpu = [wall for wall, _ in measured], [c for _, c in measured]
    counts = [_queries(client, url, params) for url, params in requests[:5]]
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
    result = {
        "page": label, "n": len(times), "p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
        "max_ms": round(max(times), 1), "cpu_p50_ms": round(statistics.median(cpu), 1),
        "sql_queries": sorted({c for c, _ in counts}), "unbounded_counts": max(u for _, u in counts),
    }
    flag = "ok" if p95 < GOAL_MS else "AU-DESSUS DE 300 ms"
    print(f"  {label:<40} p50 {result['p50_ms']:>7.1f} ms   p95 {result['p95_ms']:>7.1f} ms   "
          f"(processeur Python p50 {result['cpu_p50_ms']:>6.1f} ms)   requêtes SQL {result['sql_queries']}   [{flag}]",
          flush=True)
    return result


def run(args) -> dict:
    generation_s = _prepare(args)
    load_start = [round(x, 2) for x in os.getloadavg()]
    from django.contrib import admin
    from django.test import Client
    from django.urls import reverse

    from claims.models import Claim

    agent = _agent()
    client = Client()
    _sign_in(client, agent)
    rng = random.Random(args.seed)
    n = args.requests
    samples = _samples(agent, rng, n)
    total = Claim.objects.count()
    print(f"{total} dossiers en base ; agent {agent.username} (MGEN) ; {n} requêtes par page", flush=True)
    queue = reverse("admin:claims_claim_changelist")
    claim_admin = admin.site._registry[Claim]
    default_size = claim_admin.list_per_page
    results = []
    try:
        for size in (20, 100):
            claim_admin.list_per_page = size
            print(f"--- {size} lignes par page ---", flush=True)
            results.append(_measure(client, f"file de contrôle ({size})",
                                    [(queue, {"p": str(1 + i % 10)}) for i in range(n)]))
            results.append(_measure(client, f"recherche par nom ({size})",
                                    [(queue, {"q": name}) for name in samples["names"]]))
            results.append(_measure(client, f"recherche par CNIE ({size})",
                                    [(queue, {"q": cnie, "statut": "tous"}) for cnie in samples["cnie"]]))
            results.append(_measure(client, f"recherche par n° de dossier ({size})",
                                    [(queue, {"q": number, "statut": "tous"}) for _, number in samples["claims"]]))
        print("--- page dossier ---", flush=True)
        results.append(_measure(client, "page dossier",
                                [(reverse("admin:claims_claim_change", args=[pk]), {}) for pk, _ in samples["claims"]]))
    finally:
        claim_admin.list_per_page = default_size
    slowest = max(r["p95_ms"] for r in results)
    by_page: dict[str, list] = {}
    for r in results:
        by_page.setdefault(r["page"].rsplit(" (", 1)[0], []).append(r["sql_queries"])
    # the same page at 20 and 100 rows makes the same queries (the claim page: one size only)
    constant = all(all(q == queries[0] for q in queries) for queries in by_page.values())
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"p95 le plus lent : {slowest:.1f} ms (objectif < {GOAL_MS:.0f} ms) ; nombre de requêtes SQL "
          f"{'indépendant' if constant else 'DÉPENDANT'} de la taille de page ; charge de la machine {load} "
          f"({os.cpu_count()} cœurs)", flush=True)
    return {"claims": total, "generation_s": round(generation_s, 1), "results": results,
            "slowest_p95_ms": slowest, "queries_independent_of_page_size": constant,
            "machine": {"cpus": os.cpu_count(), "load_at_start": load_start, "load_at_end": load},
            "goal_met": slowest < GOAL_MS and constant}
