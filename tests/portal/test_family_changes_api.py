"""The family declarations through the API (the mobile app): the same rules as the pages, the same
errors naming the field, and another person's declaration or document is a 404."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries.models import Dependent
from beneficiaries.models_family import FamilyChangeRequest
from beneficiaries.services.family_changes import accept_family_change, refuse_family_change
from portal.services.tokens import issue_token
from tests.beneficiaries.family_support import declare, newborn, registry_state, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/famille/declarations/"


def today():
    return timezone.localdate()


def birth(**overrides) -> dict:
    data = {"kind": "naissance", "last_name": "Alaoui", "first_name": "Lina",
            "birth_date": (today() - timedelta(days=9)).isoformat(), "sex": "F", "document": upload(7)}
    return {**data, **overrides}


def test_a_birth_is_declared_then_followed_to_its_acceptance(api, member, agent):
    # when
    created = api.post(URL, birth(), format="multipart")
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["status"], body["status_label"]) == ("naissance", "en_attente", "en attente")
    assert body["documents"][0]["kind"] == "acte_naissance"
    # and once accepted, the date of effect and the new dependant
    accept_family_change(request_id=body["id"], by=agent)
    detail = api.get(f"{URL}{body['id']}/").json()
    child = Dependent.objects.get(insured=member, first_name="Lina")
    assert (detail["status"], detail["effective_on"], detail["new_dependent"]) == ("acceptee", today().isoformat(),
                                                                                   child.pk)
    assert child.pk in [d["id"] for d in api.get("/api/v1/ayants-droit/").json()]


def test_a_refusal_gives_its_reason(api, member, agent):
    change = declare(member, "naissance", **newborn())
    refuse_family_change(request_id=change.pk, by=agent, reason="Acte illisible.")
    listed = api.get(URL).json()
    assert [(row["number"], row["status"], row["refusal_reason"]) for row in listed] == [
        (change.number, "refusee", "Acte illisible.")]


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(api, member):
    before = registry_state()
    response = api.post(URL, birth(birth_date=(today() + timedelta(days=2)).isoformat()), format="multipart")
    assert response.status_code == 400
    assert response.json()["extra"]["champs"] == {"birth_date": ["Date de naissance : elle ne peut pas être dans le "
                                                                 "futur."]}
    assert registry_state() == before


def test_a_missing_document_is_named(api):
    response = api.post(URL, birth(document=""), format="multipart")
    assert response.status_code == 400
    assert "Acte de naissance : joignez le document" in response.json()["message"]


def test_a_second_pending_declaration_is_a_conflict(api, member):
    declare(member, "naissance", **newborn())
    response = api.post(URL, birth(birth_date=newborn()["birth_date"].isoformat()), format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "declaration_deja_en_attente"


def test_another_persons_declaration_and_document_are_a_404(api, stranger):
    # given
    theirs = declare(stranger, "naissance", **newborn(first_name="Hiba"))
    document = theirs.documents.get()
    # then
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.get(f"{URL}{theirs.pk}/pieces/{document.pk}/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/retrait/").status_code == 404
    assert api.get(URL).json() == []
    assert FamilyChangeRequest.objects.get(pk=theirs.pk).status == "en_attente"


def test_the_person_downloads_their_document_and_withdraws(api, member):
    change = declare(member, "naissance", **newborn())
    document = change.documents.get()
    download = api.get(f"{URL}{change.pk}/pieces/{document.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    withdrawn = api.post(f"{URL}{change.pk}/retrait/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "retiree"
    assert api.post(f"{URL}{change.pk}/retrait/").status_code == 409


def test_a_child_declared_elsewhere_is_told_without_naming_the_other_family(api, member, mgen):
    from tests.factories.beneficiaries import DependentFactory, InsuredFactory

    other = InsuredFactory(mutuelle=mgen, registration_number="IMM-AUTRE-777")
    DependentFactory(insured=other, first_name="Lina", last_name="Alaoui", birth_date=today() - timedelta(days=9))
    response = api.post(URL, birth(), format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "enfant_deja_declare"
    assert "IMM-AUTRE-777" not in response.content.decode()


def test_staff_tokens_cannot_reach_the_declarations(agent):
    client = APIClient()
    client.force_authenticate(agent)
    assert client.get(URL).status_code in (403, 404)


def test_another_person_with_their_own_token_sees_only_theirs(stranger, member):
    mine = declare(member, "naissance", **newborn())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=stranger.user, name='x')[1]}")
    assert client.get(f"{URL}{mine.pk}/").status_code == 404
