"""The Celery path with a real worker over Redis: queued after commit, exactly once, crash-proof."""
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from claims.models import Claim, ClaimLine, ClaimStatus, ClaimStatusChange
from claims.services.liquidation import add_up
from claims.services.pricing import ClaimContext, LineInput, price_line
from tariffs.selectors import TariffBook
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim, medicine, with_document
from tests.worker_support import (
    kill_worker,
    real_broker,
    requires_worker,
    send_task,
    start_worker,
    stop_worker,
    wait_until,
)

pytestmark = [pytest.mark.worker, requires_worker, pytest.mark.django_db(transaction=True)]

SWEEP = "claims.tasks.sweep_submitted_claims_task"
DECIDED = [ClaimStatus.LIQUIDATED, ClaimStatus.IN_CONTROL, ClaimStatus.REJECTED]


def expected_totals() -> dict[int, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """A pure recomputation, claim by claim, of what the liquidation must write (the generated
    claims are all admissible: every line is priced at the tariffs of its care date)."""
    book = TariffBook.load()
    lines = defaultdict(list)
    for claim_id, kind, cotation, code, quantity, paid in ClaimLine.objects.order_by("claim_id", "position") \
            .values_list("claim_id", "kind", "cotation", "medicine_code", "quantity", "amount_paid"):
        lines[claim_id].append(LineInput(kind=kind, cotation=cotation, medicine_code=code, quantity=quantity,
                                         amount_paid=paid))
    totals = {}
    for pk, regime_id, mutuelle_id, care_date in Claim.objects.values_list("pk", "insured__regime_id", "mutuelle_id",
                                                                          "care_date"):
        ctx = ClaimContext(regime_id=regime_id, mutuelle_id=mutuelle_id, care_date=care_date, etm_valid=False)
        t = add_up([(line.amount_paid, price_line(line, ctx, book).amounts) for line in lines[pk]])
        totals[pk] = (t.paid, t.amo, t.complementary, t.patient)
    return totals


def decided() -> int:
    return Claim.objects.filter(status__in=DECIDED).count()


def test_worker_killed_mid_run_loses_nothing_and_liquidates_each_claim_exactly_once(tmp_path):
    # given: 2,000 submitted claims, and what each must be paid
    from bench.generate import generate

    generate(claims=2000, lines_per_claim=3.0, seed=7)
    expected = expected_totals()
    worker = start_worker(concurrency=2, log_path=tmp_path / "worker-1.log")
    try:
        # when: two sweeps work side by side in small chunks, and the worker is killed -9 mid-run
        send_task(SWEEP, kwargs={"chunk": 50, "budget": 0})
        send_task(SWEEP, kwargs={"chunk": 50, "budget": 0})
        wait_until(lambda: decided() >= 200, timeout=60, message="le premier worker n'a rien liquidé")
        kill_worker(worker)
        left = Claim.objects.filter(status=ClaimStatus.SUBMITTED).count()
        assert 0 < left < 2000, "le worker devait être tué en cours de traitement"
        # then a new worker gets the unacknowledged sweeps back (Redis visibility timeout), and the
        # periodic sweep (beat, every minute) comes by too: together they finish the work
        worker = start_worker(concurrency=2, purge=False, log_path=tmp_path / "worker-2.log")
        send_task(SWEEP, kwargs={"chunk": 500})
        wait_until(lambda: not Claim.objects.filter(status=ClaimStatus.SUBMITTED).exists(), timeout=120,
                   message="des dossiers restent déposés après le redémarrage")
    finally:
        stop_worker(worker)
    # then: every claim left "déposé" exactly once, and was liquidated exactly once
    assert Claim.objects.filter(status__in=DECIDED).count() == 2000
    exits = ClaimStatusChange.objects.filter(from_status=ClaimStatus.SUBMITTED).values("claim_id") \
        .annotate(n=Count("id"))
    assert sorted({row["n"] for row in exits}) == [1]
    assert len(exits) == 2000
    assert set(Claim.objects.values_list("liquidation_count", flat=True)) == {1}
    # and the totals, claim by claim and overall, are the pure recomputation to the centime
    written = {pk: (paid, amo, comp, patient) for pk, paid, amo, comp, patient in Claim.objects.values_list(
        "pk", "total_paid", "total_amo", "total_complementary", "total_patient")}
    assert written == expected
    sums = Claim.objects.aggregate(amo=Sum("total_amo"), comp=Sum("total_complementary"))
    assert (sums["amo"], sums["comp"]) == (sum(e[1] for e in expected.values()), sum(e[2] for e in expected.values()))
    assert not ClaimLine.objects.filter(Q(amo_amount__isnull=True) | ~Q(reason_code="")).exists()


def test_filed_claim_is_liquidated_by_the_worker_after_the_commit(tmp_path):
    # given
    insured = InsuredFactory()
    worker = start_worker(concurrency=1, log_path=tmp_path / "worker.log")
    try:
        # when: filed through the service; its task goes to Redis once the filing is committed
        with real_broker():
            claim = file_claim(insured=insured, care_date=date(2025, 12, 15), documents=with_document(3),
                               lines=[act("Cs", "250.00"), medicine("6118000000001", "15.80")])
        # then
        wait_until(lambda: Claim.objects.get(pk=claim.pk).status != ClaimStatus.SUBMITTED, timeout=30,
                   message="le dossier n'a pas été liquidé par le worker")
    finally:
        stop_worker(worker)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert (claim.total_amo, claim.total_complementary) == (Decimal("120.00") + Decimal("8.05"),
                                                            Decimal("30.00") + Decimal("1.84"))
