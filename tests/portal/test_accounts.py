"""Sign-up from the registry, sign-in with lockout, password reset, contact details and RIB change."""
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from beneficiaries.models import RibChange
from tests.factories.beneficiaries import InsuredFactory, valid_rib
from tests.factories.mutuelles import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tisane-de-Menthe-2026"


@pytest.fixture
def registry_person(mgpap):
    """An insured person of the registry without an online account yet."""
    return InsuredFactory(mutuelle=mgpap, registration_number="CN123456789", cnie="BK123456",
                          birth_date=date(1979, 8, 30), email="")


def signup_data(**overrides) -> dict:
    data = {"registration_number": "cn123456789", "cnie": "bk 123456", "birth_date": "1979-08-30",
            "email": "Nadia.Person@Example.ma", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(overrides)
    return data


def test_sign_up_opens_an_account_linked_to_the_registry_and_signs_in(client, registry_person):
    # when
    response = client.post("/inscription/", signup_data())
    # then
    assert response.status_code == 302
    assert response["Location"] == "/espace/"
    registry_person.refresh_from_db()
    user = registry_person.user
    assert user.username == user.email == "nadia.person@example.ma"
    assert user.role == "assure"
    assert not user.is_staff
    assert registry_person.email == "nadia.person@example.ma"
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize("overrides", [{"birth_date": "1979-08-31"}, {"cnie": "BK999999"},
                                       {"registration_number": "CN000"}])
def test_sign_up_with_data_that_match_nobody_is_refused_without_saying_which(client, registry_person, overrides):
    # when
    response = client.post("/inscription/", signup_data(**overrides))
    # then
    assert response.status_code == 400
    assert "Aucun assuré ne correspond à ces informations" in response.content.decode()
    assert not get_user_model().objects.filter(email="nadia.person@example.ma").exists()


def test_sign_up_with_arabic_keyboard_digits_finds_the_person_in_the_registry(client, registry_person):
    # when: the registration and CNIE numbers typed with Arabic-Indic digits
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    response = client.post("/inscription/", signup_data(registration_number="cn123456789".translate(arabic),
                                                        cnie="bk 123456".translate(arabic)))
    # then
    assert response.status_code == 302
    registry_person.refresh_from_db()
    assert registry_person.user.email == "nadia.person@example.ma"


def test_sign_up_keeps_what_was_typed_and_names_the_field_to_fix(client, registry_person):
    # when
    response = client.post("/inscription/", signup_data(password2="autre-chose-2026"))
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in page
    assert 'value="cn123456789"' in page
    assert 'href="#id_password2"' in page  # the summary at the top links to the field


def test_sign_up_refuses_a_weak_password_in_french(client, registry_person):
    # when
    response = client.post("/inscription/", signup_data(password1="12345678", password2="12345678"))
    # then
    assert response.status_code == 400
    assert "Ce mot de passe est entièrement numérique." in response.content.decode()
    assert registry_person.__class__.objects.get(pk=registry_person.pk).user is None


def test_sign_up_twice_for_the_same_person_is_refused(client, member):
    # when
    response = client.post("/inscription/", signup_data(
        registration_number=member.registration_number, cnie=member.cnie,
        birth_date=member.birth_date.isoformat(), email="autre@example.ma"))
    # then
    assert response.status_code == 400
    assert "Un compte existe déjà pour cet assuré" in response.content.decode()


def test_sign_up_attempts_are_limited_per_address(client, registry_person):
    # given
    for _ in range(10):
        client.post("/inscription/", signup_data(cnie="ZZ1"))
    # when
    response = client.post("/inscription/", signup_data())
    # then
    assert response.status_code == 429
    registry_person.refresh_from_db()
    assert registry_person.user is None


def test_sign_in_goes_to_the_personal_space(client, member):
    # when
    response = client.post("/connexion/", {"username": member.user.username, "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/espace/"


def test_repeated_failed_sign_ins_lock_the_account(client, member):
    # given
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/connexion/", {"username": member.user.username, "password": "pas-le-bon"})
    # when
    response = client.post("/connexion/", {"username": member.user.username, "password": PASSWORD})
    # then
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()


def test_session_expires_after_inactivity():
    # then
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_password_reset_sends_a_link_that_sets_a_new_password(client, member):
    # given
    member.user.email = "karim@example.ma"
    member.user.save()
    # when
    client.post("/mot-de-passe/oubli/", {"email": "karim@example.ma"})
    # then
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/mot-de-passe/nouveau/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                              "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)


def test_contact_details_are_updated(member_client, member):
    # when: the same e-mail address, new phone and city (no password needed)
    response = member_client.post("/espace/coordonnees/", {"email": member.user.email, "phone": "+212 661 00 11 22",
                                                          "address": "12 rue Oqba", "city": "Rabat"})
    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.phone, member.city) == ("+212 661 00 11 22", "Rabat")


def test_contact_form_names_a_bad_phone_in_french_and_keeps_the_input(member_client):
    # when
    response = member_client.post("/espace/coordonnees/", {"email": "k@example.ma", "phone": "appelle-moi"})
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Numéro de téléphone invalide" in page
    assert 'value="appelle-moi"' in page


def test_rib_change_page_asks_for_the_password_records_the_change_and_tells_by_email(
        member_client, member, django_capture_on_commit_callbacks):
    # given
    old = member.rib
    new = valid_rib(555)
    # when
    refused = member_client.post("/espace/rib/", {"rib": new, "password": "mauvais"})
    with django_capture_on_commit_callbacks(execute=True):
        accepted = member_client.post("/espace/rib/", {"rib": " ".join([new[:3], new[3:6], new[6:]]),
                                                       "password": PASSWORD})
    # then
    assert refused.status_code == 400
    assert "Mot de passe incorrect" in refused.content.decode()
    assert accepted.status_code == 302
    member.refresh_from_db()
    assert member.rib == new
    change = RibChange.objects.get(insured=member)
    assert (change.old_rib, change.new_rib) == (old, new)
    assert mail.outbox[-1].subject == "Votre RIB a été modifié"


def test_rib_change_page_refuses_a_rib_of_the_wrong_length_in_french(member_client, member):
    # when
    response = member_client.post("/espace/rib/", {"rib": "0115190000012050005349", "password": PASSWORD})
    # then
    assert response.status_code == 400
    assert "Le RIB doit comporter exactement 24 chiffres." in response.content.decode()
    assert not RibChange.objects.exists()
