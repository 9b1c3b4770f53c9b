"""Staff accounts: lockout after repeated failures, and the mandatory second factor (TOTP and recovery codes)."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PortalClient
from tests.factories.mutuelles import PASSWORD, enrol_second_factor, next_step, totp_code

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
SECURITY = reverse("admin:security")
VERIFY = reverse("admin:second_factor_verify")


def next_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return totp_code(device, step=next_step(device))


def signed_in(user, code: str = "") -> PortalClient:
    """A browser of its own, through the staff login page (password, and the code if given)."""
    browser = PortalClient()
    response = browser.post(LOGIN, {"username": user.username, "password": PASSWORD, "otp_token": code})
    assert response.status_code == 302
    return browser


@pytest.fixture
def enrolled(agent):
    device, codes = enrol_second_factor(agent)
    agent.refresh_from_db()
    return device, codes


def test_account_is_locked_after_five_failed_logins(client, agent):
    # given
    for _ in range(5):
        client.post(LOGIN, {"username": agent.username, "password": "mauvais"})
    # when: even the right password is refused
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD})
    # then
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(INDEX).status_code == 302


def test_first_login_with_the_password_leads_only_to_the_enrolment(client, agent):
    # when: a staff member without an authenticator signs in with the password
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "next": INDEX})
    # then: the back office sends them to the enrolment, and nowhere else
    assert response.status_code == 302
    home = client.get(INDEX)
    assert home.status_code == 302
    assert home["Location"] == f"{SECURITY}?next=%2Fadmin%2F"
    page = client.get(home["Location"]).content.decode()
    assert "obligatoire" in page
    assert "Activer la double authentification" in page


def test_superuser_must_enrol_too(client):
    # given
    chief = get_user_model().objects.create_superuser("chef", "chef@example.ma", PASSWORD)
    # when
    client.post(LOGIN, {"username": chief.username, "password": PASSWORD})
    # then
    assert client.get(reverse("admin:mutuelles_user_changelist"))["Location"].startswith(SECURITY)


def test_staff_enrol_their_authenticator_with_a_qr_code_and_get_recovery_codes(client, agent):
    # given: signed in with the password, at the enrolment
    client.post(LOGIN, {"username": agent.username, "password": PASSWORD})
    # when: start, scan, type a wrong then the right first code
    client.post(SECURITY, {"etape": "commencer"})
    page = client.get(SECURITY).content.decode()
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert "<svg" in page
    assert "otpauth" not in page
    wrong = client.post(SECURITY, {"etape": "confirmer", "code": "123456"})
    assert wrong.status_code == 400
    assert "incorrect" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes one wait a little after a wrong code
    done = client.post(SECURITY, {"etape": "confirmer", "code": totp_code(device)})
    # then: enrolled, ten recovery codes shown once, and this session is verified
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticDevice.objects.get(user=agent).token_set.values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert client.get(INDEX).status_code == 200
    assert not any(code in client.get(SECURITY).content.decode() for code in codes)


def test_enrolled_staff_must_give_the_code(client, agent, enrolled):
    # when
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD})
    # then
    assert response.status_code == 200
    assert "saisissez le code à 6 chiffres" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_code_is_refused_and_counts_towards_the_lockout(client, agent, enrolled):
    from axes.models import AccessAttempt

    # when
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "otp_token": "000000"})
    # then
    assert "Code de double authentification incorrect" in response.content.decode()
    assert AccessAttempt.objects.get(username=agent.username).failures_since_start == 1


def test_right_code_opens_the_admin(client, agent, enrolled):
    device, _ = enrolled
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "otp_token": next_code(device),
                                   "next": INDEX})
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


def test_a_recovery_code_opens_the_admin_once(agent, enrolled):
    # given
    _, codes = enrolled
    # when
    first = signed_in(agent, codes[0].upper())
    second = PortalClient().post(LOGIN, {"username": agent.username, "password": PASSWORD, "otp_token": codes[0]})
    # then
    assert first.get(INDEX).status_code == 200
    assert second.status_code == 200
    assert "Code de double authentification incorrect" in second.content.decode()


def test_a_password_only_session_of_an_enrolled_account_must_give_the_code(client, agent, enrolled):
    # given: a session opened without the second factor
    device, _ = enrolled
    client.password_only_login(agent)
    # when / then: every page leads to the code step, the security page too (no enrolling another phone)
    assert client.get(INDEX)["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get(SECURITY)["Location"].startswith(VERIFY)
    assert client.post(SECURITY, {"etape": "commencer"})["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=agent, confirmed=False).exists()
    # when: the right code is given at the code step
    wrong = client.post(VERIFY, {"code": "000000", "next": INDEX})
    device.refresh_from_db()
    device.throttle_reset()
    right = client.post(VERIFY, {"code": next_code(device), "next": INDEX})
    # then
    assert wrong.status_code == 400
    assert right["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_the_code_step_does_not_redirect_elsewhere(client, agent, enrolled):
    # given
    device, _ = enrolled
    client.password_only_login(agent)
    # when
    response = client.post(VERIFY, {"code": next_code(device), "next": "https://exemple.invalid/"})
    # then
    assert response["Location"] == INDEX


def test_enrolling_ends_the_accounts_other_sessions_and_keeps_this_one(agent):
    # given: two sessions signed in with the password, before any enrolment
    other = signed_in(agent)
    this = signed_in(agent)
    # when: one of them enrols an authenticator
    this.post(SECURITY, {"etape": "commencer"})
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    this.post(SECURITY, {"etape": "confirmer", "code": totp_code(device)})
    # then
    assert this.get(INDEX).status_code == 200
    assert other.get(SECURITY)["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in other.session


def test_replacing_the_authenticator_ends_the_other_sessions(agent, enrolled):
    # given: two verified sessions
    device, codes = enrolled
    other = signed_in(agent, next_code(device))
    this = signed_in(agent, next_code(device))
    assert other.get(INDEX).status_code == 200
    # when: a new phone replaces the old one (a current code first, then the new phone's first code)
    this.post(SECURITY, {"etape": "changer", "code": codes[0]})
    new = TOTPDevice.objects.get(user=agent, confirmed=False)
    this.post(SECURITY, {"etape": "confirmer", "code": totp_code(new)})
    # then
    assert list(TOTPDevice.objects.filter(user=agent).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert not StaticDevice.objects.get(user=agent).token_set.filter(token__in=codes).exists()
    assert this.get(INDEX).status_code == 200
    assert other.get(INDEX)["Location"].startswith(LOGIN)


def test_new_recovery_codes_replace_the_old_ones_and_end_the_other_sessions(agent, enrolled):
    # given
    device, old_codes = enrolled
    other = signed_in(agent, next_code(device))
    this = signed_in(agent, next_code(device))
    # when: without a current code, nothing changes; with one, new codes
    refused = this.post(SECURITY, {"etape": "codes", "code": "nimporte"})
    for throttled in (device, StaticDevice.objects.get(user=agent)):  # django-otp makes one wait after an error
        throttled.refresh_from_db()
        throttled.throttle_reset()
    renewed = this.post(SECURITY, {"etape": "codes", "code": old_codes[1]})
    # then
    assert refused.status_code == 400
    new_codes = list(StaticDevice.objects.get(user=agent).token_set.values_list("token", flat=True))
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert all(code in renewed.content.decode() for code in new_codes)
    assert this.get(INDEX).status_code == 200
    assert other.get(INDEX)["Location"].startswith(LOGIN)


def test_administrator_removes_a_lost_second_factor(client, agent, enrolled):
    # given: the agent's own session, and an administrator
    device, _ = enrolled
    agents_session = signed_in(agent, next_code(device))
    chief = get_user_model().objects.create_superuser("chef", "chef@example.ma", PASSWORD)
    client.force_login(chief)
    users = reverse("admin:mutuelles_user_changelist")
    assert client.get(users).status_code == 200
    # when
    client.post(users, {"action": "remove_second_factor", "_selected_action": [agent.pk], "index": 0})
    # then: no device left, the agent's session is over, and their next login goes through enrolment
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not StaticDevice.objects.filter(user=agent).exists()
    assert agents_session.get(INDEX)["Location"].startswith(LOGIN)
    assert signed_in(agent).get(INDEX)["Location"].startswith(SECURITY)
    assert client.get(users).status_code == 200  # the administrator's own session goes on
