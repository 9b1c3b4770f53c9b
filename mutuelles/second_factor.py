"""The second factor of staff accounts (django-otp): an authenticator app (TOTP) and recovery codes.

Every staff account (mutuelle, organisme, administrator) must have one: a session signed in with the
password alone reaches nothing but the enrolment or code step (mutuelles.middleware). Enrolment
confirms an authenticator with a first code and hands out one-time recovery codes (django-otp's static
device); enrolling, replacing or removing the second factor, or issuing new recovery codes, ends the
account's other sessions (User.second_factor_changed_at is part of each session's hash).
"""
from __future__ import annotations

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mutuelles.models import User

DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"
#: Recovery codes handed out at enrolment (each one works once).
RECOVERY_CODES = 10


def is_staff_account(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_staff_account


def has_authenticator(user) -> bool:
    """Whether the account enrolled an authenticator app (recovery codes alone are not enough)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_devices(user) -> list:
    """The devices whose codes open a session: the authenticator and the recovery codes."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(devices_for_user(user, confirmed=True))


def verify_code(user, devices: list, code: str, *, request=None):
    """The device that accepts `code` (6 digits of the app, or a recovery code), or None.

    django-otp throttles repeated failures per device; a wrong code also counts as a failed login
    for the lockout (django-axes) when `request` is given, like a wrong password.
    """
    code = "".join(code.split()).lower()
    if code and len(code) <= 16:
        with transaction.atomic():
            for device in devices:
                allowed, _ = device.verify_is_allowed()
                if allowed and device.verify_token(code):
                    return device
    if request is not None:
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return None


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def start_enrolment(*, user: User) -> TOTPDevice:
    """A new authenticator, waiting for its first code (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_enrolment(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending authenticator with its first code: it replaces any earlier one, new recovery
    codes replace the old ones, and the account's sessions end (the caller keeps its own). Returns the
    recovery codes to show once, or None if the code is wrong (nothing changes)."""
    if verify_code(user, [device], code) is None:
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _issue_recovery_codes(user=user)


@transaction.atomic
def renew_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes in place of the old ones (all of them stop working); other sessions end."""
    return _issue_recovery_codes(user=user)


def _issue_recovery_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    _end_sessions(user_ids=[user.pk])
    user.second_factor_changed_at = User.objects.values_list("second_factor_changed_at", flat=True).get(pk=user.pk)
    return codes


@transaction.atomic
def remove_second_factor(*, users) -> int:
    """Remove the second factor of these accounts (lost phone): their sessions end, and their next login
    goes through enrolment again. Returns how many accounts had one."""
    user_ids = list(users.values_list("pk", flat=True))
    had = TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values("user_id").distinct().count()
    TOTPDevice.objects.filter(user_id__in=user_ids).delete()
    StaticDevice.objects.filter(user_id__in=user_ids).delete()
    _end_sessions(user_ids=user_ids)
    return had


def _end_sessions(*, user_ids: list[int]) -> None:
    # The date is part of every session's hash (User._get_session_auth_hash): sessions opened before
    # it no longer match. The request that made the change keeps its session (update_session_auth_hash).
    User.objects.filter(pk__in=user_ids).update(second_factor_changed_at=timezone.now())
