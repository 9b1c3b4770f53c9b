"""French first, Arabic as the second language of the whole portal (right to left)."""
import pytest
from django.utils import translation

from beneficiaries.services import entitlement
from claims.services.pricing import REASON_MESSAGES
from portal.labels import STATUS_LABELS

pytestmark = pytest.mark.django_db


def test_pages_are_french_by_default(member_client):
    # when
    page = member_client.get("/espace/").content.decode()
    # then
    assert '<html lang="fr" dir="ltr">' in page
    assert "Vos droits au" in page


def test_the_language_switch_turns_the_portal_arabic_and_right_to_left(member_client):
    # when
    switched = member_client.post("/langue/setlang/", {"language": "ar", "next": "/espace/"})
    page = member_client.get("/espace/").content.decode()
    # then
    assert switched.status_code == 302
    assert '<html lang="ar" dir="rtl">' in page
    assert "حقوقكم بتاريخ" in page
    assert "Vos droits au" not in page


def test_an_arabic_browser_gets_the_arabic_sign_in_page(client):
    # when
    page = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    # then
    assert 'dir="rtl"' in page
    assert "تسجيل الدخول" in page


@pytest.mark.parametrize("message", [
    *[value for name, value in vars(entitlement).items() if name.startswith("MSG_")],
    *REASON_MESSAGES.values(),
    *[str(label) for label in STATUS_LABELS.values()],
])
def test_domain_messages_shown_to_insured_persons_have_an_arabic_translation(message):
    # when
    with translation.override("ar"):
        translated = translation.gettext(message)
    # then
    assert translated != message


def test_api_errors_stay_french_for_an_english_speaking_client(api):
    # when
    response = api.post("/api/v1/dossiers/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 400
    assert response.json()["extra"]["champs"]["care_date"] == ["Ce champ est obligatoire."]


def test_a_rights_message_with_its_limit_is_translated_then_given_the_limit(member_client, member):
    # given: a son of 23 without a certificate of higher studies
    from datetime import date

    from django.utils import timezone

    from tests.factories.beneficiaries import DependentFactory

    today = timezone.localdate()
    DependentFactory(insured=member, first_name="Mehdi", birth_date=date(today.year - 23, 1, 1))
    member_client.post("/langue/setlang/", {"language": "ar", "next": "/espace/"})
    # when
    page = member_client.get("/espace/").content.decode()
    # then: the Arabic sentence, with the régime's limit put in
    assert "تجاوز الابن 21 سنة وليست لديه شهادة دراسات عليا صالحة في هذا التاريخ." in page
    assert "{limit}" not in page
