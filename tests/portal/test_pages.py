"""The insured person's pages: home, filing with a preview and a receipt, follow-up, PDFs."""
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from claims.models import Claim, ClaimDocument, ClaimStatus, DocumentRequest
from claims.services.review import request_documents
from tests.factories.beneficiaries import DependentFactory, ETMAccordFactory
from tests.portal.conftest import liquidated_claim

pytestmark = pytest.mark.django_db


def photo(seed: int = 1, name: str = "feuille.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color=(seed % 256, 140, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def claim_form(**overrides) -> dict:
    data = {
        "beneficiary": "assure", "care_date": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "prescriber_inpe": "123456789", "action": "simuler",
        "lignes-TOTAL_FORMS": "6", "lignes-INITIAL_FORMS": "0", "lignes-MIN_NUM_FORMS": "0",
        "lignes-MAX_NUM_FORMS": "50",
        "lignes-0-kind": "acte", "lignes-0-cotation": "Cs", "lignes-0-quantity": "1", "lignes-0-amount_paid": "250",
        "lignes-1-kind": "medicament", "lignes-1-medicine_code": "6118000000002", "lignes-1-quantity": "1",
        "lignes-1-amount_paid": "11,50",
    }
    for i in range(2, 6):
        data.update({f"lignes-{i}-kind": "acte", f"lignes-{i}-quantity": "1"})
    data.update(overrides)
    return data


def test_home_shows_rights_of_each_person_and_the_end_for_a_child_nearing_21(member_client, member):
    # given
    today = timezone.localdate()
    near = DependentFactory(insured=member, first_name="Salma", birth_date=date(today.year - 21, today.month, 1)
                            - timedelta(days=1 if today.day == 1 else 0))
    DependentFactory(insured=member, first_name="Omar", relationship="enfant",
                     birth_date=date(today.year - 23, 1, 1))
    # when
    page = member_client.get("/espace/").content.decode()
    # then
    assert "Vos droits au" in page
    assert "Salma" in page
    assert "Couvert(e) jusqu'au" in page
    assert "L&#x27;enfant a dépassé 21 ans" in page  # Omar, no study certificate
    assert member.registration_number in page
    assert member.affiliation_number in page
    assert near.full_name in page


def test_home_lists_etm_accords_and_last_claims_with_the_amount_paid(member_client, member):
    # given
    ETMAccordFactory(insured=member, accord_number="ETM-2025-1234")
    claim = liquidated_claim(member, seed=41)
    # when
    page = member_client.get("/espace/").content.decode()
    # then
    assert "ETM-2025-1234" in page
    assert claim.number in page
    assert "liquidé" in page
    assert "150,00" in page  # 120 AMO + 30 complementary on a Cs at 150


def test_claim_is_previewed_then_sent_and_a_receipt_is_shown(member_client, member,
                                                            django_capture_on_commit_callbacks):
    # given
    preview = member_client.post("/espace/dossiers/nouveau/", {**claim_form(), "care_sheet_files": [photo(1)]})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Remboursement estimé" in page
    assert not Claim.objects.filter(insured=member).exists()
    token = preview.context["form"]["documents_token"].value()
    print_ = preview.context["form"]["preview_print"].value()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = member_client.post("/espace/dossiers/nouveau/", {
            **claim_form(action="envoyer"), "documents_token": token, "preview_print": print_})
    # then
    claim = Claim.objects.get(insured=member)
    assert sent.status_code == 302
    assert sent["Location"] == f"/espace/dossiers/{claim.pk}/recepisse/"
    receipt = member_client.get(sent["Location"]).content.decode()
    assert claim.number in receipt
    assert claim.filed_on.strftime("%d/%m/%Y") in receipt
    assert claim.documents.count() == 1
    assert claim.lines.count() == 2
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert any(claim.number in m.subject for m in mail.outbox)


def test_sending_a_claim_twice_from_the_same_preview_files_it_once(member_client, member):
    # given
    preview = member_client.post("/espace/dossiers/nouveau/", {**claim_form(), "care_sheet_files": [photo(2)]})
    hidden = {"documents_token": preview.context["form"]["documents_token"].value(),
              "preview_print": preview.context["form"]["preview_print"].value()}
    # when
    first = member_client.post("/espace/dossiers/nouveau/", {**claim_form(action="envoyer"), **hidden})
    second = member_client.post("/espace/dossiers/nouveau/", {**claim_form(action="envoyer"), **hidden})
    # then
    assert first.status_code == 302
    assert second.status_code in (200, 302)
    assert Claim.objects.filter(insured=member).count() == 1


def test_changing_the_claim_after_the_preview_shows_a_new_preview_instead_of_sending(member_client, member):
    # given
    preview = member_client.post("/espace/dossiers/nouveau/", claim_form())
    hidden = {"documents_token": preview.context["form"]["documents_token"].value(),
              "preview_print": preview.context["form"]["preview_print"].value()}
    # when
    response = member_client.post("/espace/dossiers/nouveau/", {
        **claim_form(action="envoyer", **{"lignes-0-amount_paid": "300"}), **hidden})
    # then
    assert response.status_code == 200
    assert "Remboursement estimé" in response.content.decode()
    assert not Claim.objects.filter(insured=member).exists()


def test_claim_form_errors_are_named_in_french_and_what_was_typed_is_kept(member_client, member):
    # when
    response = member_client.post("/espace/dossiers/nouveau/", claim_form(**{
        "prescriber_inpe": "12", "lignes-0-cotation": "???", "lignes-1-amount_paid": "douze"}))
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in page
    assert "Cotation illisible" in page
    assert "Saisissez un montant en dirhams" in page
    assert 'value="douze"' in page
    assert 'value="???"' in page
    assert not Claim.objects.exists()


def test_intake_errors_come_back_on_the_form(member_client):
    # when
    response = member_client.post("/espace/dossiers/nouveau/", claim_form(prescriber_inpe="12"))
    # then
    assert response.status_code == 400
    assert "L&#x27;INPE doit comporter de 6 à 12 chiffres." in response.content.decode()


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_before_anything_is_saved(member_client, member):
    # given
    fake = SimpleUploadedFile("feuille.png", b"<?php echo 'not an image'; ?>", content_type="image/png")
    # when
    response = member_client.post("/espace/dossiers/nouveau/", {**claim_form(), "care_sheet_files": [fake]})
    # then
    assert response.status_code == 400
    assert "n&#x27;est ni un PDF, ni une image JPEG ou PNG" in response.content.decode()
    assert not Claim.objects.exists()
    assert not ClaimDocument.objects.exists()


def test_a_medicine_named_instead_of_coded_is_found_when_only_one_matches(member_client):
    # when
    response = member_client.post("/espace/dossiers/nouveau/", claim_form(**{
        "lignes-1-medicine_code": "paracetamol cooper"}))
    # then
    assert response.status_code == 200
    assert response.context["lines"].forms[1].cleaned_data["medicine_code"] == "6118000000002"


def test_claim_page_shows_the_timeline_and_the_liquidation_line_by_line(member_client, member):
    # given
    claim = liquidated_claim(member, seed=42)
    # when
    page = member_client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    # then
    assert "déposé" in page
    assert "liquidé" in page
    assert "120,00" in page
    assert "30,00" in page
    assert "Télécharger le décompte (PDF)" in page


def test_requested_documents_are_shown_and_adding_them_sends_the_claim_back(
        member_client, member, agent, django_capture_on_commit_callbacks):
    # given
    from tests.factories.claims import act
    from tests.portal.conftest import CARE_DATE

    claim = liquidated_claim(member, seed=43, lines=[act("Cs", "150.00"), act("XYZ 3", "90.00")])
    assert claim.status == ClaimStatus.IN_CONTROL  # an unknown cotation sends it to an agent
    request_documents(claim=claim, version=claim.version, by=agent, missing="Copie de l'ordonnance")
    page = member_client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    assert "Copie de l&#x27;ordonnance" in page
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/espace/dossiers/{claim.pk}/pieces/",
                                      {"kind": "ordonnance", "files": [photo(9, "ordonnance.jpg")]})
    # then
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.documents.count() == 2
    assert DocumentRequest.objects.get(claim=claim).fulfilled_at is not None
    assert claim.status_changes.filter(to_status=ClaimStatus.SUBMITTED, reason_code="pieces_fournies").exists()
    assert claim.care_date == CARE_DATE


def test_documents_cannot_be_added_to_a_liquidated_claim(member_client, member):
    # given
    claim = liquidated_claim(member, seed=44)
    # when
    response = member_client.post(f"/espace/dossiers/{claim.pk}/pieces/", {"kind": "autre", "files": [photo(3)]})
    # then
    assert response.status_code == 400
    assert "on ne peut plus y ajouter de pièces" in response.content.decode()
    assert claim.documents.count() == 1


def test_statement_and_attestation_are_pdfs(member_client, member):
    # given
    claim = liquidated_claim(member, seed=45)
    # when
    statement = member_client.get(f"/espace/dossiers/{claim.pk}/decompte.pdf")
    attestation = member_client.get("/espace/attestation-de-droits.pdf")
    # then
    assert statement.status_code == attestation.status_code == 200
    assert statement["Content-Type"] == attestation["Content-Type"] == "application/pdf"
    assert statement.content.startswith(b"%PDF")
    assert attestation.content.startswith(b"%PDF")


def test_claim_list_filters_by_status(member_client, member):
    # given
    claim = liquidated_claim(member, seed=46)
    # when
    liquidated = member_client.get("/espace/dossiers/", {"statut": "liquide"}).content.decode()
    rejected = member_client.get("/espace/dossiers/", {"statut": "rejete"}).content.decode()
    # then
    assert claim.number in liquidated
    assert claim.number not in rejected


def test_public_simulator_page_uses_the_api_code_path(client):
    # when
    response = client.post("/simulateur/", {
        "mutuelle": "MGPAP", "care_date": "2025-03-10", "filing_date": "2025-03-20", "relationship": "assure",
        "birth_date": "1980-01-01", "l0_kind": "acte", "l0_cotation": "Cs", "l0_quantity": "1", "l0_paid": "250,00"})
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "120,00" in page
    assert "30,00" in page


def test_public_simulator_page_names_bad_fields_in_french(client):
    # when
    response = client.post("/simulateur/", {"mutuelle": "MGPAP", "care_date": "", "relationship": "assure",
                                            "birth_date": "1980-01-01", "l0_cotation": "Cs", "l0_paid": "abc"})
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in page
    assert "montant payé" in page


def test_documents_of_a_preview_never_confirmed_are_deleted_after_a_day(member):
    # given
    import os
    import time

    from django.core.files.storage import default_storage

    from portal.services.uploads import stash_documents, stashed_documents
    from tests.factories.claims import image_document

    old = stash_documents(user=member.user, documents=[("autre", image_document(61))])
    manifest = default_storage.path(f"pending/{member.user.pk}/{old}/manifest.json")
    two_days_ago = time.time() - 2 * 86400
    os.utime(manifest, (two_days_ago, two_days_ago))
    # when
    new = stash_documents(user=member.user, documents=[("autre", image_document(62))])
    # then
    assert stashed_documents(user=member.user, token=old) == []
    assert len(stashed_documents(user=member.user, token=new)) == 1
