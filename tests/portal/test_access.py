"""Object-level access: an insured person reaches nothing of another insured person (404), on the
pages and through the API; staff accounts have no insured person's space."""
import io

import pytest
from PIL import Image

from claims.models import Claim, ClaimDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(stranger):
    """The other insured person's liquidated claim and its document."""
    claim = Claim.objects.get(insured=stranger)
    return claim, claim.documents.get()


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), color=(1, 2, 3)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "intrus.png"
    return buffer


@pytest.mark.parametrize("url", [
    "/espace/dossiers/{claim}/",
    "/espace/dossiers/{claim}/recepisse/",
    "/espace/dossiers/{claim}/decompte.pdf",
    "/documents/{document}/",
    "/documents/{document}/?telecharger=1",
])
def test_pages_of_another_insured_persons_claim_are_404(member_client, foreign, url):
    # given
    claim, document = foreign
    # when
    response = member_client.get(url.format(claim=claim.pk, document=document.pk))
    # then
    assert response.status_code == 404


def test_adding_documents_to_another_insured_persons_claim_is_404_and_changes_nothing(member_client, foreign):
    # given
    claim, _ = foreign
    # when
    response = member_client.post(f"/espace/dossiers/{claim.pk}/pieces/", {"kind": "autre", "files": [_png()]})
    # then
    assert response.status_code == 404
    assert ClaimDocument.objects.filter(claim=claim).count() == 1


def test_claim_list_page_shows_only_own_claims(member_client, foreign):
    # given
    claim, _ = foreign
    # when
    response = member_client.get("/espace/dossiers/")
    # then
    assert response.status_code == 200
    assert claim.number not in response.content.decode()


@pytest.mark.parametrize("url", [
    "/api/v1/dossiers/{claim}/",
    "/api/v1/dossiers/{claim}/decompte/",
])
def test_api_reads_of_another_insured_persons_claim_are_404(api, foreign, url):
    # given
    claim, _ = foreign
    # when
    response = api.get(url.format(claim=claim.pk))
    # then
    assert response.status_code == 404
    assert claim.number not in response.content.decode()


def test_api_document_upload_to_another_insured_persons_claim_is_404(api, foreign):
    # given
    claim, _ = foreign
    # when
    response = api.post(f"/api/v1/dossiers/{claim.pk}/pieces/", {"files": [_png()]}, format="multipart")
    # then
    assert response.status_code == 404
    assert ClaimDocument.objects.filter(claim=claim).count() == 1


@pytest.mark.parametrize("own_claim", [False, True])
def test_api_document_download_of_another_insured_person_is_404(api, member, foreign, own_claim):
    # given
    from tests.portal.conftest import liquidated_claim

    claim, document = foreign
    claim_id = liquidated_claim(member, seed=31).pk if own_claim else claim.pk
    # when
    response = api.get(f"/api/v1/dossiers/{claim_id}/pieces/{document.pk}/")
    # then
    assert response.status_code == 404


def test_api_claim_list_shows_only_own_claims(api, foreign):
    # when
    response = api.get("/api/v1/dossiers/")
    # then
    assert response.json()["count"] == 0


def test_api_filter_on_another_familys_dependant_returns_nothing(api, stranger):
    # given
    from tests.factories.beneficiaries import DependentFactory

    foreign_child = DependentFactory(insured=stranger)
    # when
    response = api.get("/api/v1/dossiers/", {"beneficiary": str(foreign_child.pk)})
    # then
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_staff_account_gets_no_insured_space(client, agent):
    # given
    client.force_login(agent)
    # when
    page = client.get("/espace/")
    # then
    assert page.status_code == 403
    assert "Espace réservé aux assurés" in page.content.decode()


def test_staff_account_gets_nothing_from_the_insured_api(agent):
    # given
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)
    # when
    response = client.get("/api/v1/moi/")
    # then: refused before anything is looked up (no second factor outside a verified session)
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, foreign):
    # given
    claim, _ = foreign
    # when
    response = client.get(f"/espace/dossiers/{claim.pk}/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
