"""The bank's return: claims paid only when the bank says so, rejections told to the insured
person and paid again once the RIB changes, the same file imported twice changing nothing."""
from decimal import Decimal

import pytest
from django.core import mail

from claims.models import Claim, ClaimStatus
from payments.exceptions import BankReturnRejected
from payments.models import BankReturn, BankReturnLine, BordereauLine, BordereauStatus, LineState
from payments.services.bank_return import import_bank_return
from payments.services.review import approve_bordereau, present_bordereau
from payments.transfer_file import TransferResult, write_bank_return
from tests.factories.beneficiaries import InsuredFactory
from tests.payments.support import bank_answer, total

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def send(liquidated, build, mgpap, supervisor, fund_officer, payer_accounts, django_capture_on_commit_callbacks):
    """send(n) -> a bordereau of n claims whose transfer order went to the bank."""

    def run(n: int = 3):
        liquidated(n)
        bordereau = build(mgpap)
        present_bordereau(bordereau=bordereau, by=supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            approve_bordereau(bordereau=bordereau, by=fund_officer)
        bordereau.refresh_from_db()
        return bordereau

    return run


@pytest.fixture
def answer(fund_officer, django_capture_on_commit_callbacks):
    def run(bordereau, content: bytes, name: str = "retour.txt"):
        with django_capture_on_commit_callbacks(execute=True):
            imported = import_bank_return(bordereau=bordereau, content=content, file_name=name, by=fund_officer)
        bordereau.refresh_from_db()
        return imported

    return run


def test_claims_are_paid_once_the_bank_executed_their_transfers(send, answer):
    # given
    bordereau = send(3)
    # when
    answer(bordereau, bank_answer(bordereau.transfer_order))
    # then
    assert bordereau.status == BordereauStatus.SETTLED
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
    lines = list(bordereau.lines.all())
    assert total(line.amo_paid + line.complementary_paid for line in lines) == bordereau.total
    assert all(str(line.paid_on) == "2026-03-02" for line in lines)


def test_a_rejected_transfer_puts_the_claim_back_and_tells_the_insured_person(send, answer):
    # given
    bordereau = send(2)
    refused = bordereau.lines.order_by("pk").first()
    mail.outbox.clear()
    # when
    answer(bordereau, bank_answer(bordereau.transfer_order, rejected={f"{refused.reference}-A": "AC04",
                                                                      f"{refused.reference}-C": "AC04"}))
    # then
    refused.refresh_from_db()
    assert (refused.state, refused.bank_reason_code, refused.bank_reason) == (LineState.BANK_REJECTED, "AC04",
                                                                             "compte clôturé")
    claim = Claim.objects.get(pk=refused.claim_id)
    assert claim.status == ClaimStatus.PAYMENT_REJECTED
    assert "compte clôturé" in claim.status_changes.last().reason
    assert [m.to for m in mail.outbox if "rejeté par la banque" in m.subject] == [[claim.insured.email]]
    assert bordereau.status == BordereauStatus.SETTLED


def test_importing_the_same_return_twice_changes_nothing(send, answer):
    # given
    bordereau = send(2)
    content = bank_answer(bordereau.transfer_order)
    first = answer(bordereau, content)
    changes = Claim.objects.get(pk=bordereau.lines.first().claim_id).status_changes.count()
    # when
    second = answer(bordereau, content, name="le-meme.txt")
    # then
    assert second.pk == first.pk
    assert (BankReturn.objects.count(), BankReturnLine.objects.count()) == (1, 4)
    assert Claim.objects.get(pk=bordereau.lines.first().claim_id).status_changes.count() == changes


def test_a_second_return_contradicting_the_first_is_refused_whole(send, answer):
    # given
    bordereau = send(1)
    answer(bordereau, bank_answer(bordereau.transfer_order))
    reference = bordereau.lines.get().reference
    contradicting = bank_answer(bordereau.transfer_order, rejected={f"{reference}-A": "AC01"},
                                processed_on=bordereau.transfer_order.created_at.date())
    # when / then
    with pytest.raises(BankReturnRejected, match="réponse différente"):
        answer(bordereau, contradicting)
    assert BankReturn.objects.count() == 1


def test_a_return_for_another_order_is_refused(send, answer):
    # given
    bordereau = send(1)
    forged = write_bank_return(bordereau_number=bordereau.number, order_sha256="0" * 64,
                               processed_on=bordereau.transfer_order.created_at.date(), results=[])
    # when / then
    with pytest.raises(BankReturnRejected, match="ne répond pas"):
        answer(bordereau, forged)


@pytest.mark.parametrize(("transfer", "amount", "message"), [
    ("INCONNU-1-A", "120.00", "n'est pas dans l'ordre"),
    (None, "121.00", "le retour dit 121.00"),
])
def test_a_return_naming_an_unknown_transfer_or_another_amount_is_refused(send, answer, transfer, amount, message):
    # given
    bordereau = send(1)
    transfer = transfer or f"{bordereau.lines.get().reference}-A"
    content = write_bank_return(bordereau_number=bordereau.number, order_sha256=bordereau.transfer_order.sha256,
                                processed_on=bordereau.transfer_order.created_at.date(),
                                results=[TransferResult(transfer, True, D(amount))])
    # when / then
    with pytest.raises(BankReturnRejected, match=message):
        answer(bordereau, content)
    assert not BankReturnLine.objects.exists()


def test_an_unreadable_file_is_refused_with_the_line_at_fault(send, answer):
    # given
    bordereau = send(1)
    # when / then
    with pytest.raises(BankReturnRejected, match="illisible"):
        answer(bordereau, b"EN;RBAMO1;x\r\n")


def test_a_partial_return_settles_what_it_answers_and_waits_for_the_rest(send, answer):
    # given
    bordereau = send(2)
    first, second = bordereau.lines.order_by("pk")
    order = bordereau.transfer_order
    partial = write_bank_return(
        bordereau_number=bordereau.number, order_sha256=order.sha256, processed_on=order.created_at.date(),
        results=[TransferResult(f"{first.reference}-A", True, first.amo, booked_on=order.created_at.date()),
                 TransferResult(f"{first.reference}-C", True, first.complementary, booked_on=order.created_at.date()),
                 TransferResult(f"{second.reference}-A", True, second.amo, booked_on=order.created_at.date())])
    # when
    answer(bordereau, partial)
    # then
    assert bordereau.status == BordereauStatus.SENT
    assert Claim.objects.get(pk=first.claim_id).status == ClaimStatus.PAID
    assert Claim.objects.get(pk=second.claim_id).status == ClaimStatus.IN_BATCH
    # when the rest comes
    answer(bordereau, bank_answer(order))
    # then
    assert bordereau.status == BordereauStatus.SETTLED
    assert Claim.objects.get(pk=second.claim_id).status == ClaimStatus.PAID


def test_a_rejected_claim_waits_for_a_new_rib_then_is_paid_only_what_the_bank_did_not_pay(
        send, answer, mgpap, supervisor, fund_officer, second_officer, django_capture_on_commit_callbacks):
    # given the complementary share paid, the AMO share refused (wrong account)
    bordereau = send(1)
    line = bordereau.lines.get()
    answer(bordereau, bank_answer(bordereau.transfer_order, rejected={f"{line.reference}-A": "AC01"}))
    claim = Claim.objects.get(pk=line.claim_id)
    assert claim.status == ClaimStatus.PAYMENT_REJECTED
    # when the nightly run comes before the RIB is changed
    from payments.services.building import request_bordereau
    from payments.tasks import build_all_batches_task

    with django_capture_on_commit_callbacks(execute=True):
        build_all_batches_task.delay()
    # then the claim is held out
    assert claim.payment_hold.reason_code == "rib_inchange"
    # when the insured person gives another RIB
    claim.insured.rib = InsuredFactory.build().rib
    claim.insured.save()
    with django_capture_on_commit_callbacks(execute=True):
        again = request_bordereau(mutuelle=mgpap, fund=bordereau.fund, by=second_officer)
    again.refresh_from_db()
    # then only the AMO share is due again, to the new RIB
    new_line = again.lines.get()
    assert (new_line.amo, new_line.complementary, new_line.rib) == (D("120.00"), D("0.00"), claim.insured.rib)
    assert new_line.reference == f"{claim.number}-{again.pk:06d}"
    # when that bordereau is paid
    present_bordereau(bordereau=again, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_bordereau(bordereau=again, by=fund_officer)
    again.refresh_from_db()
    answer(again, bank_answer(again.transfer_order))
    # then the claim is paid once, in full, over the two bordereaux
    claim.refresh_from_db()
    paid = BordereauLine.objects.filter(claim=claim)
    assert claim.status == ClaimStatus.PAID
    assert total(l.amo_paid + l.complementary_paid for l in paid) == claim.total_amo + claim.total_complementary
    assert paid.filter(state=LineState.PAID).count() == 1


def test_a_claim_paid_again_and_new_claims_share_the_next_bordereau(send, answer, liquidated, mgpap, second_officer,
                                                                    django_capture_on_commit_callbacks):
    # given a claim whose AMO transfer was refused, a new RIB, and a claim liquidated since
    from payments.services.building import request_bordereau

    bordereau = send(1)
    line = bordereau.lines.get()
    answer(bordereau, bank_answer(bordereau.transfer_order, rejected={f"{line.reference}-A": "AC04"}))
    rejected = Claim.objects.get(pk=line.claim_id)
    rejected.insured.rib = InsuredFactory.build().rib
    rejected.insured.save()
    fresh = liquidated(1)[0]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = request_bordereau(mutuelle=mgpap, fund=bordereau.fund, by=second_officer)
    again.refresh_from_db()
    # then the refused share only for the first, both shares for the new one
    lines = {l.claim_id: l for l in again.lines.all()}
    assert (lines[rejected.pk].amo, lines[rejected.pk].complementary) == (D("120.00"), D("0.00"))
    assert (lines[fresh.pk].amo, lines[fresh.pk].complementary) == (D("120.00"), D("40.00"))
    assert (again.line_count, again.total_amo, again.total_complementary) == (2, D("240.00"), D("40.00"))
    assert set(Claim.objects.filter(pk__in=lines).values_list("status", flat=True)) == {ClaimStatus.IN_BATCH}
