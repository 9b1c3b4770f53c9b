"""A stolen session or token cannot become a takeover: the e-mail changes only with the password and
a link confirmed by the new address (the old one is told and stays until then), a RIB change is told
to the address replaced too, password re-checks are limited like sign-ins, and API tokens expire,
are listed and revoked by their owner, and all die with a password change or reset."""
import time
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from beneficiaries.models import RibChange
from portal.models import ApiToken, EmailChange
from portal.services import accounts
from portal.services.tokens import TOUCH_INTERVAL, issue_token, token_digest, tokens_of
from tests.factories.beneficiaries import valid_rib
from tests.factories.mutuelles import PASSWORD

pytestmark = pytest.mark.django_db
NEW_EMAIL = "nouvelle.adresse@exemple.ma"
NEW_PASSWORD = "Tisane-de-Menthe-2026"


def contact_form(member, **overrides) -> dict:
    data = {"email": member.user.email, "phone": member.phone, "address": member.address, "city": member.city}
    data.update(overrides)
    return data


def link_in(message) -> str:
    line = next(line for line in message.body.splitlines() if "/espace/adresse/confirmer/" in line)
    return "/" + line.split("://", 1)[1].split("/", 1)[1]  # the path, after PORTAL_BASE_URL


def ask_email_change(client, member, *, captured, email=NEW_EMAIL):
    with captured(execute=True):
        return client.post("/espace/coordonnees/", contact_form(member, email=email, password=PASSWORD))


def send_reset(email: str) -> None:
    Client().post("/mot-de-passe/oubli/", {"email": email})


# --- E-mail changes -------------------------------------------------------------------------------

def test_a_stolen_session_cannot_change_the_email_without_the_password(member_client, member):
    # given
    old = member.user.email
    # when
    response = member_client.post("/espace/coordonnees/", contact_form(member, email="pirate@exemple.ma",
                                                                        city="Ailleurs"))
    # then: refused, naming the password field, and nothing written
    assert response.status_code == 400
    assert "Pour changer d&#x27;adresse électronique, confirmez avec votre mot de passe." in response.content.decode()
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.user.email, member.city) == (old, member.city)
    assert member.city != "Ailleurs"
    assert not EmailChange.objects.exists()
    assert mail.outbox == []


def test_a_wrong_password_changes_nothing_and_counts_as_a_failed_sign_in(member_client, member):
    # when
    response = member_client.post("/espace/coordonnees/", contact_form(member, email="pirate@exemple.ma",
                                                                        password="devine", city="Ailleurs"))
    # then
    assert response.status_code == 400
    assert "Mot de passe incorrect : l&#x27;adresse électronique n&#x27;a pas été modifiée." in \
        response.content.decode()
    member.refresh_from_db()
    assert member.city != "Ailleurs"
    assert not EmailChange.objects.exists()
    assert AccessAttempt.objects.get(username=member.user.username).failures_since_start == 1


def test_the_old_address_stays_and_gets_the_resets_until_the_new_one_confirms(
        member_client, member, django_capture_on_commit_callbacks):
    # given
    old = member.user.email
    # when: the change is asked with the password
    response = ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks)
    # then: nothing changed yet; a link went to the new address, a notice to the old one
    assert response.status_code == 302
    member.user.refresh_from_db()
    member.refresh_from_db()
    assert (member.user.email, member.email) == (old, member.email)
    change = EmailChange.objects.get(user=member.user)
    assert (change.old_email, change.new_email, change.confirmed_at) == (old, NEW_EMAIL, None)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {old, NEW_EMAIL}
    assert "ne prendra effet que si la nouvelle adresse est confirmée" in by_address[old].body
    assert NEW_EMAIL not in by_address[old].body  # masked: the notice does not hand out the new address
    link = link_in(by_address[NEW_EMAIL])

    # when: a password reset is asked for either address before the confirmation
    mail.outbox.clear()
    send_reset(NEW_EMAIL)
    send_reset(old)
    # then: only the old address receives it
    assert [message.to for message in mail.outbox] == [[old]]

    # when: the link is opened (GET changes nothing), then confirmed
    mail.outbox.clear()
    page = Client().get(link)
    member.user.refresh_from_db()
    assert page.status_code == 200 and member.user.email == old
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = Client().post(link)
    # then
    assert confirmed.status_code == 302
    member.user.refresh_from_db()
    member.refresh_from_db()
    assert (member.user.email, member.email) == (NEW_EMAIL, NEW_EMAIL)
    change.refresh_from_db()
    assert change.confirmed_at is not None
    assert [message.to for message in mail.outbox] == [[old]]
    assert mail.outbox[0].subject == "Votre adresse électronique a été changée"

    # when: the same link again
    replay = Client().post(link)
    # then
    assert replay.status_code == 400
    assert "a déjà servi" in replay.content.decode()


def test_an_expired_or_altered_link_changes_nothing(member_client, member, django_capture_on_commit_callbacks):
    # given: a link signed more than EMAIL_CHANGE_LINK_HOURS ago
    old = member.user.email
    signed_at = time.time() - (settings.EMAIL_CHANGE_LINK_HOURS + 1) * 3600
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == [NEW_EMAIL]))
    # when
    expired = Client().post(link)
    altered = Client().post(link.replace("/confirmer/", "/confirmer/x"))
    # then
    assert expired.status_code == 400
    assert "a expiré" in expired.content.decode()
    assert altered.status_code == 400
    assert "n&#x27;est pas valable" in altered.content.decode()
    member.user.refresh_from_db()
    assert member.user.email == old
    assert EmailChange.objects.get().confirmed_at is None


def test_a_newer_request_voids_the_link_of_an_older_one(member_client, member, django_capture_on_commit_callbacks):
    # given
    ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks, email="pirate@exemple.ma")
    first = link_in(next(m for m in mail.outbox if m.to == ["pirate@exemple.ma"]))
    ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks)
    # when
    response = Client().post(first)
    # then
    assert response.status_code == 400
    member.user.refresh_from_db()
    assert member.user.email != "pirate@exemple.ma"


def test_an_address_of_another_account_gets_a_notice_not_a_link(
        member_client, member, stranger, django_capture_on_commit_callbacks):
    # when
    response = ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks,
                                email=stranger.user.email)
    # then: the same answer as for a free address; the other account's address gets no link
    assert response.status_code == 302
    to_other = next(m for m in mail.outbox if m.to == [stranger.user.email])
    assert "déjà celle d'un autre compte" in to_other.body
    assert "/espace/adresse/confirmer/" not in to_other.body
    member.user.refresh_from_db()
    assert member.user.email != stranger.user.email


def test_a_rib_change_after_an_email_change_is_told_to_the_previous_address_too(
        member_client, member, django_capture_on_commit_callbacks):
    # given: the address was changed (confirmed), as a takeover would start
    old = member.user.email
    ask_email_change(member_client, member, captured=django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == [NEW_EMAIL]))
    Client().post(link)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/espace/rib/", {"rib": valid_rib(808), "password": PASSWORD})
    # then: one notice to each address, neither shown to the other
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox if m.subject == "Votre RIB a été modifié") == sorted([old, NEW_EMAIL])
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_the_api_changes_the_email_only_with_the_password_and_a_link(api, member, django_capture_on_commit_callbacks):
    # given
    old = member.user.email
    # when
    patched = api.patch("/api/v1/moi/", {"email": "pirate@exemple.ma"}, format="json")
    wrong = api.post("/api/v1/moi/adresse-electronique/", {"email": "pirate@exemple.ma", "password": "devine"},
                     format="json")
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post("/api/v1/moi/adresse-electronique/", {"email": NEW_EMAIL, "password": PASSWORD},
                         format="json")
    # then
    assert patched.status_code == 400
    assert "email" in patched.json()["extra"]["champs"]
    assert wrong.status_code == 400
    assert wrong.json()["extra"]["champs"]["password"] == [
        "Mot de passe incorrect : l'adresse électronique n'a pas été modifiée."]
    assert asked.status_code == 202
    member.user.refresh_from_db()
    assert member.user.email == old
    assert list(EmailChange.objects.values_list("new_email", "confirmed_at")) == [(NEW_EMAIL, None)]


# --- Password re-checks are limited like the sign-in -------------------------------------------------

def test_password_guesses_on_the_rib_page_lock_the_check_but_not_the_owner_elsewhere(member_client, member):
    # given: a stolen session guesses the password
    old_rib = member.rib
    for _ in range(settings.AXES_FAILURE_LIMIT):
        member_client.post("/espace/rib/", {"rib": valid_rib(909), "password": "devine"})
    # when: even the right password, from the same address
    locked = member_client.post("/espace/rib/", {"rib": valid_rib(909), "password": PASSWORD})
    # then: the lockout page of the sign-in
    assert locked.status_code == 429
    assert "Compte temporairement bloqué" in locked.content.decode()
    member.refresh_from_db()
    assert member.rib == old_rib
    assert not RibChange.objects.exists()
    # and the owner signs in from their own address
    owner = Client(REMOTE_ADDR="192.0.2.44")
    assert owner.post("/connexion/", {"username": member.user.username, "password": PASSWORD}).status_code == 302


def test_password_guesses_through_the_api_are_limited_too(api, member):
    # given
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/moi/rib/", {"rib": valid_rib(31), "password": "devine"}, format="json")
    # when
    response = api.post("/api/v1/moi/rib/", {"rib": valid_rib(31), "password": PASSWORD}, format="json")
    # then
    assert response.status_code in (400, 429)
    member.refresh_from_db()
    assert not RibChange.objects.exists()


# --- API tokens -----------------------------------------------------------------------------------

def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_tokens_are_stored_as_digests_one_per_device(member):
    # when
    first = APIClient().post("/api/v1/jeton/", {"username": member.user.username, "password": PASSWORD,
                                                "device": "Téléphone"}, format="json").json()
    second = APIClient().post("/api/v1/jeton/", {"username": member.user.username, "password": PASSWORD,
                                                 "device": "Tablette"}, format="json").json()
    # then
    assert first["token"] != second["token"]
    assert first["idle_days"] == settings.API_TOKEN_IDLE_DAYS == 30
    rows = ApiToken.objects.filter(user=member.user).order_by("pk")
    assert [(r.name, r.digest) for r in rows] == [("Téléphone", token_digest(first["token"])),
                                                  ("Tablette", token_digest(second["token"]))]
    assert not ApiToken.objects.filter(digest__in=[first["token"], second["token"]]).exists()


def test_a_token_unused_for_the_idle_period_is_refused_and_deleted(member):
    # given: a token last used 30 days and a minute ago
    token, key = issue_token(user=member.user)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(days=settings.API_TOKEN_IDLE_DAYS, minutes=1))
    # when
    response = with_token(key).get("/api/v1/moi/")
    # then
    assert response.status_code == 401
    assert response.json()["message"].startswith("Jeton expiré ou révoqué")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_each_use_pushes_the_idle_deadline_back(member):
    # given: a token last used 29 days ago
    token, key = issue_token(user=member.user)
    then = timezone.now() - timedelta(days=settings.API_TOKEN_IDLE_DAYS - 1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=then)
    # when
    response = with_token(key).get("/api/v1/moi/")
    # then
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > then + timedelta(days=1)


def test_a_token_used_again_within_minutes_is_not_written_each_time(member):
    # given
    token, key = issue_token(user=member.user)
    recent = timezone.now() - TOUCH_INTERVAL / 2
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    # when
    assert with_token(key).get("/api/v1/moi/").status_code == 200
    # then
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_a_password_change_revokes_every_token(member):
    # given
    _, phone = issue_token(user=member.user, name="Téléphone")
    _, tablet = issue_token(user=member.user, name="Tablette")
    # when: the password changes by any path (here the model's own set_password, as the admin does)
    member.user.set_password(NEW_PASSWORD)
    member.user.save()
    # then: no longer listed, refused, then deleted
    assert not tokens_of(user=member.user).exists()
    assert with_token(phone).get("/api/v1/moi/").status_code == 401
    assert with_token(tablet).get("/api/v1/moi/").status_code == 401
    assert not ApiToken.objects.filter(user=member.user).exists()


def test_a_password_reset_deletes_every_token(member):
    # given
    issue_token(user=member.user, name="Téléphone")
    issue_token(user=member.user, name="Tablette")
    client = Client()
    client.post("/mot-de-passe/oubli/", {"email": member.user.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/mot-de-passe/nouveau/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    # when
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                              "new_password2": NEW_PASSWORD})
    # then
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=member.user).exists()


def test_the_owner_lists_and_revokes_tokens_through_the_api(api, member, stranger):
    # given
    tablet, tablet_key = issue_token(user=member.user, name="Tablette")
    foreign, foreign_key = issue_token(user=stranger.user, name="Autre")
    # when
    listed = api.get("/api/v1/jetons/")
    someone_elses = api.delete(f"/api/v1/jetons/{foreign.pk}/")
    revoked = api.delete(f"/api/v1/jetons/{tablet.pk}/")
    # then
    assert listed.status_code == 200
    rows = listed.json()
    assert sorted((row["device"], row["current"]) for row in rows) == [("Tablette", False), ("téléphone", True)]
    assert all("token" not in row and len(row["prefix"]) == 8 for row in rows)
    assert someone_elses.status_code == 404
    assert ApiToken.objects.filter(pk=foreign.pk).exists()
    assert revoked.status_code == 204
    assert not ApiToken.objects.filter(pk=tablet.pk).exists()
    assert with_token(tablet_key).get("/api/v1/moi/").status_code == 401
    assert with_token(foreign_key).get("/api/v1/moi/").status_code == 200


def test_the_owner_lists_and_revokes_tokens_on_a_page(member_client, member, stranger):
    # given
    phone, _ = issue_token(user=member.user, name="Téléphone")
    foreign, _ = issue_token(user=stranger.user, name="Autre")
    # when
    page = member_client.get("/espace/jetons/")
    refused = member_client.post(f"/espace/jetons/{foreign.pk}/revoquer/")
    revoked = member_client.post(f"/espace/jetons/{phone.pk}/revoquer/")
    # then
    assert page.status_code == 200
    assert "Téléphone" in page.content.decode() and phone.prefix in page.content.decode()
    assert "Autre" not in page.content.decode()
    assert refused.status_code == 302 and ApiToken.objects.filter(pk=foreign.pk).exists()
    assert revoked.status_code == 302 and not ApiToken.objects.filter(pk=phone.pk).exists()


def test_tokens_beyond_the_limit_per_account_revoke_the_least_recently_used(member, settings):
    # given
    settings.API_TOKENS_PER_ACCOUNT = 2
    oldest, _ = issue_token(user=member.user, name="1")
    ApiToken.objects.filter(pk=oldest.pk).update(last_used_at=timezone.now() - timedelta(days=3))
    issue_token(user=member.user, name="2")
    # when
    issue_token(user=member.user, name="3")
    # then
    assert sorted(ApiToken.objects.filter(user=member.user).values_list("name", flat=True)) == ["2", "3"]


@pytest.mark.parametrize("message", [
    accounts.MSG_WRONG_PASSWORD_EMAIL, accounts.MSG_TOO_MANY_PASSWORDS, accounts.MSG_LINK_INVALID,
    accounts.MSG_LINK_EXPIRED, accounts.MSG_LINK_USED, accounts.MSG_SAME_EMAIL,
])
def test_the_new_messages_have_an_arabic_translation(message):
    with translation.override("ar"):
        assert translation.gettext(message) != message


def test_a_password_change_in_the_personal_space_keeps_this_session_and_revokes_every_token(member_client, member):
    # given
    _, key = issue_token(user=member.user, name="Téléphone")
    # when
    wrong = member_client.post("/espace/mot-de-passe/", {"old_password": "devine", "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD})
    right = member_client.post("/espace/mot-de-passe/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD})
    # then: the wrong one changed nothing and counted as a failed sign-in
    assert wrong.status_code == 200
    assert "Mot de passe actuel incorrect" in wrong.content.decode()
    assert AccessAttempt.objects.get(username=member.user.username).failures_since_start == 1
    assert right.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert not ApiToken.objects.filter(user=member.user).exists()
    assert with_token(key).get("/api/v1/moi/").status_code == 401
    assert member_client.get("/espace/").status_code == 200
