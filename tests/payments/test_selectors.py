"""Who sees which bordereau, and what the insured person reads about the payment of a claim."""
from datetime import date
from decimal import Decimal

import pytest

from mutuelles.models import AMOFund
from payments.selectors import bordereaux_visible_to, claim_payments, held_claims_visible_to, lines_visible_to
from payments.services.bank_return import import_bank_return
from payments.services.review import split_bordereau
from tests.factories.mutuelles import StaffFactory
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db


def claim_ids(bordereau) -> list[int]:
    return list(bordereau.lines.order_by("pk").values_list("claim_id", flat=True))


def test_the_payment_reads_in_preparation_while_the_bordereau_is_reviewed(bordereau):
    # when
    payments = claim_payments(claim_ids=claim_ids(bordereau))
    # then
    line = bordereau.lines.order_by("pk").first()
    payment = payments[line.claim_id]
    assert (payment.batch_number, payment.status, payment.paid_on) == (bordereau.number, "en préparation", None)
    assert (payment.amo, payment.complementary) == (Decimal("120.00"), Decimal("40.00"))
    assert payment.rib_last_digits == f"…{line.rib[-4:]}"


def test_the_payment_reads_transfer_sent_once_the_order_is_issued(sent):
    # when
    payments = claim_payments(claim_ids=claim_ids(sent))
    # then
    assert {p.status for p in payments.values()} == {"virement émis"}


def test_the_payment_reads_paid_with_its_date_or_rejected_with_the_bank_reason(sent, fund_officer,
                                                                              django_capture_on_commit_callbacks):
    # given
    refused = sent.lines.order_by("pk").first()
    content = bank_answer(sent.transfer_order, rejected={f"{refused.reference}-A": "AC04"})
    with django_capture_on_commit_callbacks(execute=True):
        import_bank_return(bordereau=sent, content=content, file_name="r.txt", by=fund_officer)
    # when
    payments = claim_payments(claim_ids=claim_ids(sent))
    # then
    rejected, paid = (payments[pk] for pk in claim_ids(sent))
    assert (rejected.status, rejected.bank_reason, rejected.paid_on) == ("rejeté par la banque", "compte clôturé", None)
    assert (paid.status, paid.paid_on, paid.bank_reason) == ("payé", date(2026, 3, 2), "")


def test_a_claim_pulled_out_of_its_bordereau_has_no_payment_to_show(bordereau, fund_officer):
    # given
    pulled = bordereau.lines.order_by("pk").first()
    split_bordereau(bordereau=bordereau, line_ids=[pulled.pk], by=fund_officer, reason="à revoir")
    # when
    payments = claim_payments(claim_ids=claim_ids(bordereau))
    # then
    assert pulled.claim_id not in payments
    assert len(payments) == 1


def test_claims_never_in_a_bordereau_are_absent(liquidated):
    # given
    claim = liquidated(1)[0]
    # when / then
    assert claim_payments(claim_ids=[claim.pk]) == {}


def test_organisme_staff_see_their_organisme_s_bordereaux_only(bordereau, fund_officer):
    # given
    cnss = StaffFactory(role="organisme", mutuelle=None, fund=AMOFund.objects.get(code="CNSS"))
    # then
    assert list(bordereaux_visible_to(user=fund_officer)) == [bordereau]
    assert not bordereaux_visible_to(user=cnss).exists()
    assert not lines_visible_to(user=cnss).exists()


def test_mutuelle_staff_see_their_mutuelle_s_bordereaux_only(bordereau, agent, other_agent):
    # then
    assert list(bordereaux_visible_to(user=agent)) == [bordereau]
    assert not bordereaux_visible_to(user=other_agent).exists()


def test_insured_persons_and_anonymous_visitors_see_no_bordereau(bordereau, liquidated):
    # given
    from django.contrib.auth.models import AnonymousUser

    insured_user = StaffFactory(role="assure", is_staff=False)
    # then
    assert not bordereaux_visible_to(user=insured_user).exists()
    assert not bordereaux_visible_to(user=AnonymousUser()).exists()
    assert not held_claims_visible_to(user=insured_user).exists()
