"""Import of 200,000 accords decided outside the portal (`manage.py import_accords`'s service).

A fresh PostgreSQL database gets N generated insured persons (COPY) and a CSV file of N accords
(ETM with an ALD declination, some for life, and ententes préalables with sessions). Timed: the
first import (every row checked, then written by COPY) and the second import of the same file,
which must write nothing. Budget: 60 s for the first import. The process's CPU time and the load
average are printed beside the wall times (the machine may be shared).

    bench/run.py accords --accords 200000
    python bench/accords_import.py --accords 200000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAME = "accords"
HELP = "import de N accords (CSV) : premier import, puis le même fichier une seconde fois (rien n'est écrit)"
DATABASE = "bench_accords"
BUDGET_SECONDS = 60.0
HEADER = ("organisme;mutuelle;numero;type;immatriculation;ayant_droit_prenom;ayant_droit_naissance;declinaison;"
          "actes;quantite;debut;fin\n")
CODES = ["H011", "H010", "E113", "J040", "L008", "M035", "S001", "K216"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accords", type=int, default=200_000, help="nombre d'accords du fichier")
    parser.add_argument("--database", default=DATABASE, help="base PostgreSQL du benchmark (recréée)")


def make_people(count: int) -> list[str]:
    from django.utils import timezone

    from amo_portal.bulk import copy_rows
    from beneficiaries.models import Insured
    from mutuelles.models import AMOFund, Mutuelle

    fund, mutuelle = AMOFund.objects.get(code="CNOPS"), Mutuelle.objects.get(code="MGPAP")
    now, numbers = timezone.now(), [f"B{n:09d}" for n in range(count)]
    columns = ("registration_number", "affiliation_number", "cnie", "last_name", "first_name", "last_name_ar",
               "first_name_ar", "birth_date", "sex", "status", "status_since", "affiliated_on", "administration",
               "rib", "email", "phone", "address", "city", "mutuelle_id", "fund_id", "created_at", "updated_at")
    copy_rows(Insured, columns, [(number, f"A{n:09d}", f"Z{n:07d}", "Banc", "Essai", "", "", date(1970, 1, 1), "M",
                                  "actif", date(2005, 9, 1), date(2005, 9, 1), "", "", "", "", "", "", mutuelle.pk,
                                  fund.pk, now, now) for n, number in enumerate(numbers)])
    return numbers


def accords_file(numbers: list[str]) -> str:
    rows = []
    for n, number in enumerate(numbers):
        if n % 10 == 9:
            rows.append(f"CNOPS;MGPAP;EP-{n:08d};entente;{number};;;;AMK;15;2025-01-01;2025-12-31")
        else:
            end = "" if n % 7 == 0 else "2029-12-31"
            rows.append(f"CNOPS;MGPAP;ETM-{n:08d};ETM;{number};;;{CODES[n % len(CODES)]};;;2025-01-01;{end}")
    return HEADER + "\n".join(rows) + "\n"


def run(args: argparse.Namespace) -> dict:
    from bench import support

    support.prepare_database(args.database)
    from approvals.models import Accord, AccordStatusChange
    from approvals.services.imports import import_accords

    content = accords_file(make_people(args.accords))
    support.analyze()
    # the machine is shared: the load and this process's CPU time say how much of the wall time was ours
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    first = import_accords(content=content, file_name="accords.csv", by=None)
    first_seconds, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    support.analyze()
    before = (Accord.objects.count(), AccordStatusChange.objects.count())
    started, cpu = time.perf_counter(), time.process_time()
    second = import_accords(content=content, file_name="accords.csv", by=None)
    second_seconds, second_cpu = time.perf_counter() - started, time.process_time() - cpu
    written = (Accord.objects.count() - before[0]) + (AccordStatusChange.objects.count() - before[1])
    result = {"accords": args.accords, "first_import_s": round(first_seconds, 2), "created": first.created,
              "first_import_cpu_s": round(first_cpu, 2), "second_import_s": round(second_seconds, 2),
              "second_import_cpu_s": round(second_cpu, 2), "load_average": round(load_before, 2),
              "second_created": second.created,
              "second_unchanged": second.unchanged, "rows_written_by_second": written,
              "within_budget": first_seconds < BUDGET_SECONDS}
    print(f"premier import : {first_seconds:.1f} s (CPU du processus {first_cpu:.1f} s, {first.created} accords) ; "
          f"second import : {second_seconds:.1f} s (CPU {second_cpu:.1f} s), lignes écrites : {written} ; "
          f"charge de la machine : {load_before:.2f}", flush=True)
    return result


if __name__ == "__main__":
    import json

    parser = argparse.ArgumentParser(description=HELP)
    add_arguments(parser)
    print(json.dumps(run(parser.parse_args()), ensure_ascii=False))
