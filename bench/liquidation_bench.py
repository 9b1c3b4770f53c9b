"""Liquidation throughput: the real Celery path against the floor of one SQL UPDATE.

1. A fresh PostgreSQL database gets N generated claims ("déposé", ~3 lines each).
2. The floor: one set-based UPDATE computes in SQL, for the same lines, the tariff in force
   (letter-key value × coefficient × quantity, or PBR × quantity), the base and the AMO and
   complementary shares, and writes them. Timed, kept aside, then the columns are reset and the
   table rewritten (VACUUM FULL) so that the Celery run meets the same fresh table.
3. The Celery path: a worker (2 prefork processes) over Redis; K sweep tasks are queued and the
   clock runs from the queueing until no claim is left "déposé".
4. Correctness: the Celery-written base and shares equal the SQL ones, line by line.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.support import cpu_seconds

NAME = "liquidation"
HELP = "liquidation de N dossiers par le worker Celery, comparée à un UPDATE SQL ensembliste"

#: The liquidation rules written in SQL (domain.md §1, §2; claims.services.liquidation):
#: base = min(paid, tariff); AMO = min(round(base × rate), paid); complementary =
#: max(min(round(base × rate) + round(flat), paid − AMO), 0); rounding half-up to the centime.
#: Values of the insured person's régime on the line's own care date, for the provider's sector where
#: the grid has one; the mutuelle's flat on keys that take it, and its per-act complement.
#: Lines not linked to an ALD (the generated claims have none), every claim admissible, no key
#: valued per session written with a coefficient.
SQL_SHARES = r"""
SELECT p.id, p.tariff, p.base, p.amo,
       GREATEST(LEAST(round(p.base * p.comp_rate, 2) + round(p.flat, 2), p.paid - p.amo), 0) AS comp, p.paid
FROM (
  SELECT q.id, q.paid, q.tariff, LEAST(q.paid, q.tariff) AS base,
         LEAST(round(LEAST(q.paid, q.tariff) * q.amo_rate, 2), q.paid) AS amo, q.comp_rate, q.flat
  FROM (
    SELECT f.id, f.paid,
           round(CASE WHEN f.kind = 'acte' THEN v.value * f.coef * f.quantity ELSE mp.pbr * f.quantity END, 2)
             AS tariff,
           ar.rate AS amo_rate, COALESCE(cr.rate, 0) AS comp_rate,
           CASE WHEN f.kind = 'acte' THEN ((CASE WHEN k.takes_consultation_flat
                                                  THEN COALESCE(cr.flat_per_consultation, 0) ELSE 0 END)
                                            + COALESCE(ac.amount, 0)) * f.quantity
                ELSE 0 END AS flat
    FROM (
      SELECT l.id, l.amount_paid AS paid, l.kind, l.quantity, l.medicine_code, l.care_date, i.regime_id,
             c.mutuelle_id, l.provider_sector,
             upper(substring(l.cotation from '^\s*([A-Za-z]+)')) AS key_code,
             COALESCE(replace(substring(l.cotation from '([0-9]+(?:[.,][0-9]+)?)\s*$'), ',', '.')::numeric, 1)
               AS coef
      FROM claims_claim c JOIN claims_claimline l ON l.claim_id = c.id
      JOIN beneficiaries_insured i ON i.id = c.insured_id
      WHERE c.status = 'depose'
    ) f
    LEFT JOIN tariffs_letterkey k ON f.kind = 'acte' AND upper(k.code) = f.key_code
    LEFT JOIN tariffs_letterkeyvalue v ON v.key_id = k.id AND v.regime_id = f.regime_id
         AND v.sector IN ('', f.provider_sector)
         AND v.valid_from <= f.care_date AND (v.valid_to IS NULL OR f.care_date < v.valid_to)
    LEFT JOIN tariffs_medicine m ON f.kind = 'medicament' AND m.code = f.medicine_code
    LEFT JOIN tariffs_medicineprice mp ON mp.medicine_id = m.id
         AND mp.valid_from <= f.care_date AND (mp.valid_to IS NULL OR f.care_date < mp.valid_to)
    JOIN tariffs_amorate ar ON ar.regime_id = f.regime_id AND NOT ar.ald_linked
         AND ar."group" = CASE WHEN f.kind = 'acte' THEN k."group" ELSE 'medicaments' END
         AND ar.valid_from <= f.care_date AND (ar.valid_to IS NULL OR f.care_date < ar.valid_to)
    LEFT JOIN mutuelles_complementaryrate cr ON cr.mutuelle_id = f.mutuelle_id AND NOT cr.ald_linked
         AND cr."group" = CASE WHEN f.kind = 'acte' THEN k."group" ELSE 'medicaments' END
         AND cr.valid_from <= f.care_date AND (cr.valid_to IS NULL OR f.care_date < cr.valid_to)
    LEFT JOIN mutuelles_actcomplement ac ON f.kind = 'acte' AND ac.mutuelle_id = f.mutuelle_id
         AND upper(ac.act_code) = upper(k.code)
         AND ac.valid_from <= f.care_date AND (ac.valid_to IS NULL OR f.care_date < ac.valid_to)
  ) q
) p
"""

SQL_FLOOR_UPDATE = f"""
UPDATE claims_claimline t
SET tariff = s.tariff, base = s.base, amo_amount = s.amo, complementary_amount = s.comp,
    patient_amount = s.paid - s.amo - s.comp
FROM ({SQL_SHARES}) s
WHERE t.id = s.id
"""

SQL_MISMATCHES = """
SELECT count(*) FROM claims_claimline l LEFT JOIN bench_sql_results s ON s.id = l.id
WHERE s.id IS NULL OR (l.tariff, l.base, l.amo_amount, l.complementary_amount, l.patient_amount)
      IS DISTINCT FROM (s.tariff, s.base, s.amo_amount, s.complementary_amount, s.patient_amount)
"""

SQL_TOTALS_MISMATCHES = """
SELECT count(*) FROM claims_claim c JOIN (
  SELECT claim_id, sum(amo_amount) AS amo, sum(complementary_amount) AS comp, sum(patient_amount) AS patient
  FROM claims_claimline GROUP BY claim_id) l ON l.claim_id = c.id
WHERE (c.total_amo, c.total_complementary, c.total_patient) IS DISTINCT FROM (l.amo, l.comp, l.patient)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claims", type=int, default=100_000, help="nombre de dossiers (défaut 100 000)")
    parser.add_argument("--lines-per-claim", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=2, help="processus du worker (défaut 2)")
    parser.add_argument("--sweeps", type=int, default=None,
                        help="balayages lancés en parallèle (défaut : un par processus)")
    parser.add_argument("--chunk", type=int, default=None,
                        help="dossiers par transaction (défaut : claims.tasks.CHUNK)")
    parser.add_argument("--database", default="amo_bench", help="base PostgreSQL recréée pour le benchmark")
    parser.add_argument("--seed", type=int, default=42)


def _execute(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def _scalar(sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def sql_floor() -> tuple[float, int, float]:
    """Time the one-statement UPDATE, keep its results aside, then reset the columns."""
    from django.db import connection, transaction

    backend = _scalar("SELECT pg_backend_pid()")
    cpu_before = cpu_seconds([backend])
    started = time.perf_counter()
    with transaction.atomic():
        rows = _execute(SQL_FLOOR_UPDATE)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds([backend]) - cpu_before
    _execute("DROP TABLE IF EXISTS bench_sql_results")
    _execute("CREATE TABLE bench_sql_results AS SELECT id, tariff, base, amo_amount, complementary_amount, "
             "patient_amount FROM claims_claimline")
    _execute("UPDATE claims_claimline SET tariff = NULL, base = NULL, amo_amount = NULL, "
             "complementary_amount = NULL, patient_amount = NULL")
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run inside a transaction
        cursor.execute("VACUUM FULL claims_claimline")
        cursor.execute("ANALYZE claims_claimline")
    return elapsed, rows, cpu


def celery_run(database: str, *, concurrency: int, sweeps: int, chunk: int | None, log: Path) -> tuple[float, float]:
    """Queue the sweeps, wait until no claim is left "déposé"; returns (seconds, CPU seconds used
    meanwhile by the worker's processes and the PostgreSQL processes serving them)."""
    from bench.support import CpuMeter, celery_app, start_worker, stop_process_group

    worker = start_worker(database, concurrency=concurrency, log_path=log)
    try:
        app = celery_app()
        kwargs = {"chunk": chunk} if chunk else {}
        # A sweep's database connection closes with its task, taking its CPU count along: the
        # meter reads the backends while they run, and each one's last reading counts.
        meter = CpuMeter(worker_pgids={"worker": worker.pid}, database=database)
        meter.sample()
        before = meter.groups_now()
        started = time.perf_counter()
        for _ in range(sweeps):
            app.send_task("claims.tasks.sweep_submitted_claims_task", kwargs=kwargs)
        while _scalar("SELECT EXISTS (SELECT 1 FROM claims_claim WHERE status = 'depose')"):
            if worker.poll() is not None:
                raise SystemExit(f"le worker s'est arrêté pendant la mesure (voir {log})")
            meter.maybe_sample()
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        meter.sample()
        after = meter.groups_now()
        cpu = sum(after.get(group, 0.0) - before.get(group, 0.0) for group in ("worker", "sql_worker"))
        return elapsed, cpu
    finally:
        stop_process_group(worker)


def run(args: argparse.Namespace) -> dict:
    from bench.support import analyze, prepare_database

    print(f"Préparation de la base « {args.database} » (schéma, données de référence)…", flush=True)
    prepare_database(args.database)
    from bench.generate import generate

    started = time.perf_counter()
    generate(claims=args.claims, lines_per_claim=args.lines_per_claim, seed=args.seed)
    analyze()
    lines = _scalar("SELECT count(*) FROM claims_claimline")
    took = time.perf_counter() - started
    print(f"{_n(args.claims)} dossiers, {_n(lines)} lignes générés en {took:.1f} s", flush=True)

    load = os.getloadavg()[0]
    floor, floor_rows, floor_cpu = sql_floor()
    print(f"Plancher SQL : un UPDATE de {_n(floor_rows)} lignes en {floor:.2f} s (CPU {floor_cpu:.1f} s, "
          f"charge de la machine {load:.1f})", flush=True)

    sweeps = args.sweeps or args.concurrency
    log = Path(tempfile.gettempdir()) / f"bench-{args.database}-worker.log"
    load = os.getloadavg()[0]
    elapsed, cpu = celery_run(args.database, concurrency=args.concurrency, sweeps=sweeps, chunk=args.chunk,
                              log=log)
    load_after = os.getloadavg()[0]

    mismatches = _scalar(SQL_MISMATCHES)
    totals_mismatches = _scalar(SQL_TOTALS_MISMATCHES)
    statuses = dict(_rows("SELECT status, count(*) FROM claims_claim GROUP BY status ORDER BY status"))
    twice = _scalar("SELECT count(*) FROM claims_claim WHERE liquidation_count <> 1")
    ratio = elapsed / floor if floor else float("inf")
    result = {
        "claims": args.claims, "lines": lines, "celery_seconds": round(elapsed, 2),
        "claims_per_second": round(args.claims / elapsed), "sql_floor_seconds": round(floor, 2),
        "ratio": round(ratio, 2), "line_mismatches": mismatches, "claim_total_mismatches": totals_mismatches,
        "statuses": statuses, "liquidated_not_once": twice, "celery_cpu_seconds": round(cpu, 1),
        "sql_floor_cpu_seconds": round(floor_cpu, 1), "cpu_ratio": round(cpu / floor_cpu, 2) if floor_cpu else None,
        "idle_machine_ratio_estimate": round(cpu / 2 / floor_cpu, 2) if floor_cpu else None,
        "load_average": [round(load, 1), round(load_after, 1)],
    }
    print(f"Celery ({args.concurrency} processus, {sweeps} balayages) : {elapsed:.2f} s, "
          f"{_n(round(args.claims / elapsed))} dossiers/s")
    print(f"Rapport Celery / plancher SQL : {ratio:.2f} (objectif ≤ 2,0) ; charge de la machine "
          f"{load:.1f} → {load_after:.1f}")
    if floor_cpu:
        # The wall times depend on what else the machine runs. CPU seconds do not: the worker and
        # its PostgreSQL processes against the one backend of the UPDATE. On two idle cores the
        # Celery path takes at least half its CPU time; the UPDATE, one backend, all of its own.
        print(f"CPU : Celery {cpu:.1f} s (worker + PostgreSQL), plancher {floor_cpu:.1f} s ; "
              f"sur 2 cœurs libres, rapport estimé ≥ {cpu / 2 / floor_cpu:.2f}")
    if args.claims >= 80_000:
        per_80k = elapsed * 80_000 / args.claims
        print(f"Rythme ramené à 80 000 dossiers : {per_80k:.1f} s (objectif < 15 s)")
    print(f"Statuts : {statuses} ; liquidés plus d'une fois : {twice}")
    print(f"Écarts ligne à ligne Celery/SQL : {mismatches} ; totaux de dossier ≠ somme des lignes : "
          f"{totals_mismatches}")
    if mismatches or totals_mismatches or twice or statuses.get("depose"):
        raise SystemExit("ÉCHEC : les résultats du worker diffèrent du calcul SQL")
    return result


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _rows(sql: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
