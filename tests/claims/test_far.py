"""FAR: no complementary rate is supported by a source (domain.md §8.4); its members' lines pay the
AMO share alone, with the reason, and the liquidation goes through."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.models import ClaimStatus
from mutuelles.models import ComplementaryRate, Mutuelle
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim, medicine, with_document

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_far_has_no_complementary_rate_and_a_reload_withdraws_any_left():
    far = Mutuelle.objects.get(code="FAR")
    ComplementaryRate.objects.create(mutuelle=far, group="actes", rate=D("0.2000"), valid_from=date(2005, 9, 1))
    call_command("load_reference_data", verbosity=0)
    assert not ComplementaryRate.objects.filter(mutuelle=far).exists()


def test_a_far_members_claim_is_liquidated_with_no_complementary_share_and_says_why(
        django_capture_on_commit_callbacks):
    member = InsuredFactory(mutuelle=Mutuelle.objects.get(code="FAR"))
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_claim(insured=member, care_date=date(2026, 2, 2), documents=with_document(7),
                           lines=[act("Cs", "250.00"), medicine("6118000000002", "11.50")])
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    consultation, drug = claim.lines.order_by("position")
    assert (consultation.amo_amount, consultation.complementary_amount, consultation.reason_code) == (
        D("120.00"), D("0.00"), "")
    assert drug.complementary_amount == D("0.00")
    for line in (consultation, drug):
        assert "aucun taux complémentaire connu pour cette mutuelle à cette date" in line.explanation
