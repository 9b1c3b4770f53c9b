"""Execution: the transfer order file and the approved PDF, produced once, totals to the centime."""
import hashlib
from decimal import Decimal

import pytest

from claims.models import ClaimStatus
from mutuelles.models import AMOFund
from payments.models import BordereauStatus, LineState, TransferOrder
from payments.services.execution import execute_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from payments.transfer_file import parse_transfer_order
from tests.payments.support import pdf_text

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def approve(liquidated, build, mgpap, supervisor, fund_officer, django_capture_on_commit_callbacks):
    def run(n: int = 3):
        liquidated(n)
        bordereau = build(mgpap)
        present_bordereau(bordereau=bordereau, by=supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            approve_bordereau(bordereau=bordereau, by=fund_officer)
        bordereau.refresh_from_db()
        return bordereau

    return run


def test_approval_issues_a_transfer_order_whose_sha256_is_that_of_the_file(payer_accounts, approve):
    # when
    bordereau = approve()
    # then
    order = bordereau.transfer_order
    content = order.file.open("rb").read()
    assert order.sha256 == hashlib.sha256(content).hexdigest()
    assert bordereau.status == BordereauStatus.SENT
    assert set(bordereau.lines.values_list("state", flat=True)) == {LineState.PENDING}


def test_the_order_adds_up_to_the_bordereau_totals_to_the_centime(payer_accounts, approve):
    # given
    bordereau = approve(4)
    # when
    parsed = parse_transfer_order(bordereau.transfer_order.file.open("rb").read())
    # then
    amo, complementary = parsed.sections
    assert (amo.payer, amo.payer_iban, amo.total) == ("A", "MA64011519000001205000534921", bordereau.total_amo)
    assert (complementary.payer, complementary.total) == ("C", bordereau.total_complementary)
    assert len(parsed.transfers) == bordereau.transfer_order.transfer_count == 8
    assert {t.transfer_id for t in parsed.transfers} == {
        f"{ref}-{payer}" for ref in bordereau.lines.values_list("reference", flat=True) for payer in "AC"}


def test_claims_stay_in_the_bordereau_until_the_bank_answers(payer_accounts, approve):
    # when
    bordereau = approve()
    # then
    assert set(bordereau.lines.values_list("claim__status", flat=True)) == {ClaimStatus.IN_BATCH}


def test_executing_again_returns_the_same_order_and_writes_nothing(payer_accounts, approve, fund_officer):
    # given
    bordereau = approve()
    first = bordereau.transfer_order
    # when
    again = execute_bordereau(bordereau_id=bordereau.pk, by=fund_officer)
    # then
    assert again.pk == first.pk
    assert TransferOrder.objects.count() == 1


def test_without_the_organisme_account_the_execution_stops_and_says_why(approve, fund_officer, payer_accounts):
    # given
    AMOFund.objects.filter(code="CNOPS").update(iban="")
    bordereau = approve()
    # then
    assert bordereau.status == BordereauStatus.APPROVED
    assert "organisme CNOPS" in bordereau.job_error
    assert not TransferOrder.objects.exists()
    # when the account is fixed and the execution started again
    AMOFund.objects.filter(code="CNOPS").update(iban="MA64011519000001205000534921")
    order = execute_bordereau(bordereau_id=bordereau.pk, by=fund_officer)
    # then
    bordereau.refresh_from_db()
    assert (bordereau.status, bordereau.job_error, order.bordereau_id) == (BordereauStatus.SENT, "", bordereau.pk)


def test_the_approved_pdf_is_archived_with_its_hash_and_shows_the_approval(payer_accounts, approve, fund_officer):
    # when
    bordereau = approve()
    # then
    content = bordereau.bordereau_pdf.open("rb").read()
    assert content.startswith(b"%PDF")
    assert bordereau.bordereau_pdf_sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert bordereau.number in text
    assert fund_officer.get_full_name() in text
    assert "Approuv\\351 par" in text  # "Approuvé par", WinAnsi-escaped
    assert "480,00 DH" in text  # 3 × 160 DH
    assert bordereau.transfer_order.sha256 in text
