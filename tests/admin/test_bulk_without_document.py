"""Bulk acceptance leaves aside the claims filed without any supporting document: each is
accepted from its own desk, knowingly."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import ClaimDecision, ClaimStatus
from claims.services.bulk_acceptance import accept_claims
from claims.services.controls import REVIEW_NO_DOCUMENT
from tests.admin.support import claim_in_control
from tests.factories.claims import act, with_document

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:claims_claim_changelist")


def desk(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


@pytest.fixture
def documented(insured, mgpap):
    """A claim with its care sheet, in control only because of its amount (manual-control threshold)."""
    mgpap.review_threshold = Decimal("1.00")
    mgpap.save(update_fields=["review_threshold"])
    return claim_in_control(insured=insured, documents=with_document(61))


@pytest.fixture
def bare(insured):
    """A claim filed without any document."""
    return claim_in_control(insured=insured, care_date=date(2026, 2, 9), lines=[act("C", "80.00")])


def test_bulk_accept_skips_claims_without_document_and_says_which_with_a_link(login, agent, documented, bare):
    # given
    assert REVIEW_NO_DOCUMENT in bare.review_reasons and REVIEW_NO_DOCUMENT not in documented.review_reasons
    # when
    response = login(agent).post(QUEUE, {
        "action": "accept_selected", "_selected_action": [documented.pk, bare.pk], "index": 0,
        f"version_{documented.pk}": documented.version, f"version_{bare.pk}": bare.version}, follow=True)
    # then: the documented claim is liquidated; the bare one is untouched, named, and linked to its desk
    documented.refresh_from_db()
    bare.refresh_from_db()
    assert documented.status == ClaimStatus.LIQUIDATED
    assert bare.status == ClaimStatus.IN_CONTROL
    assert not ClaimDecision.objects.filter(claim=bare).exists()
    page = response.content.decode()
    assert "1 dossier(s) non accepté(s) : aucune pièce justificative jointe" in page
    assert f'<a href="{desk(bare)}">{bare.number}</a>' in page
    assert f"{documented.number} non accepté" not in page


def test_service_returns_the_claims_left_for_one_by_one_acceptance(agent, documented, bare):
    # given
    shown = bare.version
    # when
    result = accept_claims(versions={documented.pk: documented.version, bare.pk: bare.version}, by=agent)
    # then
    assert result.liquidated == [documented.number]
    assert result.without_document == [(bare.pk, bare.number)]
    assert result.refused == []
    bare.refresh_from_db()
    assert bare.version == shown and bare.status == ClaimStatus.IN_CONTROL


def test_a_claim_without_document_is_accepted_from_its_desk_after_a_warning(login, agent, bare):
    client = login(agent)
    # given: its desk warns, and the button says what the agent confirms
    page = client.get(desk(bare)).content.decode()
    assert 'id="no-document-warning"' in page
    assert 'value="Accepter sans pièce justificative"' in page
    # when
    response = client.post(reverse("admin:claims_claim_decide", args=[bare.pk, "accepter"]),
                           {"accepter-version": bare.version}, follow=True)
    # then
    bare.refresh_from_db()
    assert bare.status == ClaimStatus.LIQUIDATED
    assert "accepté et liquidé" in response.content.decode()


def test_a_documented_claim_has_no_warning_on_its_desk(login, agent, documented):
    page = login(agent).get(desk(documented)).content.decode()
    assert 'id="no-document-warning"' not in page
    assert 'value="Accepter le dossier"' in page
