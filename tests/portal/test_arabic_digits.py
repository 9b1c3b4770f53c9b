"""Digits typed on an Arabic keyboard (٠١٢…, ۰۱۲…) are taken as 0-9 where insured persons type an
identifier, on the pages and through the API; what is stored is 0-9 only."""
import pytest

from beneficiaries.models import RibChange
from beneficiaries.validators import ascii_digits
from claims.models import Claim
from tests.factories.beneficiaries import valid_rib
from tests.factories.mutuelles import PASSWORD
from tests.portal.conftest import claim_payload

pytestmark = pytest.mark.django_db
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def arabic(text: str) -> str:
    return text.translate(ARABIC)


def test_both_arabic_digit_sets_become_ascii_and_the_rest_is_kept():
    assert ascii_digits("AB ١٢٣-۴۵۶ x") == "AB 123-456 x"
    assert ascii_digits("FS-Béni-Mellal") == "FS-Béni-Mellal"


def test_a_rib_typed_in_arabic_digits_on_the_page_is_stored_in_ascii(member_client, member):
    # given
    new = valid_rib(3131)
    # when
    response = member_client.post("/espace/rib/", {"rib": arabic(f"{new[:3]} {new[3:]}"), "password": PASSWORD})
    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.rib == new
    assert RibChange.objects.get(insured=member).new_rib == new


def test_a_rib_typed_in_eastern_arabic_digits_through_the_api_is_stored_in_ascii(api, member):
    # given
    new = valid_rib(4343)
    # when
    response = api.post("/api/v1/moi/rib/", {"rib": new.translate(EASTERN), "password": PASSWORD}, format="json")
    # then
    assert response.status_code == 201
    member.refresh_from_db()
    assert member.rib == new


def test_a_wrong_rib_in_arabic_digits_is_still_refused_for_its_key(api, member):
    rib = valid_rib(7)
    wrong = rib[:-2] + f"{(int(rib[-2:]) + 1) % 100:02d}"
    response = api.post("/api/v1/moi/rib/", {"rib": arabic(wrong), "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["champs"]["rib"] == ["La clé du RIB est incorrecte : vérifiez les 24 chiffres."]
    assert not RibChange.objects.exists()


def test_a_claim_filed_through_the_api_with_arabic_digits_keeps_ascii_identifiers(api, member):
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(prescriber_inpe=arabic("123456789"),
                                                           provider_inpe=arabic("7654321"),
                                                           care_sheet_number=arabic("FS-2026-17")), format="json")
    # then
    assert response.status_code == 201
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.prescriber_inpe, claim.provider_inpe, claim.care_sheet_number) == (
        "123456789", "7654321", "FS-2026-17")


def test_phone_in_arabic_digits_is_accepted_on_the_api(api, member):
    response = api.patch("/api/v1/moi/", {"phone": arabic("+212 612-345678")}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone == "+212 612-345678"
