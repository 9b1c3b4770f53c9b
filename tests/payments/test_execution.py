"""Execution: the transfer order file and the approved PDF, produced once, totals to the centime."""
import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from claims.models import ClaimStatus
from mutuelles.models import AMOFund, Mutuelle
from payments.models import Bordereau, BordereauStatus, LineState, TransferOrder
from payments.services.archive import archive_bordereau_pdf, render_pdf
from payments.services.execution import execute_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from payments.transfer_file import parse_transfer_order
from tests.payments.support import CNOPS_IBAN, MUTUELLE_IBAN, pdf_text

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


def _archived_text(bordereau) -> str:
    bordereau.refresh_from_db()
    content = bordereau.bordereau_pdf.open("rb").read()
    assert bordereau.bordereau_pdf_sha256 == hashlib.sha256(content).hexdigest()
    return pdf_text(content)


def test_a_pdf_archived_before_the_accounts_were_set_is_produced_again_when_the_order_is_reissued(
        approve, payer_accounts, fund_officer, login, django_capture_on_commit_callbacks):
    # given an approval while the mutuelle's account is missing: the execution stops, the PDF task runs
    Mutuelle.objects.filter(code="MGPAP").update(iban="")
    bordereau = approve()
    assert not TransferOrder.objects.exists()
    # when the account is set and the officer starts the execution again from the desk
    Mutuelle.objects.filter(code="MGPAP").update(iban=MUTUELLE_IBAN)
    with django_capture_on_commit_callbacks(execute=True):
        login(fund_officer).post(reverse("admin:payments_bordereau_execute", args=[bordereau.pk]))
    # then the archived PDF is the issued order's: both debited accounts, the order's file and SHA-256
    order = TransferOrder.objects.get(bordereau=bordereau)
    text = _archived_text(bordereau)
    assert f"compte {CNOPS_IBAN}" in text
    assert f"compte {MUTUELLE_IBAN}" in text
    assert order.file_name in text
    assert order.sha256 in text
    assert "ordre \\351mis" in text  # the status as it reads once the order is issued ("ordre émis")


def test_the_archive_rendered_while_the_order_is_not_issued_yet_is_not_kept(approve, payer_accounts):
    # given an approved bordereau whose order is not written (the execution has not run yet)
    Mutuelle.objects.filter(code="MGPAP").update(iban="")
    bordereau = approve()
    # when the PDF task runs on its own
    name = archive_bordereau_pdf(bordereau_id=bordereau.pk)
    # then nothing is archived: no PDF with blank accounts nor an empty SHA-256
    bordereau.refresh_from_db()
    assert (name, bordereau.bordereau_pdf.name, bordereau.bordereau_pdf_sha256) == ("", "", "")


def test_an_archive_of_another_order_or_of_none_is_replaced_by_the_issued_orders(approve, payer_accounts):
    # given a sent bordereau whose archive was made before its order (as earlier versions did)
    bordereau = approve()
    order = bordereau.transfer_order
    stale = render_pdf(bordereau, TransferOrder(file_name=order.file_name))
    bordereau.bordereau_pdf.save(f"{bordereau.number}.pdf", ContentFile(stale), save=False)
    Bordereau.objects.filter(pk=bordereau.pk).update(bordereau_pdf=bordereau.bordereau_pdf.name,
                                                     bordereau_pdf_sha256=hashlib.sha256(stale).hexdigest())
    assert order.sha256 not in pdf_text(stale)
    # when the archive task runs again (the execution restarted)
    archive_bordereau_pdf(bordereau_id=bordereau.pk)
    # then
    assert order.sha256 in _archived_text(bordereau)


def test_archiving_again_an_up_to_date_pdf_writes_nothing(approve, payer_accounts):
    # given
    bordereau = approve()
    first = (bordereau.bordereau_pdf.name, bordereau.bordereau_pdf_sha256)
    # when
    name = archive_bordereau_pdf(bordereau_id=bordereau.pk)
    # then
    bordereau.refresh_from_db()
    assert (name, bordereau.bordereau_pdf_sha256) == first


def test_a_bordereau_paid_from_demonstration_accounts_says_so_on_its_pdf(approve):
    # given the demonstration payer accounts that make run loads
    from mutuelles.payer_accounts import load_demo_payer_accounts

    AMOFund.objects.update(iban="", iban_is_demo=False)
    Mutuelle.objects.update(iban="", iban_is_demo=False)
    load_demo_payer_accounts()
    # when
    bordereau = approve(1)
    # then both debited accounts are printed as demonstration accounts
    assert _archived_text(bordereau).count("compte de D\\311MONSTRATION") == 2
