"""A claim is never paid more than it was liquidated: a partial bank rejection followed by a
rejected (or split) bordereau gives the claim back to "virement rejeté", still owing only the share
the bank refused (issue: complementary share paid twice)."""
from decimal import Decimal

import pytest

from claims.models import Claim, ClaimStatus
from payments.models import Bordereau, BordereauLine, LineState
from payments.services.bank_return import import_bank_return
from payments.services.building import request_bordereau
from payments.services.review import approve_bordereau, present_bordereau, reject_bordereau, split_bordereau
from tests.factories.beneficiaries import InsuredFactory
from tests.payments.support import bank_answer, total

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def pay(mgpap, cnops, supervisor, fund_officer, second_officer, django_capture_on_commit_callbacks):
    """The steps of a bordereau's life, each run the way the workers run it."""

    class Steps:
        @staticmethod
        def build():
            with django_capture_on_commit_callbacks(execute=True):
                bordereau = request_bordereau(mutuelle=mgpap, fund=cnops, by=second_officer)
            bordereau.refresh_from_db()
            return bordereau

        @staticmethod
        def send(bordereau):
            present_bordereau(bordereau=bordereau, by=supervisor)
            with django_capture_on_commit_callbacks(execute=True):
                approve_bordereau(bordereau=bordereau, by=fund_officer)
            bordereau.refresh_from_db()
            return bordereau

        @staticmethod
        def answer(bordereau, rejected=None):
            content = bank_answer(bordereau.transfer_order, rejected=rejected)
            with django_capture_on_commit_callbacks(execute=True):
                import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=fund_officer)
            bordereau.refresh_from_db()

        @staticmethod
        def reject(bordereau):
            with django_capture_on_commit_callbacks(execute=True):
                reject_bordereau(bordereau=bordereau, by=fund_officer, reason="totaux à revoir")

        @staticmethod
        def split(bordereau, claim):
            split_bordereau(bordereau=bordereau, line_ids=[bordereau.lines.get(claim=claim).pk], by=fund_officer,
                            reason="RIB à vérifier")

        @staticmethod
        def new_rib(claim):
            claim.insured.rib = InsuredFactory.build().rib
            claim.insured.save()

    return Steps


def _paid(claim) -> Decimal:
    return total(l.amo_paid + l.complementary_paid for l in BordereauLine.objects.filter(claim=claim))


@pytest.mark.parametrize("give_back", ["rejected", "split"])
def test_a_partly_paid_claim_given_back_by_a_bordereau_is_paid_exactly_its_liquidated_total(
        give_back, liquidated, pay, payer_accounts):
    # given a claim whose complementary share was paid and AMO share refused by the bank
    claim, other = liquidated(2)
    first = pay.send(pay.build())
    line = first.lines.get(claim=claim)
    pay.answer(first, rejected={f"{line.reference}-A": "AC04"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAYMENT_REJECTED
    # and a new RIB, a bordereau carrying only the AMO share, given back before payment
    pay.new_rib(claim)
    liquidated(1)  # another claim, so that the split leaves something in the bordereau
    second = pay.build()
    assert (second.lines.get(claim=claim).amo, second.lines.get(claim=claim).complementary) == (D("120.00"), D("0"))
    if give_back == "rejected":
        pay.reject(second)
    else:
        pay.split(second, claim)
    # when
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAYMENT_REJECTED
    third = pay.build()
    third_line = third.lines.get(claim=claim)
    pay.answer(pay.send(third))
    # then the claim is paid exactly what was liquidated, never the complementary share twice
    claim.refresh_from_db()
    assert (third_line.amo, third_line.complementary) == (D("120.00"), D("0.00"))
    assert claim.status == ClaimStatus.PAID
    assert _paid(claim) == claim.total_amo + claim.total_complementary
    assert (claim.amo_settled, claim.complementary_settled) == (claim.total_amo, claim.total_complementary)
    assert BordereauLine.objects.filter(claim=claim, state=LineState.PAID).count() == 1


def test_the_database_refuses_a_line_worth_more_than_the_claim_still_owes(liquidated, pay, payer_accounts):
    # given a claim whose complementary share the bank paid, the AMO share refused
    from django.db import IntegrityError, transaction

    claim = liquidated(1)[0]
    first = pay.send(pay.build())
    line = first.lines.get()
    pay.answer(first, rejected={f"{line.reference}-A": "AC04"})
    claim.refresh_from_db()
    spare = Bordereau.objects.create(mutuelle=first.mutuelle, fund=first.fund, built_by=first.built_by)
    # when a line carrying both shares again is written behind the services' back
    with pytest.raises(IntegrityError, match="dépasse"), transaction.atomic():
        BordereauLine.objects.create(bordereau=spare, claim=claim, reference="HORS-REGLE", claim_number=claim.number,
                                     payee_name="x", patient_name="x", rib=line.rib, amo=claim.total_amo,
                                     complementary=claim.total_complementary)
    # then nothing was written, and a line for what is still due is accepted
    assert not BordereauLine.objects.filter(reference="HORS-REGLE").exists()
    with transaction.atomic():
        BordereauLine.objects.create(bordereau=spare, claim=claim, reference="DU", claim_number=claim.number,
                                     payee_name="x", patient_name="x", rib=line.rib, amo=claim.total_amo,
                                     complementary=D("0.00"))
    assert BordereauLine.objects.filter(reference="DU").exists()


def test_the_database_refuses_more_confirmed_paid_than_liquidated(liquidated):
    # given
    from django.db import IntegrityError, transaction

    claim = liquidated(1)[0]
    # when / then
    with pytest.raises(IntegrityError, match="claim_settled_within_liquidated"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(complementary_settled=claim.total_complementary + D("0.01"))
    claim.refresh_from_db()
    assert claim.complementary_settled == D("0.00")


def test_the_liquidated_amounts_of_a_claim_in_a_bordereau_cannot_change(liquidated, pay, payer_accounts):
    # given a claim in a bordereau
    from django.db import IntegrityError, transaction

    claim = liquidated(1)[0]
    pay.build()
    # when its totals are changed behind the services' back
    with pytest.raises(IntegrityError, match="bordereau"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(total_amo=claim.total_amo + D("10.00"))
    # then they are unchanged, and the line still matches them
    claim.refresh_from_db()
    assert claim.total_amo == BordereauLine.objects.get(claim=claim).amo


def test_a_second_return_repeating_settled_transfers_adds_nothing_to_the_counts(liquidated, pay, payer_accounts,
                                                                                 fund_officer,
                                                                                 django_capture_on_commit_callbacks):
    # given a bordereau settled by a first return
    from datetime import date

    liquidated(2)
    bordereau = pay.send(pay.build())
    pay.answer(bordereau)
    before = [(c.status, c.amo_settled, c.complementary_settled) for c in Claim.objects.order_by("pk")]
    # when the bank sends another file (another date) with the same answers
    content = bank_answer(bordereau.transfer_order, processed_on=date(2026, 3, 5))
    with django_capture_on_commit_callbacks(execute=True):
        second = import_bank_return(bordereau=bordereau, content=content, file_name="retour-bis.txt",
                                    by=fund_officer)
    # then it is recorded, counting nothing twice
    assert (second.accepted_count, second.rejected_count, second.known_count) == (0, 0, 4)
    assert (second.accepted_total, second.rejected_total) == (D("0.00"), D("0.00"))
    assert [(c.status, c.amo_settled, c.complementary_settled) for c in Claim.objects.order_by("pk")] == before


def test_every_status_change_of_a_bordereau_is_recorded(liquidated, pay, payer_accounts, supervisor, fund_officer):
    # given / when a bordereau built, presented, approved, sent and settled
    liquidated(1)
    bordereau = pay.send(pay.build())
    pay.answer(bordereau)
    # then its history says who moved it, from where to where
    history = list(bordereau.status_changes.values_list("from_status", "to_status", "changed_by"))
    assert [(h[0], h[1]) for h in history] == [
        ("", "en_preparation"), ("en_preparation", "constitue"), ("constitue", "presente"),
        ("presente", "approuve"), ("approuve", "transmis"), ("transmis", "solde")]
    assert history[2][2] == supervisor.pk and history[3][2] == fund_officer.pk


def test_a_bordereau_cannot_skip_a_step(liquidated, pay, payer_accounts, fund_officer):
    # given a built bordereau
    from payments.exceptions import BordereauStateError
    from payments.workflow import transition_bordereau

    liquidated(1)
    bordereau = pay.build()
    # when / then
    with pytest.raises(BordereauStateError):
        transition_bordereau(bordereau=bordereau, to="transmis", by=fund_officer)
    bordereau.refresh_from_db()
    assert bordereau.status == "constitue"
    assert not bordereau.status_changes.filter(to_status="transmis").exists()


def test_the_reconciliation_finds_a_claim_paid_other_than_liquidated(liquidated, pay, payer_accounts, login,
                                                                     fund_officer, mgen, settings):
    # given two paid claims, one of whose lines is then altered behind the services' back
    from django.core import mail

    from payments.reconciliation import claims_out_of_balance, report_breaches
    from tests.factories.mutuelles import StaffFactory

    good, bad = liquidated(2)
    pay.answer(pay.send(pay.build()))
    assert not claims_out_of_balance().exists()
    BordereauLine.objects.filter(claim=bad).update(complementary_paid=D("0.00"))
    settings.ADMINS = [("Trésorerie", "tresorerie@example.org")]
    # when
    found = list(claims_out_of_balance())
    count = report_breaches()
    # then the altered claim alone is reported, to the administrators too
    assert [c.pk for c in found] == [bad.pk] and count == 1
    assert mail.outbox[-1].to == ["tresorerie@example.org"] and bad.number in mail.outbox[-1].body
    page = login(fund_officer).get("/admin/payments/paymentreconciliation/")
    assert page.status_code == 200 and bad.number in page.content.decode() and good.number not in page.content.decode()
    other = login(StaffFactory(role="superviseur", mutuelle=mgen)).get("/admin/payments/paymentreconciliation/")
    assert bad.number not in other.content.decode()
