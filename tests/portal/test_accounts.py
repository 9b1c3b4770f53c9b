"""Sign-up from the registry, sign-in with lockout, password reset, contact details and RIB change."""
import re
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

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
            "email": "Nadia.Person@Example.ma"}
    data.update(overrides)
    return data


def link_in(message) -> str:
    """The path of the portal's link in an email."""
    line = next(line for line in message.body.splitlines() if line.startswith(settings.PORTAL_BASE_URL))
    return line.removeprefix(settings.PORTAL_BASE_URL)


def without_csrf(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_sign_up_sends_a_link_that_opens_the_account_linked_to_the_registry(
        client, registry_person, django_capture_on_commit_callbacks):
    # when: the person asks for an account
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inscription/", signup_data())
    # then: no account yet, a link to the address typed
    assert response.status_code == 302
    assert response["Location"] == "/inscription/envoyee/"
    registry_person.refresh_from_db()
    assert registry_person.user is None
    assert [m.to for m in mail.outbox] == [["nadia.person@example.ma"]]
    # when: they follow it and choose their password
    link = link_in(mail.outbox[0])
    assert "nadia.person@example.ma" in client.get(link).content.decode()
    opened = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    # then: the account is open and signed in
    assert opened.status_code == 302
    assert opened["Location"] == "/espace/"
    registry_person.refresh_from_db()
    user = registry_person.user
    assert user.username == user.email == "nadia.person@example.ma"
    assert user.role == "assure"
    assert not user.is_staff
    assert user.check_password(NEW_PASSWORD)
    assert registry_person.email == "nadia.person@example.ma"
    assert client.get("/espace/").status_code == 200


def test_sign_up_answers_the_same_whether_nobody_matches_the_account_exists_or_the_address_is_taken(
        registry_person, member, mgpap, django_capture_on_commit_callbacks):
    # given: a person of the registry with an account, and an address already used by an account
    from tests.factories.mutuelles import StaffFactory

    member.user.email = "karim@example.ma"
    member.user.save()
    StaffFactory(role="assure", mutuelle=None, username="hind@example.ma", email="hind@example.ma")
    attempts = {
        "personne": signup_data(cnie="BK999999"),
        "compte existant": signup_data(registration_number=member.registration_number, cnie=member.cnie,
                                       birth_date=member.birth_date.isoformat(), email="voleur@example.ma"),
        "adresse prise": signup_data(email="HIND@example.ma"),
        "nouveau compte": signup_data(),
    }
    # when: each is tried by a stranger, in a browser of its own
    answers, pages, sent = {}, {}, {}
    for case, data in attempts.items():
        browser = Client()
        with django_capture_on_commit_callbacks(execute=True):
            answers[case] = browser.post("/inscription/", data)
        pages[case] = browser.get(answers[case]["Location"])
        sent[case] = [(m.to, m.subject) for m in mail.outbox]
        mail.outbox.clear()
    # then: the same answer, byte for byte, and the same page after it
    assert len({(r.status_code, r["Location"], r.content) for r in answers.values()}) == 1
    assert len({(p.status_code, without_csrf(p.content)) for p in pages.values()}) == 1
    # and the details go by email, to the registered address only
    assert sent == {
        "personne": [],
        "compte existant": [(["karim@example.ma"], "Votre compte assuré existe déjà")],
        "adresse prise": [(["hind@example.ma"], "Demande de compte avec votre adresse")],
        "nouveau compte": [(["nadia.person@example.ma"], "Ouverture de votre compte assuré")],
    }
    assert get_user_model().objects.filter(email__in=["voleur@example.ma", "nadia.person@example.ma"]).count() == 0


def test_sign_up_with_arabic_keyboard_digits_finds_the_person_in_the_registry(
        client, registry_person, django_capture_on_commit_callbacks):
    # when: the registration and CNIE numbers typed with Arabic-Indic digits
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inscription/", signup_data(registration_number="cn123456789".translate(arabic),
                                                            cnie="bk 123456".translate(arabic)))
    # then
    assert response.status_code == 302
    assert [m.subject for m in mail.outbox] == ["Ouverture de votre compte assuré"]


def test_sign_up_keeps_what_was_typed_and_names_the_field_to_fix(client, registry_person):
    # when
    response = client.post("/inscription/", signup_data(email="pas-une-adresse"))
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="cn123456789"' in page
    assert 'href="#id_email"' in page  # the summary at the top links to the field
    assert not mail.outbox


def test_the_link_refuses_a_weak_password_in_french_and_opens_nothing(
        client, registry_person, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/inscription/", signup_data())
    link = link_in(mail.outbox[0])
    # when
    weak = client.post(link, {"password1": "12345678", "password2": "12345678"})
    different = client.post(link, {"password1": NEW_PASSWORD, "password2": "autre-chose-2026"})
    # then
    assert weak.status_code == different.status_code == 400
    assert "Ce mot de passe est entièrement numérique." in weak.content.decode()
    assert "Les deux mots de passe ne sont pas identiques." in different.content.decode()
    registry_person.refresh_from_db()
    assert registry_person.user is None


def test_the_link_opens_one_account_once_and_cannot_be_forged(
        client, registry_person, django_capture_on_commit_callbacks):
    # given: two requests for the same person, to two addresses
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/inscription/", signup_data())
        client.post("/inscription/", signup_data(email="autre@example.ma"))
    first, second = (link_in(m) for m in mail.outbox)
    # when: the first opens the account, then the second is tried, and a tampered one
    client.post(first, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    late = client.post(second, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    forged = client.get(first[:-6] + "AAAAA/")
    # then
    assert late.status_code == forged.status_code == 400
    assert "Ce lien n'est plus valable" in late.content.decode()
    assert list(get_user_model().objects.filter(insured=registry_person).values_list("email", flat=True)) == [
        "nadia.person@example.ma"]


def test_sign_up_attempts_are_limited_per_address(client, registry_person, django_capture_on_commit_callbacks):
    # given
    for _ in range(10):
        client.post("/inscription/", signup_data(cnie="ZZ1"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/inscription/", signup_data())
    # then
    assert response.status_code == 429
    assert not mail.outbox


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


@pytest.mark.parametrize("address", ["hind@example.ma", "HIND@Example.MA"])
def test_contact_email_cannot_be_set_to_another_accounts_address(member_client, api, member, address,
                                                                 django_capture_on_commit_callbacks):
    # given: another insured person's account
    from django.core import mail

    from tests.factories.mutuelles import StaffFactory

    StaffFactory(role="assure", mutuelle=None, username="hind.b", email="hind@example.ma")
    before = member.email
    # when: the page (with the password, as an e-mail change requires) and the API ask for it
    with django_capture_on_commit_callbacks(execute=True):
        page = member_client.post("/espace/coordonnees/", {"email": address, "password": PASSWORD, "phone": "",
                                                           "address": "", "city": ""})
    api.patch("/api/v1/moi/", {"email": address}, format="json")
    # then: the same answer as for a free address, nothing changed, and the other account's address
    # (whatever its case) got a notice, never a confirmation link
    assert page.status_code == 302
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.email == before and member.user.email.lower() != "hind@example.ma"
    notices = [m for m in mail.outbox if m.to == ["hind@example.ma"]]
    assert notices and all("/espace/adresse/confirmer/" not in m.body for m in notices)


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
