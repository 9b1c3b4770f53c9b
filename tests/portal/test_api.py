"""The insured persons' API: token, me, dependants, rights, claims, documents, statements."""
import io
from datetime import date

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from beneficiaries.models import RibChange
from claims.models import Claim, ClaimStatus, DocumentRequest
from claims.services.review import request_documents
from portal.models import ApiToken
from portal.services.tokens import token_digest
from tests.factories.beneficiaries import valid_rib
from tests.factories.mutuelles import PASSWORD
from tests.portal.conftest import claim_payload, liquidated_claim

pytestmark = pytest.mark.django_db


def png(seed: int = 1) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color=(seed % 256, 90, 200)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = f"photo-{seed}.png"
    return buffer


def test_token_is_given_for_an_insured_persons_credentials(member):
    # given
    client = APIClient()
    # when
    response = client.post("/api/v1/jeton/", {"username": member.user.username, "password": PASSWORD}, format="json")
    # then
    assert response.status_code == 200
    assert ApiToken.objects.get(user=member.user).digest == token_digest(response.json()["token"])


def test_token_is_given_for_the_e_mail_address_in_any_case(member):
    # given: the app signs in with the address as the person typed it
    member.user.email = "Amina.Sign@Example.MA"
    member.user.save(update_fields=["email"])
    client = APIClient()
    # when
    response = client.post("/api/v1/jeton/", {"username": "  amina.sign@example.ma", "password": PASSWORD},
                           format="json")
    # then
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=member.user).count() == 1


def test_token_is_refused_for_a_wrong_password_with_a_french_message(member):
    # given
    client = APIClient()
    # when
    response = client.post("/api/v1/jeton/", {"username": member.user.username, "password": "faux"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["message"] == "Identifiant ou mot de passe incorrect."
    assert not ApiToken.objects.filter(user=member.user).exists()


def test_token_is_refused_to_staff_accounts(agent):
    # given
    client = APIClient()
    # when
    response = client.post("/api/v1/jeton/", {"username": agent.username, "password": PASSWORD}, format="json")
    # then
    assert response.status_code == 400


def test_anonymous_requests_are_refused():
    # when
    response = APIClient().get("/api/v1/moi/")
    # then
    assert response.status_code in (401, 403)
    assert response.json()["message"]


def test_me_returns_the_registration_card_data(api, member):
    # when
    response = api.get("/api/v1/moi/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["registration_number"] == member.registration_number
    assert body["mutuelle"]["code"] == "MGPAP"
    assert body["rib_last_digits"] == f"…{member.rib[-4:]}"


def test_me_patch_updates_contact_details_only(api, member):
    # when
    response = api.patch("/api/v1/moi/", {"phone": "0661 22 33 44", "city": "Fès", "cnie": "ZZ999"}, format="json")
    # then
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.phone, member.city) == ("0661 22 33 44", "Fès")
    assert member.cnie != "ZZ999"


def test_me_patch_names_a_bad_email_in_french(api):
    # when
    response = api.patch("/api/v1/moi/", {"email": "pas-une-adresse"}, format="json")
    # then
    assert response.status_code == 400
    assert "email" in response.json()["extra"]["champs"]


def test_rib_change_asks_for_the_password_and_is_recorded(api, member):
    # given
    new_rib = valid_rib(4242)
    # when
    refused = api.post("/api/v1/moi/rib/", {"rib": new_rib, "password": "mauvais"}, format="json")
    accepted = api.post("/api/v1/moi/rib/", {"rib": new_rib, "password": PASSWORD}, format="json")
    # then
    assert refused.status_code == 400
    assert refused.json()["extra"]["champs"]["password"] == ["Mot de passe incorrect : le RIB n'a pas été modifié."]
    assert accepted.status_code == 201
    member.refresh_from_db()
    assert member.rib == new_rib
    change = RibChange.objects.get(insured=member)
    assert change.new_rib == new_rib
    assert change.changed_by == member.user


def test_rib_change_refuses_a_wrong_key_in_french(api, member):
    # given
    rib = valid_rib(7)
    wrong = rib[:-2] + f"{(int(rib[-2:]) + 1) % 100:02d}"
    # when
    response = api.post("/api/v1/moi/rib/", {"rib": wrong, "password": PASSWORD}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["extra"]["champs"]["rib"] == ["La clé du RIB est incorrecte : vérifiez les 24 chiffres."]
    assert not RibChange.objects.exists()


def test_dependants_are_listed(api, member):
    # when
    response = api.get("/api/v1/ayants-droit/")
    # then
    assert response.status_code == 200
    assert [d["first_name"] for d in response.json()] == ["Adam"]


def test_rights_on_a_date_give_each_persons_entitlement(api, member):
    # when
    response = api.get("/api/v1/droits/", {"date": "2037-06-01"})
    # then
    assert response.status_code == 200
    rows = response.json()
    assert rows[0]["beneficiary"] is None
    assert rows[0]["entitled"] is True
    adam = rows[1]
    assert adam["entitled"] is False
    assert adam["code"] == "age_depasse_21"


def test_rights_refuse_a_malformed_date_in_french(api):
    # when
    response = api.get("/api/v1/droits/", {"date": "31/12/2026"})
    # then
    assert response.status_code == 400
    assert "date" in response.json()["extra"]["champs"]


def test_claim_is_created_with_its_lines_and_liquidated(api, member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/dossiers/", claim_payload(), format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    claim = Claim.objects.get(pk=body["id"])
    assert claim.insured == member
    assert claim.lines.count() == 2
    assert body["number"] == claim.number
    assert [line["cotation"] for line in body["lines"]] == ["Cs", "B 60"]
    detail = api.get(f"/api/v1/dossiers/{claim.pk}/").json()
    assert detail["status"] in {ClaimStatus.LIQUIDATED, ClaimStatus.IN_CONTROL}
    assert detail["lines"][0]["tariff"] == "150.00"
    assert detail["lines"][0]["amo"] == "120.00"


def test_claim_for_a_dependant_names_the_dependant(api, member):
    # given
    adam = member.dependents.get()
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(beneficiary=adam.pk), format="json")
    # then
    assert response.status_code == 201
    assert Claim.objects.get(pk=response.json()["id"]).dependent == adam


def test_claim_for_another_familys_dependant_is_refused(api, stranger):
    # given
    from tests.factories.beneficiaries import DependentFactory

    foreign = DependentFactory(insured=stranger)
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(beneficiary=foreign.pk), format="json")
    # then
    assert response.status_code == 400
    assert response.json()["extra"]["champs"]["beneficiary"] == ["Choisissez l'assuré ou l'un de ses ayants droit."]
    assert not Claim.objects.filter(dependent=foreign).exists()


def test_same_idempotency_key_with_another_body_is_a_conflict(api, member):
    # given
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-3f1c2b"}
    api.post("/api/v1/dossiers/", claim_payload(), format="json", **headers)
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(prescriber_inpe="987654321"), format="json", **headers)
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "cle_idempotence_reutilisee"
    assert Claim.objects.filter(insured=member).count() == 1


def test_too_long_idempotency_key_is_refused(api):
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 81)
    # then
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["extra"]["champs"]


@pytest.mark.parametrize(("payload", "field"), [
    (claim_payload(care_date="2026-13-01"), "care_date"),
    (claim_payload(prescriber_inpe="12AB"), "prescriber_inpe"),
    (claim_payload(lines=[]), "lines"),
    (claim_payload(lines=[{"kind": "acte", "cotation": "Cs", "paid": "12.345"}]), "lines"),
    (claim_payload(lines=[{"kind": "acte", "cotation": "Cs", "paid": "-1"}]), "lines"),
    (claim_payload(lines=[{"kind": "acte", "paid": "10"}]), "lines"),
    (claim_payload(lines=[{"kind": "radio", "cotation": "Z 30", "paid": "10"}]), "lines"),
    (claim_payload(beneficiary="moi"), "beneficiary"),
    (claim_payload(beneficiary=10**30), "beneficiary"),
    (claim_payload(care_date="1999-01-01"), "care_date"),
])
def test_bad_claim_input_is_a_400_naming_the_field_in_french(api, payload, field):
    # when
    response = api.post("/api/v1/dossiers/", payload, format="json")
    # then
    assert response.status_code == 400
    body = response.json()
    assert field in body["extra"]["champs"]
    assert body["code"] == "donnees_invalides"
    assert not Claim.objects.exists()


def test_future_care_date_is_refused_by_the_intake_in_french(api):
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(care_date="2099-01-01"), format="json")
    # then
    assert response.status_code == 400
    assert response.json()["extra"]["champs"]["care_date"] == [
        "La date des soins ne peut pas être postérieure à la date de dépôt."]


def test_claims_are_listed_paginated_and_filtered(api, member):
    # given
    for amount in ("100.00", "110.00", "120.00"):
        api.post("/api/v1/dossiers/", claim_payload(lines=[{"kind": "acte", "cotation": "C", "paid": amount}]),
                 format="json")
    adam = member.dependents.get()
    api.post("/api/v1/dossiers/", claim_payload(beneficiary=adam.pk), format="json")
    # when
    everything = api.get("/api/v1/dossiers/").json()
    for_adam = api.get("/api/v1/dossiers/", {"beneficiary": str(adam.pk)}).json()
    rejected = api.get("/api/v1/dossiers/", {"status": "rejete"}).json()
    # then
    assert everything["count"] == 4
    assert len(everything["results"]) == 4
    assert for_adam["count"] == 1
    assert for_adam["results"][0]["beneficiary"] == adam.pk
    assert rejected["count"] == 0


def test_claim_filters_refuse_bad_values_in_french(api):
    # when
    response = api.get("/api/v1/dossiers/", {"status": "inconnu", "care_date_from": "hier"})
    # then
    assert response.status_code == 400
    assert set(response.json()["extra"]["champs"]) == {"status", "care_date_from"}


def test_requested_documents_added_through_the_api_send_the_claim_back_to_control(
        api, member, agent, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        body = api.post("/api/v1/dossiers/", claim_payload(), format="json").json()
    claim = Claim.objects.get(pk=body["id"])
    assert claim.status == ClaimStatus.IN_CONTROL  # no document attached: an agent looks at it
    request_documents(claim=claim, version=claim.version, by=agent, missing="Ordonnance signée du médecin")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/dossiers/{claim.pk}/pieces/", {"kind": "ordonnance", "files": [png(5)]},
                            format="multipart")
    # then
    assert response.status_code == 201
    claim.refresh_from_db()
    assert claim.documents.count() == 1
    assert DocumentRequest.objects.get(claim=claim).fulfilled_at is not None
    assert claim.status_changes.filter(from_status=ClaimStatus.DOCUMENTS_REQUESTED,
                                       to_status=ClaimStatus.SUBMITTED).exists()
    assert claim.status != ClaimStatus.DOCUMENTS_REQUESTED


def test_a_file_that_is_not_an_image_or_pdf_is_refused_before_anything_is_saved(api, member):
    # given
    claim_id = api.post("/api/v1/dossiers/", claim_payload(), format="json").json()["id"]
    fake = io.BytesIO(b"MZ\x90\x00 not a picture at all")
    fake.name = "photo.jpg"
    # when
    response = api.post(f"/api/v1/dossiers/{claim_id}/pieces/", {"files": [fake]}, format="multipart")
    # then
    assert response.status_code == 400
    assert "n'est ni un PDF, ni une image JPEG ou PNG" in response.json()["message"]
    assert Claim.objects.get(pk=claim_id).documents.count() == 0


def test_statement_pdf_is_served_once_the_claim_is_liquidated(api, member):
    # given
    claim = liquidated_claim(member, seed=77)
    assert claim.status == ClaimStatus.LIQUIDATED
    # when
    response = api.get(f"/api/v1/dossiers/{claim.pk}/decompte/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_own_document_is_downloaded_through_the_api(api, member):
    # given
    claim = liquidated_claim(member, seed=78)
    document = claim.documents.get()
    # when
    detail = api.get(f"/api/v1/dossiers/{claim.pk}/").json()
    response = api.get(detail["documents"][0]["url"])
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert detail["documents"][0]["id"] == document.pk


def test_statement_of_a_claim_not_yet_liquidated_is_a_404(api, member):
    # given
    claim_id = api.post("/api/v1/dossiers/", claim_payload(), format="json").json()["id"]
    Claim.objects.filter(pk=claim_id).update(status=ClaimStatus.SUBMITTED)
    # when
    response = api.get(f"/api/v1/dossiers/{claim_id}/decompte/")
    # then
    assert response.status_code == 404


def test_rights_attestation_pdf(api):
    # when
    response = api.get("/api/v1/attestation-de-droits/", {"date": date(2026, 3, 1).isoformat()})
    # then
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_ping_answers_a_constant_without_authentication():
    # when
    response = APIClient().get(reverse("portal-api-ping"))
    # then
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_token_requests_are_locked_after_repeated_failures(member):
    # given
    from django.conf import settings

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/jeton/", {"username": member.user.username, "password": "faux"}, format="json")
    # when
    response = client.post("/api/v1/jeton/", {"username": member.user.username, "password": PASSWORD}, format="json")
    # then
    assert response.status_code in (403, 429)
    assert not ApiToken.objects.filter(user=member.user).exists()


def test_interactive_documentation_is_served_without_internet(client):
    # when
    page = client.get("/api/v1/docs/").content.decode()
    schema = client.get("/api/v1/schema/?format=json").json()
    # then
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "/api/v1/dossiers/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["jetonAssure"]["name"] == "Authorization"
