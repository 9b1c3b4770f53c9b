"""Staff accounts never sign in nor reset their password on the insured persons' pages: their session would
be password-deep, without the second factor that the back office asks."""
import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories.mutuelles import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_with_the_right_password_are_sent_to_the_staff_login(client, fund_officer):
    # when: the CNOPS officer's password typed on the insured persons' login page
    response = client.post("/connexion/", {"username": fund_officer.username, "password": PASSWORD})
    # then: no session, and the page says where staff sign in
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Ce compte est un compte du personnel" in response.content.decode()
    assert reverse("admin:login") in response.content.decode()
    assert client.get(reverse("payments:dashboard"))["Location"].startswith(reverse("admin:login"))


def test_staff_with_a_wrong_password_read_the_usual_message(client, fund_officer):
    # when
    response = client.post("/connexion/", {"username": fund_officer.username, "password": "pas-le-bon"})
    # then: nothing tells a stranger that this is a staff account
    page = response.content.decode()
    assert "Identifiant ou mot de passe incorrect" in page
    assert "personnel" not in page


def test_a_superuser_is_refused_too(client):
    # given
    from django.contrib.auth import get_user_model

    chief = get_user_model().objects.create_superuser("chef", "chef@example.ma", PASSWORD)
    # when
    response = client.post("/connexion/", {"username": chief.username, "password": PASSWORD})
    # then
    assert "_auth_user_id" not in client.session
    assert "Ce compte est un compte du personnel" in response.content.decode()


def test_a_reset_for_a_staff_address_sends_nothing_and_answers_as_for_an_unknown_one(client, fund_officer, member):
    # given
    member.user.email = "karim@example.ma"
    member.user.save()
    # when
    staff = client.post("/mot-de-passe/oubli/", {"email": fund_officer.email.upper()})
    unknown = client.post("/mot-de-passe/oubli/", {"email": "personne@example.ma"})
    insured = client.post("/mot-de-passe/oubli/", {"email": "karim@example.ma"})
    # then: the same answer for all three, and one message only, to the insured person
    assert staff.status_code == unknown.status_code == insured.status_code == 302
    assert staff["Location"] == unknown["Location"] == insured["Location"]
    assert [message.to for message in mail.outbox] == [["karim@example.ma"]]


def test_a_staff_reset_link_is_not_valid_on_the_insured_pages(client, fund_officer):
    # given: a reset link for the officer's account, made as Django makes them
    uid = urlsafe_base64_encode(force_bytes(fund_officer.pk))
    token = default_token_generator.make_token(fund_officer)
    # when
    link = f"/mot-de-passe/nouveau/{uid}/{token}/"
    page = client.get(link, follow=True)
    refused = client.post(page.redirect_chain[-1][0] if page.redirect_chain else link,
                          {"new_password1": "Tisane-de-Menthe-2026", "new_password2": "Tisane-de-Menthe-2026"})
    # then
    assert "plus valable" in page.content.decode()
    assert refused.status_code == 200
    fund_officer.refresh_from_db()
    assert fund_officer.check_password(PASSWORD)
