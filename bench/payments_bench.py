"""Payment bordereau of N liquidated claims: constitution, approval and execution (transfer order
file and approved PDF), on the real Celery path, then the bank return and the settlement.

1. A fresh PostgreSQL database gets N generated liquidated claims of one mutuelle (MGPAP), hence
   one (mutuelle, organisme) pair and one bordereau; the payers' IBANs are set.
2. Timed, with a worker (2 prefork processes) over Redis: the constitution tasks are queued (two
   builders fill the bordereau side by side), then a superviseur presents and an officer approves
   (the approval queues the transfer order and the PDF, which two worker processes write side by
   side); the clock stops when both are recorded. Each phase is timed too. A claim put into a
   bordereau is not e-mailed (claims.outbox.UNTOLD_STATUSES): the constitution queues no status
   e-mail. The settlement's ("payé", "virement rejeté") go to their own queue, "notifications",
   which a second worker of one process consumes meanwhile on the same machine, as docker-compose
   runs them (`--emails same`: one worker on both queues, as `make worker`).
3. Not in the 10-second budget (the bank answers days later): a bank return accepting every
   transfer but 1 in 1,000 is imported and the claims settled by the worker; timed.
Each phase also reports its CPU seconds (the workers' processes, the PostgreSQL backends of the
benchmark database and this process, from /proc), which the machine's load does not inflate, and
how much of it the email worker's processes took.
4. Correctness: one line per claim, control totals equal to the claims' shares to the centime,
   the order file's trailer and SHA-256 equal to what is recorded, every claim paid exactly once.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from bench.support import CpuMeter, cpu_by_group

NAME = "payments"
HELP = "bordereau de N dossiers : constitution, approbation, ordre de virement et PDF (puis retour banque)"
DATABASE = "bench_payments"
BUDGET_SECONDS = 10.0
#: The benchmark's staff never sign in: a random password each run.
PASSWORD = secrets.token_urlsafe(16)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claims", type=int, default=100_000, help="dossiers liquidés (défaut : 100 000)")
    parser.add_argument("--concurrency", type=int, default=2, help="processus du worker (défaut : 2)")
    parser.add_argument("--no-settlement", action="store_true", help="sans retour banque ni règlement")
    parser.add_argument("--emails", choices=("apart", "same"), default="apart",
                        help="courriels de statut : worker à part (défaut, comme docker-compose) ou le même worker")
    parser.add_argument("--database", default=DATABASE, help=f"base PostgreSQL recréée pour le benchmark (défaut : "
                                                             f"{DATABASE})")


#: Set once the worker runs: _wait samples the CPU times while it waits.
METER: CpuMeter | None = None


def _wait(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if METER is not None:
            METER.maybe_sample()
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit(f"délai dépassé : {what}")


def _cpu() -> float:
    return METER.sample() if METER is not None else 0.0


def _actors():
    from mutuelles.models import AMOFund, Mutuelle, StaffRole
    from mutuelles.services import create_staff

    cnops, mgpap = AMOFund.objects.get(code="CNOPS"), Mutuelle.objects.get(code="MGPAP")
    AMOFund.objects.filter(pk=cnops.pk).update(iban="MA64011519000001205000534921")
    Mutuelle.objects.filter(pk=mgpap.pk).update(iban="MA64007780000123450000012369")
    supervisor = create_staff(username="bench.superviseur", password=PASSWORD, role=StaffRole.SUPERVISOR,
                              first_name="Nadia", last_name="Berrada", mutuelle=mgpap)
    officer = create_staff(username="bench.officier", password=PASSWORD, role=StaffRole.FUND_OFFICER,
                           first_name="Hicham", last_name="Benjelloun", fund=cnops)
    builder = create_staff(username="bench.constitution", password=PASSWORD, role=StaffRole.FUND_OFFICER,
                           first_name="Meryem", last_name="Kettani", fund=cnops)
    return cnops, mgpap, supervisor, officer, builder


class _Clock:
    """Wall and CPU seconds of consecutive phases, and of all of them together."""

    def __init__(self) -> None:
        self.first = self.last = self._now()

    @staticmethod
    def _now() -> tuple[float, float, dict[str, float]]:
        cpu = _cpu()
        return time.perf_counter(), cpu, (METER.groups_now() if METER else {})

    def lap(self, phases: dict, name: str, since: tuple | None = None) -> None:
        now = self._now()
        start = since or self.last
        phases[f"{name}_s"] = now[0] - start[0]
        phases[f"{name}_cpu_s"] = now[1] - start[1]
        phases[f"{name}_cpu_par_groupe"] = cpu_by_group(start[2], now[2])
        self.last = now


def _pipeline(app, cnops, mgpap, supervisor, officer, builder) -> tuple[int, dict]:
    """Constitution, presentation, approval, execution; returns (bordereau id, seconds per phase)."""
    from payments.models import Bordereau, BordereauStatus
    from payments.services.building import BUILDERS, start_bordereau
    from payments.services.review import approve_bordereau, present_bordereau

    phases: dict = {}
    clock = _Clock()
    bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=builder)
    for _ in range(BUILDERS):  # as request_bordereau does: the worker's processes fill it side by side
        app.send_task("payments.tasks.build_bordereau_task", args=[bordereau.pk])
    _wait(lambda: Bordereau.objects.filter(pk=bordereau.pk, status=BordereauStatus.BUILT).exists(), timeout=300,
          what="constitution")
    clock.lap(phases, "constitution")
    bordereau = present_bordereau(bordereau=bordereau, by=supervisor)
    approve_bordereau(bordereau=bordereau, by=officer)  # queues the execution on commit
    clock.lap(phases, "presentation_approbation")
    _wait(lambda: Bordereau.objects.filter(pk=bordereau.pk, status=BordereauStatus.SENT).exclude(bordereau_pdf="")
          .exists(), timeout=300, what="ordre de virement et PDF")
    clock.lap(phases, "ordre_de_virement_et_pdf")
    clock.lap(phases, "total", since=clock.first)
    return bordereau.pk, phases


def _settle(app, bordereau_id: int, officer) -> dict:
    """Import a bank return (here, in this process) then let the worker settle: seconds and CPU seconds."""
    from payments.models import Bordereau, BordereauStatus
    from payments.services.bank_return import import_bank_return
    from payments.transfer_file import TransferResult, parse_transfer_order, write_bank_return

    bordereau = Bordereau.objects.get(pk=bordereau_id)
    order = bordereau.transfer_order
    parsed = parse_transfer_order(order.file.open("rb").read())
    results = [TransferResult(t.transfer_id, index % 1000 != 0, t.amount, "" if index % 1000 else "AC04", "",
                              order.created_at.date() if index % 1000 else None)
               for index, t in enumerate(parsed.transfers)]
    content = write_bank_return(bordereau_number=bordereau.number, order_sha256=order.sha256,
                                processed_on=order.created_at.date(), results=results)
    phases: dict = {}
    clock = _Clock()
    import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=officer)
    clock.lap(phases, "import_retour_banque")
    _wait(lambda: Bordereau.objects.filter(pk=bordereau_id, status=BordereauStatus.SETTLED).exists(), timeout=900,
          what="règlement")
    clock.lap(phases, "reglement_des_dossiers")
    return phases


def _check(bordereau_id: int, claims: int, settled: bool) -> dict:
    from django.db.models import Count, Sum

    from claims.models import Claim, ClaimStatus, ClaimStatusChange
    from payments.models import Bordereau, BordereauLine, LineState
    from payments.transfer_file import parse_transfer_order

    bordereau = Bordereau.objects.get(pk=bordereau_id)
    order = bordereau.transfer_order
    content = order.file.open("rb").read()
    parsed = parse_transfer_order(content)
    due = Claim.objects.aggregate(amo=Sum("total_amo"), complementary=Sum("total_complementary"))
    checks = {
        "lignes": bordereau.line_count,
        "une_ligne_par_dossier": bordereau.line_count == claims == BordereauLine.objects.values("claim").distinct()
        .count(),
        "totaux_au_centime": (bordereau.total_amo, bordereau.total_complementary) == (due["amo"],
                                                                                     due["complementary"]),
        "ordre_sha256_ok": hashlib.sha256(content).hexdigest() == order.sha256,
        "ordre_total_ok": sum(s.total for s in parsed.sections) == bordereau.total,
        "virements": len(parsed.transfers),
        "pdf_octets": bordereau.bordereau_pdf.size,
    }
    if settled:
        paid_twice = (ClaimStatusChange.objects.filter(to_status=ClaimStatus.PAID).values("claim")
                      .annotate(n=Count("id")).filter(n__gt=1).count())
        checks.update({
            "payes": Claim.objects.filter(status=ClaimStatus.PAID).count(),
            "virements_rejetes": Claim.objects.filter(status=ClaimStatus.PAYMENT_REJECTED).count(),
            "payes_deux_fois": paid_twice,
            "lignes_payees_une_fois": BordereauLine.objects.filter(state=LineState.PAID).values("claim").distinct()
            .count() == BordereauLine.objects.filter(state=LineState.PAID).count(),
        })
    return checks


def _rounded(figures: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}


def _start_workers(args: argparse.Namespace, log: Path) -> dict:
    """The payments worker, and with `--emails apart` the status emails' worker of one process."""
    from amo_portal.celery import NOTIFICATIONS_QUEUE, app
    from bench import support

    def start(name: str, **kwargs):
        return support.start_worker(args.database, log_path=log, meter_name=name, **kwargs)

    if args.emails == "same":
        return {"worker": start("worker", concurrency=args.concurrency)}
    return {"worker": start("worker", concurrency=args.concurrency, queues=(app.conf.task_default_queue,)),
            "emails": start("emails", concurrency=1, queues=(NOTIFICATIONS_QUEUE,), flush=False)}


def run(args: argparse.Namespace) -> dict:
    from bench import support

    global METER

    # the files (transfer orders, PDFs, bank returns) out of the project, emptied each run
    media = Path(tempfile.gettempdir()) / f"bench-{args.database}-media"
    shutil.rmtree(media, ignore_errors=True)
    os.environ["DJANGO_MEDIA_ROOT"] = str(media)
    support.prepare_database(args.database)
    from bench.generate import generate

    started = time.perf_counter()
    generate(claims=args.claims, lines_per_claim=2.0, status="liquide", mutuelles=("MGPAP",), liquidate=True)
    support.analyze()
    generation = time.perf_counter() - started
    actors = _actors()
    log = Path(tempfile.gettempdir()) / f"bench-{args.database}-worker.log"
    workers = _start_workers(args, log)
    METER = CpuMeter(worker_pgids={name: proc.pid for name, proc in workers.items()}, database=args.database)
    load_before = os.getloadavg()
    try:
        app = support.celery_app()
        bordereau_id, phases = _pipeline(app, *actors)
        settlement = None if args.no_settlement else _settle(app, bordereau_id, actors[3])
    finally:
        load_after = os.getloadavg()
        for proc in workers.values():
            support.stop_process_group(proc)
    return {
        "dossiers": args.claims, "generation_s": round(generation, 1),
        **_rounded(phases),
        "budget_s": BUDGET_SECONDS, "dans_le_budget": phases["total_s"] < BUDGET_SECONDS,
        **_rounded(settlement or {}),
        "charge_avant": [round(x, 2) for x in load_before], "charge_apres": [round(x, 2) for x in load_after],
        **_check(bordereau_id, args.claims, settlement is not None),
        "journal_worker": str(log),
    }
