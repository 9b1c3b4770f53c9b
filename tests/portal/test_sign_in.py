"""Sign-in keeps faith with the person's address: typed in any case, the one changed in the profile once
confirmed (and no longer the old one), the demo accounts' addresses; failed tries count once per
account whatever the spelling, and a password reset lifts the account's lockout."""
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client

from claims.management.commands.load_demo_data import DEMO_PASSWORD
from portal.services.accounts import sign_in_username
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db
NEW_EMAIL = "amina.nouvelle@example.ma"
NEW_PASSWORD = "Tisane-de-Menthe-2026"


@pytest.fixture
def amina(mgpap):
    """An account opened online: its username is its address."""
    user = StaffFactory(role="assure", mutuelle=None, username="amina@example.ma", email="amina@example.ma")
    return InsuredFactory(mutuelle=mgpap, first_name="Amina", email="amina@example.ma", user=user)


@pytest.fixture
def karim(mgpap):
    """An account with a username that is not an address (as the demo accounts)."""
    user = StaffFactory(role="assure", mutuelle=None, username="karim.alaoui.test", email="karim.a@example.ma")
    return InsuredFactory(mutuelle=mgpap, first_name="Karim", email="karim.a@example.ma", user=user)


def sign_in(identifier: str, password: str = PASSWORD, client: Client | None = None):
    return (client or Client()).post("/connexion/", {"username": identifier, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/espace/"


@pytest.mark.parametrize("typed", ["amina@example.ma", "Amina@Example.MA", "  AMINA@EXAMPLE.MA "])
def test_the_address_signs_in_whatever_its_case(amina, typed):
    # when
    response = sign_in(typed)
    # then
    assert signed_in(response)


@pytest.mark.parametrize("typed", ["karim.alaoui.test", "Karim.Alaoui.Test", "karim.a@example.ma",
                                   "KARIM.A@example.MA"])
def test_an_account_with_a_username_signs_in_with_it_or_with_its_address(karim, typed):
    # when
    response = sign_in(typed)
    # then
    assert signed_in(response)


def test_a_wrong_password_with_the_address_is_refused(amina):
    # when
    response = sign_in("Amina@Example.MA", "pas-le-bon")
    # then
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()


def test_an_address_of_nobody_names_no_account(amina):
    # then
    assert sign_in_username("personne@example.ma") == "personne@example.ma"
    assert sign_in_username("amina@example") == "amina@example"


def confirm_new_address(insured, captured) -> None:
    client = Client()
    client.force_login(insured.user)
    with captured(execute=True):
        response = client.post("/espace/coordonnees/", {"email": NEW_EMAIL, "password": PASSWORD,
                                                        "phone": insured.phone, "address": insured.address,
                                                        "city": insured.city})
    assert response.status_code == 302
    message = next(m for m in mail.outbox if m.to == [NEW_EMAIL])
    line = next(line for line in message.body.splitlines() if "/espace/adresse/confirmer/" in line)
    link = "/" + line.split("://", 1)[1].split("/", 1)[1]
    with captured(execute=True):
        assert Client().post(link).status_code == 302


@pytest.mark.parametrize("who", ["amina", "karim"])
def test_after_a_confirmed_change_the_new_address_signs_in_and_the_old_one_no_longer(
        request, who, django_capture_on_commit_callbacks):
    # given
    insured = request.getfixturevalue(who)
    old = insured.user.email
    # when: asked, not confirmed yet
    client = Client()
    client.force_login(insured.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/espace/coordonnees/", {"email": NEW_EMAIL, "password": PASSWORD, "phone": insured.phone,
                                             "address": insured.address, "city": insured.city})
    # then: the old address still signs in, the new one not yet
    assert signed_in(sign_in(old.upper()))
    assert not signed_in(sign_in(NEW_EMAIL))
    # when: confirmed
    mail.outbox.clear()
    confirm_new_address(insured, django_capture_on_commit_callbacks)
    # then
    assert signed_in(sign_in(NEW_EMAIL.upper()))
    assert not signed_in(sign_in(old))


def test_failed_tries_in_several_spellings_count_against_one_account(amina):
    # given
    spellings = ["amina@example.ma", "Amina@example.ma", "AMINA@example.ma", "amina@Example.ma", "amina@EXAMPLE.MA"]
    assert len(spellings) >= settings.AXES_FAILURE_LIMIT
    for typed in spellings[:settings.AXES_FAILURE_LIMIT]:
        sign_in(typed, "pas-le-bon")
    # when
    response = sign_in("amina@example.ma")
    # then
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"amina@example.ma"}


def reset_password(address: str, new_password: str = NEW_PASSWORD):
    client = Client()
    client.post("/mot-de-passe/oubli/", {"email": address})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/mot-de-passe/nouveau/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    return client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password,
                                                         "new_password2": new_password})


@pytest.mark.parametrize("who", ["amina", "karim"])
def test_a_password_reset_lifts_the_lockout_of_the_account(request, who):
    # given: the account is locked out
    insured = request.getfixturevalue(who)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(insured.user.email, "pas-le-bon")
    assert sign_in(insured.user.email).status_code == 429
    # when
    response = reset_password(insured.user.email)
    # then
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=insured.user.username).exists()
    assert signed_in(sign_in(insured.user.email.upper(), NEW_PASSWORD))


def test_a_reset_lifts_only_its_own_accounts_lockout(amina, karim):
    # given: both accounts are locked out
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(amina.user.email, "pas-le-bon")
        sign_in(karim.user.email, "pas-le-bon")
    # when
    reset_password(amina.user.email)
    # then
    assert signed_in(sign_in(amina.user.email, NEW_PASSWORD))
    assert sign_in(karim.user.email).status_code == 429


def test_the_demo_accounts_sign_in_with_their_usernames_and_addresses():
    # given
    call_command("load_demo_data", verbosity=0)
    # then: the insured persons the README names, by username and by their address in capitals
    for username in ["karim.alaoui", "fatima.bennani", "abdellah.ouazzani"]:
        email = get_user_model().objects.get(username=username).email
        assert email.endswith("@example.ma")
        assert signed_in(sign_in(username, DEMO_PASSWORD)), username
        assert signed_in(sign_in(email.upper(), DEMO_PASSWORD)), email
