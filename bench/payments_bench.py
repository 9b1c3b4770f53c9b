"""Payment bordereau of N liquidated claims: constitution, approval and execution (transfer order
file and approved PDF), on the real Celery path, then the bank return and the settlement.

1. A fresh PostgreSQL database gets N generated liquidated claims of one mutuelle (MGPAP), hence
   one (mutuelle, organisme) pair and one bordereau; the payers' IBANs are set.
2. Timed, with a worker (2 prefork processes) over Redis: the constitution task is queued, then a
   superviseur presents and an officer approves (the approval queues the transfer order and the
   PDF, which two worker processes write side by side); the clock stops when both are recorded.
   Each phase is timed too. The status emails the constitution queues run on the same worker.
3. Not in the 10-second budget (the bank answers days later): a bank return accepting every
   transfer but 1 in 1,000 is imported and the claims settled by the worker; timed.
4. Correctness: one line per claim, control totals equal to the claims' shares to the centime,
   the order file's trailer and SHA-256 equal to what is recorded, every claim paid exactly once.
"""
from __future__ import annotations

import argparse
import hashlib
import secrets
import tempfile
import time
from pathlib import Path

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


def _wait(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit(f"délai dépassé : {what}")


def _actors():
    from mutuelles.models import AMOFund, Mutuelle, StaffRole
    from mutuelles.services import create_staff

    cnops, mgpap = AMOFund.objects.get(code="CNOPS"), Mutuelle.objects.get(code="MGPAP")
    AMOFund.objects.filter(pk=cnops.pk).update(iban="MA64011519000001205000534921")
    Mutuelle.objects.filter(pk=mgpap.pk).update(iban="MA16007780000123450000012383")
    supervisor = create_staff(username="bench.superviseur", password=PASSWORD, role=StaffRole.SUPERVISOR,
                              first_name="Nadia", last_name="Berrada", mutuelle=mgpap)
    officer = create_staff(username="bench.officier", password=PASSWORD, role=StaffRole.FUND_OFFICER,
                           first_name="Hicham", last_name="Benjelloun", fund=cnops)
    builder = create_staff(username="bench.constitution", password=PASSWORD, role=StaffRole.FUND_OFFICER,
                           first_name="Meryem", last_name="Kettani", fund=cnops)
    return cnops, mgpap, supervisor, officer, builder


def _pipeline(app, cnops, mgpap, supervisor, officer, builder) -> tuple[int, dict]:
    """Constitution, presentation, approval, execution; returns (bordereau id, seconds per phase)."""
    from payments.models import Bordereau, BordereauStatus
    from payments.services.building import start_bordereau
    from payments.services.review import approve_bordereau, present_bordereau

    phases = {}
    start = time.perf_counter()
    bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=builder)
    app.send_task("payments.tasks.build_bordereau_task", args=[bordereau.pk])
    _wait(lambda: Bordereau.objects.filter(pk=bordereau.pk, status=BordereauStatus.BUILT).exists(), timeout=300,
          what="constitution")
    phases["constitution_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    bordereau = present_bordereau(bordereau=bordereau, by=supervisor)
    approve_bordereau(bordereau=bordereau, by=officer)  # queues the execution on commit
    phases["presentation_approbation_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    _wait(lambda: Bordereau.objects.filter(pk=bordereau.pk, status=BordereauStatus.SENT).exclude(bordereau_pdf="")
          .exists(), timeout=300, what="ordre de virement et PDF")
    phases["ordre_de_virement_et_pdf_s"] = time.perf_counter() - mark
    phases["total_s"] = time.perf_counter() - start
    return bordereau.pk, phases


def _settle(app, bordereau_id: int, officer) -> tuple[float, float]:
    """Import a bank return (here, in this process) then let the worker settle; (import s, settle s)."""
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
    start = time.perf_counter()
    import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=officer)
    imported = time.perf_counter()
    _wait(lambda: Bordereau.objects.filter(pk=bordereau_id, status=BordereauStatus.SETTLED).exists(), timeout=900,
          what="règlement")
    return imported - start, time.perf_counter() - imported


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


def run(args: argparse.Namespace) -> dict:
    from bench import support

    support.prepare_database(DATABASE)
    from bench.generate import generate

    started = time.perf_counter()
    generate(claims=args.claims, lines_per_claim=2.0, status="liquide", mutuelles=("MGPAP",), liquidate=True)
    support.analyze()
    generation = time.perf_counter() - started
    actors = _actors()
    log = Path(tempfile.gettempdir()) / "bench-payments-worker.log"
    worker = support.start_worker(DATABASE, concurrency=args.concurrency, log_path=log)
    try:
        app = support.celery_app()
        bordereau_id, phases = _pipeline(app, *actors)
        settlement = None if args.no_settlement else _settle(app, bordereau_id, actors[3])
    finally:
        support.stop_worker(worker)
    return {
        "dossiers": args.claims, "generation_s": round(generation, 1),
        **{k: round(v, 2) for k, v in phases.items()},
        "budget_s": BUDGET_SECONDS, "dans_le_budget": phases["total_s"] < BUDGET_SECONDS,
        "import_retour_banque_s": round(settlement[0], 2) if settlement else None,
        "reglement_des_dossiers_s": round(settlement[1], 2) if settlement else None,
        **_check(bordereau_id, args.claims, settlement is not None),
        "journal_worker": str(log),
    }
