"""A claim is never paid more than it was liquidated: a partial bank rejection followed by a
rejected (or split) bordereau gives the claim back to "virement rejeté", still owing only the share
the bank refused (issue: complementary share paid twice)."""
from decimal import Decimal

import pytest

from claims.models import ClaimStatus
from payments.models import BordereauLine, LineState
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
