"""Staff accounts: lockout after repeated failures, and the second factor (TOTP) in the admin."""
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.mutuelles import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
SECURITY = reverse("admin:security")


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def enrolled(agent):
    return TOTPDevice.objects.create(user=agent, name="téléphone", confirmed=True)


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


def test_staff_without_second_factor_logs_in_with_the_password(client, agent):
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "next": INDEX})
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


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
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "otp_token": code_for(enrolled),
                                   "next": INDEX})
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


def test_session_not_verified_by_the_device_has_no_admin(client, agent, enrolled):
    # given: a session opened without the second factor (e.g. through another login page)
    client.force_login(agent)
    # when / then
    assert client.get(INDEX).status_code == 302
    assert client.get(reverse("admin:claims_claim_changelist")).status_code == 302


def test_staff_enrol_their_authenticator_with_a_qr_code(client, agent):
    # given
    client.force_login(agent)
    assert "Activer la double authentification" in client.get(SECURITY).content.decode()
    # when: start, scan, type the first code
    client.post(SECURITY, {"etape": "commencer"})
    page = client.get(SECURITY).content.decode()
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert "<svg" in page
    assert "otpauth" not in page
    wrong = client.post(SECURITY, {"etape": "confirmer", "code": "123456"})
    assert "incorrect" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes one wait a little after a wrong code
    done = client.post(SECURITY, {"etape": "confirmer", "code": code_for(device)}, follow=True)
    # then: enrolled, and this session counts as verified
    device.refresh_from_db()
    assert device.confirmed
    assert "Double authentification activée" in done.content.decode()
    assert client.get(INDEX).status_code == 200


def test_switching_the_second_factor_off_needs_a_current_code(client, agent, enrolled):
    client.post(LOGIN, {"username": agent.username, "password": PASSWORD, "otp_token": code_for(enrolled)})
    client.post(SECURITY, {"etape": "desactiver", "code": "999999"})
    assert TOTPDevice.objects.filter(user=agent).exists()
    enrolled.refresh_from_db()
    enrolled.throttle_reset()  # django-otp makes one wait a little after a wrong code
    client.post(SECURITY, {"etape": "desactiver", "code": code_for(enrolled, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=agent).exists()


def test_administrator_removes_a_lost_second_factor(client, agent, enrolled):
    # given
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("chef", "chef@example.ma", PASSWORD)
    client.force_login(admin_user)
    users = reverse("admin:mutuelles_user_changelist")
    assert client.get(users).status_code == 200
    # when
    client.post(users, {"action": "remove_second_factor", "_selected_action": [agent.pk], "index": 0})
    # then
    assert not TOTPDevice.objects.filter(user=agent).exists()
