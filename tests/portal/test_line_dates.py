"""A date per line on the claim form and in the API: optional, the claim's by default, checked."""
from datetime import timedelta

import pytest
from django.utils import timezone

from claims.models import Claim
from tests.portal.conftest import claim_payload
from tests.portal.test_pages import claim_form

pytestmark = pytest.mark.django_db
NEW = "/espace/dossiers/nouveau/"


def test_the_form_offers_a_date_per_line_and_the_preview_takes_it(member_client):
    care = timezone.localdate() - timedelta(days=3)
    page = member_client.get(NEW).content.decode()
    assert 'name="lignes-0-care_date"' in page and 'type="date"' in page
    preview = member_client.post(NEW, claim_form(**{"lignes-1-care_date": (care + timedelta(days=1)).isoformat()}))
    assert preview.status_code == 200
    assert "Remboursement estimé" in preview.content.decode()


@pytest.mark.parametrize(("days", "words"), [(-1, "ne peut pas précéder la date des soins du dossier"),
                                             (+5, "ne peut pas être postérieure à la date de dépôt")])
def test_a_bad_line_date_on_the_form_is_named_on_its_row_and_nothing_is_filed(member_client, member, days, words):
    care = timezone.localdate() - timedelta(days=3)
    response = member_client.post(NEW, claim_form(action="envoyer", **{
        "care_date": care.isoformat(), "lignes-1-care_date": (care + timedelta(days=days)).isoformat()}))
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert words in page
    assert "Ligne 2" in page
    assert not Claim.objects.filter(insured=member).exists()


def test_the_api_takes_a_date_per_line_and_gives_it_back(api, member):
    payload = claim_payload()
    care = payload["care_date"]
    later = (timezone.localdate() - timedelta(days=1)).isoformat()
    payload["lines"][1]["care_date"] = later
    response = api.post("/api/v1/dossiers/", payload, format="json")
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(pk=response.json()["id"])
    assert [line.care_date.isoformat() for line in claim.lines.order_by("position")] == [care, later]
    detail = api.get(f"/api/v1/dossiers/{claim.pk}/").json()
    assert [line["care_date"] for line in detail["lines"]] == [care, later]


def test_the_api_refuses_a_line_date_in_the_future_naming_the_line_and_field(api, member):
    payload = claim_payload()
    payload["lines"][1]["care_date"] = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = api.post("/api/v1/dossiers/", payload, format="json")
    assert response.status_code == 400
    assert "Ligne 2 — La date des soins de la ligne" in str(response.json())
    assert not Claim.objects.filter(insured=member).exists()


def test_the_api_and_the_form_take_the_providers_sector(api, member, member_client):
    payload = claim_payload()
    payload["lines"][1]["provider_sector"] = "public"
    response = api.post("/api/v1/dossiers/", payload, format="json")
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(pk=response.json()["id"])
    assert [line.provider_sector for line in claim.lines.order_by("position")] == ["prive", "public"]
    assert 'name="lignes-0-provider_sector"' in member_client.get(NEW).content.decode()
    public_lab = {"lignes-1-kind": "acte", "lignes-1-cotation": "B 60", "lignes-1-amount_paid": "66",
                  "lignes-1-provider_sector": "public"}
    preview = member_client.post(NEW, claim_form(**public_lab))
    assert "secteur public" in preview.content.decode()


def test_the_draft_keeps_each_lines_date_and_sector_and_gives_them_back(member_client, member):
    from portal.models import ClaimDraft

    care = timezone.localdate() - timedelta(days=3)
    line_date = (care + timedelta(days=1)).isoformat()
    member_client.post(NEW, claim_form(prescriber_inpe="", **{"lignes-1-care_date": line_date,
                                                              "lignes-0-provider_sector": "public"}))
    draft = ClaimDraft.objects.get(user=member.user)
    assert (draft.fields["lignes-1-care_date"], draft.fields["lignes-0-provider_sector"]) == (line_date, "public")
    page = member_client.get(NEW).content.decode()
    assert f'value="{line_date}"' in page
