"""The switch-over of the public sector's AMO from the CNOPS to the CNSS (law 54-23, domain.md §8.2).

The date is reference data (mutuelles/data/regimes.yaml, unknown today); these tests move it. The
amounts follow the régime (its values on the care date) and never change; the payer of the AMO
share is the régime's payer on the day a claim enters a bordereau, and with it the bordereau, the
debited account and what the insured person reads.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.models import ClaimStatusChange
from claims.services.simulation import SimulatedBeneficiary, simulate
from mutuelles.models import AMOFund, Regime, RegimePayer
from mutuelles.selectors import payer_on
from payments.models import Payer
from payments.services.review import approve_bordereau, present_bordereau
from payments.transfer_file import parse_transfer_order
from portal.presenters import payer_names
from portal.services.statements import claim_statement_pdf
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim, with_document
from tests.factories.mutuelles import StaffFactory
from tests.payments.support import CNOPS_IBAN, file_liquidated, pdf_text

pytestmark = pytest.mark.django_db
CNSS_IBAN = "MA64011519000001205000999939"


def file_today(insured, *, seed: int):
    """A claim for care three days ago, filed and liquidated today (eager worker)."""
    from django.db import transaction

    from claims.models import Claim

    today = timezone.localdate()
    with transaction.atomic():
        claim = file_claim(insured=insured, lines=[act("Cs", "250.00")], care_date=today - timedelta(days=3),
                           filed_on=today, documents=with_document(seed))
    return Claim.objects.get(pk=claim.pk)


def switch_over(on: date) -> None:
    """The public sector's régime paid by the CNSS from `on`, as regimes.yaml will say it."""
    public = Regime.objects.get(code="AMO-PUBLIC")
    RegimePayer.objects.filter(regime=public, fund__code="CNOPS").update(valid_to=on)
    RegimePayer.objects.create(regime=public, fund=AMOFund.objects.get(code="CNSS"), valid_from=on,
                               source="date de bascule (essai)")


@pytest.fixture
def cnss(db):
    AMOFund.objects.filter(code="CNSS").update(iban=CNSS_IBAN)
    return AMOFund.objects.get(code="CNSS")


def test_the_payer_is_the_cnops_the_day_before_and_the_cnss_the_day_of_the_switch_over():
    # given
    day = date(2027, 7, 1)
    public = Regime.objects.get(code="AMO-PUBLIC")
    # when
    switch_over(day)
    # then
    assert AMOFund.objects.get(pk=payer_on(regime_id=public.pk, on=day - timedelta(days=1))).code == "CNOPS"
    assert AMOFund.objects.get(pk=payer_on(regime_id=public.pk, on=day)).code == "CNSS"


def test_a_claim_filed_on_the_day_of_the_switch_over_is_the_cnss_s_at_the_same_amounts(
        mgpap, cnss, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        before = file_liquidated(InsuredFactory(mutuelle=mgpap), seed=1)
    # when
    switch_over(timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        after = file_today(InsuredFactory(mutuelle=mgpap), seed=2)
    before.refresh_from_db()
    after.refresh_from_db()
    # then
    assert (before.fund.code, after.fund.code) == ("CNOPS", "CNSS")
    assert (after.total_amo, after.total_complementary) == (before.total_amo, before.total_complementary)
    assert (after.total_amo, after.total_complementary) == (Decimal("120.00"), Decimal("40.00"))


def test_the_day_before_the_switch_over_the_bordereau_is_the_cnops_s(liquidated, build, mgpap, payer_accounts, cnss):
    # given
    claims = liquidated(2)
    switch_over(timezone.localdate() + timedelta(days=1))
    # when
    bordereau = build(mgpap)
    # then
    assert bordereau.fund.code == "CNOPS"
    assert {c.fund.code for c in claims} == {"CNOPS"}
    assert not ClaimStatusChange.objects.filter(reason_code="changement_payeur").exists()


def test_claims_liquidated_before_and_paid_after_the_switch_over_are_paid_by_the_cnss(
        liquidated, mgpap, payer_accounts, cnss, supervisor, django_capture_on_commit_callbacks):
    # given: liquidated while the CNOPS paid
    claims = liquidated(2)
    assert {c.fund.code for c in claims} == {"CNOPS"}
    officer = StaffFactory(role="organisme", mutuelle=None, fund=cnss)
    # when: the switch-over is today, then the bordereau is built, presented and approved
    switch_over(timezone.localdate())
    from mutuelles.services import system_user
    from payments.services.building import request_bordereau

    with django_capture_on_commit_callbacks(execute=True):
        bordereau = request_bordereau(mutuelle=mgpap, fund=cnss, by=system_user())
    bordereau.refresh_from_db()
    present_bordereau(bordereau=bordereau, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_bordereau(bordereau=bordereau, by=officer)
    bordereau.refresh_from_db()
    # then: the CNSS pays from its account, the amounts are those liquidated
    assert (bordereau.fund.code, bordereau.line_count) == ("CNSS", 2)
    assert bordereau.total_amo == sum(c.total_amo for c in claims) == Decimal("240.00")
    amo_section = parse_transfer_order(bordereau.transfer_order.file.open("rb").read()).sections[0]
    assert (amo_section.payer_iban, amo_section.total) == (CNSS_IBAN, Decimal("240.00"))
    assert amo_section.payer_iban != CNOPS_IBAN
    # and each claim says so: in its history (without an e-mail) and to the insured person
    for claim in claims:
        claim.refresh_from_db()
        move = claim.status_changes.get(reason_code="changement_payeur")
        assert move.notified_at is not None and "CNSS" in move.reason
        assert payer_names(claim)[Payer.AMO] == "CNSS"
        assert "Caisse nationale de s" in pdf_text(claim_statement_pdf(claim=claim))  # the décompte's organisme


def test_the_simulator_names_the_payer_and_the_amounts_of_a_real_claim_across_the_switch_over(
        mgpap, cnss, django_capture_on_commit_callbacks):
    # given
    switch_over(timezone.localdate())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_today(InsuredFactory(mutuelle=mgpap), seed=3)
    claim.refresh_from_db()
    result = simulate(mutuelle=mgpap, care_date=claim.care_date, treatment_end_date=None, filing_date=claim.filed_on,
                      beneficiary=SimulatedBeneficiary("assure", date(1980, 4, 12)), etm=None,
                      lines=[act("Cs", "250.00")])
    # then
    assert result.payer_id == claim.fund_id == cnss.pk
    assert (result.totals.amo, result.totals.complementary) == (claim.total_amo, claim.total_complementary)
