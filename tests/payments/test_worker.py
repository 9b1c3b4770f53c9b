"""Exactly once, on real workers over Redis: executing a bordereau twice, two workers executing it
at once, and a worker killed with SIGKILL in the middle then restarted, each leave every claim
paid exactly once and the totals equal to the centime."""
import hashlib
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Count, Sum

from bench.generate import generate
from claims.models import Claim, ClaimStatus, ClaimStatusChange
from mutuelles.models import AMOFund, Mutuelle
from payments.models import BankReturnLine, Bordereau, BordereauLine, BordereauStatus, LineState, TransferOrder
from payments.services.bank_return import import_bank_return
from payments.services.building import fill_bordereau, start_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from payments.transfer_file import parse_transfer_order
from tests.payments.support import bank_answer, pdf_text, set_payer_accounts
from tests.worker_support import (
    VISIBILITY_TIMEOUT,
    kill_worker,
    real_broker,
    requires_worker,
    send_task,
    start_worker,
    stop_worker,
    wait_until,
)

pytestmark = [pytest.mark.worker, requires_worker]
SETTLE = "payments.tasks.settle_bordereau_task"
EXECUTE = "payments.tasks.execute_bordereau_task"
BUILD = "payments.tasks.build_bordereau_task"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Files of these tests in their own directory, shared with the worker (and out of reach of
    another test session's clean-up of the common test media directory)."""
    settings.MEDIA_ROOT = tmp_path


def start_payments_worker(**kwargs):
    """A worker writing its files (transfer orders, PDFs) where this test process reads them."""
    return start_worker(env={"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}, **kwargs)


def liquidated_claims(count: int) -> None:
    generate(claims=count, lines_per_claim=1.5, status=ClaimStatus.LIQUIDATED, mutuelles=("MGPAP",), seed=7,
             liquidate=True)
    set_payer_accounts()


def built_bordereau(*, by) -> Bordereau:
    bordereau = start_bordereau(mutuelle=Mutuelle.objects.get(code="MGPAP"), fund=AMOFund.objects.get(code="CNOPS"),
                                by=by)
    while fill_bordereau(bordereau_id=bordereau.pk)[1]:
        pass
    bordereau.refresh_from_db()
    return bordereau


def approved_on_the_broker(*, supervisor, officer, by) -> Bordereau:
    """Built and presented here; approved with the broker real, so a worker issues the order."""
    bordereau = built_bordereau(by=by)
    present_bordereau(bordereau=bordereau, by=supervisor)
    with real_broker():
        approve_bordereau(bordereau=bordereau, by=officer)
    return bordereau


def import_on_the_broker(bordereau: Bordereau, *, officer) -> None:
    bordereau.refresh_from_db()
    content = bank_answer(bordereau.transfer_order)
    with real_broker():
        import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=officer)


def assert_paid_exactly_once(bordereau: Bordereau) -> None:
    bordereau.refresh_from_db()
    claims = Claim.objects.filter(payment_lines__bordereau=bordereau)
    assert bordereau.status == BordereauStatus.SETTLED
    assert set(claims.values_list("status", flat=True)) == {ClaimStatus.PAID}
    assert claims.count() == bordereau.line_count
    # one "payé" audit row and one paid line per claim
    paid_rows = (ClaimStatusChange.objects.filter(claim__in=claims, to_status=ClaimStatus.PAID)
                 .values("claim").annotate(n=Count("id")).values_list("n", flat=True))
    assert set(paid_rows) == {1}
    assert BordereauLine.objects.filter(claim__in=claims, state=LineState.PAID).count() == bordereau.line_count
    # totals equal to the centime: claims, lines paid, bordereau, transfer order
    due = claims.aggregate(amo=Sum("total_amo"), complementary=Sum("total_complementary"))
    paid = bordereau.lines.aggregate(amo=Sum("amo_paid"), complementary=Sum("complementary_paid"))
    assert (paid["amo"], paid["complementary"]) == (due["amo"], due["complementary"])
    assert (paid["amo"], paid["complementary"]) == (bordereau.total_amo, bordereau.total_complementary)
    orders = TransferOrder.objects.filter(bordereau=bordereau)
    assert orders.count() == 1
    parsed = parse_transfer_order(orders.get().file.open("rb").read())
    assert sum((t.amount for t in parsed.transfers), Decimal("0.00")) == bordereau.total
    assert BankReturnLine.objects.filter(line__bordereau=bordereau).count() == len(parsed.transfers)


@pytest.mark.django_db(transaction=True)
def test_executing_the_same_bordereau_twice_pays_every_claim_once(supervisor, fund_officer, second_officer):
    # given
    liquidated_claims(200)
    worker = start_payments_worker(concurrency=2)
    try:
        bordereau = approved_on_the_broker(supervisor=supervisor, officer=fund_officer, by=second_officer)
        # when the execution is asked for again, and the bank return imported and settled twice
        send_task(EXECUTE, args=[bordereau.pk])
        wait_until(lambda: TransferOrder.objects.filter(bordereau=bordereau).exists(), timeout=30,
                   message="ordre de virement non émis")
        send_task(EXECUTE, args=[bordereau.pk])
        import_on_the_broker(bordereau, officer=fund_officer)
        import_on_the_broker(bordereau, officer=fund_officer)
        send_task(SETTLE, args=[bordereau.pk, 50])
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).status == BordereauStatus.SETTLED, timeout=30,
                   message="bordereau non soldé")
        time.sleep(1)  # let the duplicate messages run out
    finally:
        stop_worker(worker)
    # then
    assert_paid_exactly_once(bordereau)


@pytest.mark.django_db(transaction=True)
def test_two_workers_executing_at_once_pay_every_claim_once(supervisor, fund_officer, second_officer):
    # given
    liquidated_claims(300)
    bordereau = built_bordereau(by=second_officer)
    present_bordereau(bordereau=bordereau, by=supervisor)
    first, second = start_payments_worker(concurrency=2), start_payments_worker(concurrency=2, purge=False)
    try:
        with real_broker():
            approve_bordereau(bordereau=bordereau, by=fund_officer)
        # when four executions race, then four settlements in small chunks race on two workers
        for _ in range(4):
            send_task(EXECUTE, args=[bordereau.pk])
        wait_until(lambda: TransferOrder.objects.filter(bordereau=bordereau).exists(), timeout=30,
                   message="ordre de virement non émis")
        import_on_the_broker(bordereau, officer=fund_officer)
        for _ in range(4):
            send_task(SETTLE, args=[bordereau.pk, 25])
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).status == BordereauStatus.SETTLED, timeout=40,
                   message="bordereau non soldé")
        time.sleep(1)
    finally:
        stop_worker(first)
        stop_worker(second)
    # then
    assert_paid_exactly_once(bordereau)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_the_settlement_and_restarted_pays_every_claim_once(
        supervisor, fund_officer, second_officer, django_capture_on_commit_callbacks):
    # given a bordereau sent to the bank and its return imported (settlement queued on the broker)
    liquidated_claims(400)
    bordereau = built_bordereau(by=second_officer)
    present_bordereau(bordereau=bordereau, by=supervisor)
    approve_bordereau(bordereau=bordereau, by=fund_officer)  # eager: the order is issued here
    import_on_the_broker(bordereau, officer=fund_officer)
    worker = start_payments_worker(concurrency=1)  # purges the default-chunk message: small chunks below
    try:
        send_task(SETTLE, args=[bordereau.pk, 10])
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).progress_done >= 100, timeout=30, interval=0.02,
                   message="règlement non commencé")
        # when the worker is killed half-way
        kill_worker(worker)
        paid = Claim.objects.filter(payment_lines__bordereau=bordereau, status=ClaimStatus.PAID).count()
        assert 0 < paid < bordereau.line_count
        # and started again once the killed task's message is due back from Redis (a worker
        # restores unacknowledged messages older than the visibility timeout when it starts)
        time.sleep(VISIBILITY_TIMEOUT + 1)
        worker = start_payments_worker(concurrency=2, purge=False)
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).status == BordereauStatus.SETTLED, timeout=40,
                   message="bordereau non soldé après redémarrage")
    finally:
        stop_worker(worker)
    # then
    assert_paid_exactly_once(bordereau)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_the_constitution_and_restarted_puts_each_claim_in_once(second_officer):
    # given
    liquidated_claims(400)
    bordereau = start_bordereau(mutuelle=Mutuelle.objects.get(code="MGPAP"), fund=AMOFund.objects.get(code="CNOPS"),
                                by=second_officer)
    worker = start_payments_worker(concurrency=1)
    try:
        send_task(BUILD, args=[bordereau.pk, 10])
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).progress_done >= 100, timeout=30, interval=0.02,
                   message="constitution non commencée")
        # when killed half-way and started again once the message is due back from Redis
        kill_worker(worker)
        time.sleep(VISIBILITY_TIMEOUT + 1)
        worker = start_payments_worker(concurrency=2, purge=False)
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).status == BordereauStatus.BUILT, timeout=40,
                   message="bordereau non constitué après redémarrage")
    finally:
        stop_worker(worker)
    # then
    assert_built_with_each_claim_once(bordereau, 400)


@pytest.mark.django_db(transaction=True)
def test_two_workers_filling_one_bordereau_side_by_side_put_each_claim_in_once(second_officer):
    # given
    liquidated_claims(600)
    bordereau = start_bordereau(mutuelle=Mutuelle.objects.get(code="MGPAP"), fund=AMOFund.objects.get(code="CNOPS"),
                                by=second_officer)
    first, second = start_payments_worker(concurrency=2), start_payments_worker(concurrency=2, purge=False)
    try:
        # when four builders take chunks of 25 claims at once
        for _ in range(4):
            send_task(BUILD, args=[bordereau.pk, 25])
        wait_until(lambda: Bordereau.objects.get(pk=bordereau.pk).status == BordereauStatus.BUILT, timeout=40,
                   message="bordereau non constitué")
        time.sleep(1)  # let the other builders run out
    finally:
        stop_worker(first)
        stop_worker(second)
    # then
    assert_built_with_each_claim_once(bordereau, 600)


def assert_built_with_each_claim_once(bordereau: Bordereau, count: int) -> None:
    bordereau.refresh_from_db()
    assert (bordereau.line_count, bordereau.progress_done) == (count, count)
    assert BordereauLine.objects.values("claim").distinct().count() == BordereauLine.objects.count() == count
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.IN_BATCH}
    moved = ClaimStatusChange.objects.filter(to_status=ClaimStatus.IN_BATCH).values("claim").annotate(n=Count("id"))
    assert set(moved.values_list("n", flat=True)) == {1}
    due = Claim.objects.aggregate(amo=Sum("total_amo"), complementary=Sum("total_complementary"))
    assert (bordereau.total_amo, bordereau.total_complementary) == (due["amo"], due["complementary"])


@pytest.mark.django_db(transaction=True)
def test_the_pdf_drawn_beside_the_order_on_a_real_worker_is_the_issued_orders(supervisor, fund_officer,
                                                                               second_officer):
    # given
    liquidated_claims(2000)
    worker = start_payments_worker(concurrency=2)
    try:
        # when the approval queues the order and the PDF, which two worker processes write side by side
        bordereau = approved_on_the_broker(supervisor=supervisor, officer=fund_officer, by=second_officer)
        wait_until(lambda: Bordereau.objects.filter(pk=bordereau.pk).exclude(bordereau_pdf="").exists(), timeout=60,
                   message="PDF du bordereau non archivé")
        time.sleep(1)  # let a second archive message, if any, run out
    finally:
        stop_worker(worker)
    # then the archive names the order's file and hash and both debited accounts
    bordereau.refresh_from_db()
    order = TransferOrder.objects.get(bordereau=bordereau)
    content = bordereau.bordereau_pdf.open("rb").read()
    assert bordereau.bordereau_pdf_sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert order.sha256 in text
    assert f"compte {order.debtor_amo_iban}" in text
    assert f"compte {order.debtor_complementary_iban}" in text
