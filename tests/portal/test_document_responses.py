"""Every view that serves a document serves it as a download (Content-Disposition: attachment) or,
for an image shown in the page, under a sandbox policy; never a PDF inline; always nosniff."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from amo_portal.documents import check_document
from claims.services.processing import liquidate_pending_claims
from mutuelles.services import system_user
from tests.factories.claims import act, file_claim, with_document
from tests.portal.conftest import CARE_DATE

pytestmark = pytest.mark.django_db


def pdf_document():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color=(255, 255, 255)).save(buffer, format="PDF")
    return check_document(SimpleUploadedFile("ordonnance.pdf", buffer.getvalue(), content_type="application/pdf"))


def assert_served_safely(response) -> None:
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response.get("Content-Disposition", "")
    sandboxed = response.get("Content-Security-Policy", "").startswith("sandbox")
    assert disposition.startswith("attachment;") or sandboxed, (disposition, response.get("Content-Security-Policy"))
    if response["Content-Type"].startswith("application/pdf"):
        assert disposition.startswith("attachment;")


@pytest.fixture
def claim(member):
    """A liquidated claim of the member with a PDF and an image."""
    filed = file_claim(insured=member, lines=[act("Cs", "150.00")], care_date=CARE_DATE, filed_on=CARE_DATE,
                       documents=[("ordonnance", pdf_document()), *with_document(seed=77)])
    liquidate_pending_claims(by=system_user())
    filed.refresh_from_db()
    return filed


def documents(claim):
    return claim.documents.get(content_type="application/pdf"), claim.documents.get(content_type="image/png")


def test_the_portal_page_download_serves_a_pdf_as_an_attachment_and_an_image_sandboxed(member_client, claim):
    # given
    pdf, image = documents(claim)
    # when
    pdf_response = member_client.get(reverse("claims:document", args=[pdf.pk]))
    image_response = member_client.get(reverse("claims:document", args=[image.pk]))
    image_download = member_client.get(reverse("claims:document", args=[image.pk]) + "?telecharger=1")
    # then
    for response in (pdf_response, image_response, image_download):
        assert_served_safely(response)
    assert pdf_response["Content-Disposition"].startswith("attachment;")
    assert image_response["Content-Disposition"].startswith("inline;")
    assert image_response["Content-Security-Policy"].startswith("sandbox;")
    assert image_download["Content-Disposition"].startswith("attachment;")


def test_the_agents_download_serves_a_pdf_as_an_attachment(login, agent, claim):
    # given
    pdf, image = documents(claim)
    client = login(agent)
    # when / then
    for document in (pdf, image):
        assert_served_safely(client.get(reverse("claims:document", args=[document.pk])))


def test_the_api_download_serves_documents_as_attachments(api, claim):
    # given
    pdf, image = documents(claim)
    # when / then
    for document in (pdf, image):
        response = api.get(f"/api/v1/dossiers/{claim.pk}/pieces/{document.pk}/")
        assert_served_safely(response)
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("url", [
    "/espace/dossiers/{pk}/decompte.pdf", "/espace/attestation-de-droits.pdf",
    "/api/v1/dossiers/{pk}/decompte/", "/api/v1/attestation-de-droits/",
])
def test_statements_and_attestations_are_attachments(member_client, api, claim, url):
    # when
    client = api if url.startswith("/api/") else member_client
    response = client.get(url.format(pk=claim.pk))
    # then
    assert_served_safely(response)


def test_the_admin_csv_export_is_an_attachment(login, agent, claim):
    # when
    response = login(agent).post(reverse("admin:claims_claim_changelist"),
                                 {"action": "export_csv", "_selected_action": [claim.pk], "index": 0})
    # then
    assert_served_safely(response)
