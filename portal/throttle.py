"""Counters of attempts in the cache: per client address for forms that reveal whether data exists
(sign-up), for password-reset requests (per address and per e-mail), for failed sign-ins from one
address (spraying many accounts). (The public simulator page shares the simulation API's throttle:
claims.views.)

The client address is REMOTE_ADDR, which amo_portal.proxy sets from X-Forwarded-For only when a
trusted proxy sent the request.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from amo_portal.proxy import client_address as proxied_client_address

#: Attempts allowed per address and scope within WINDOW_SECONDS.
MAX_ATTEMPTS = 10
WINDOW_SECONDS = 15 * 60
RESET_WINDOW_SECONDS = 60 * 60


def client_address(request) -> str:
    return proxied_client_address(request) or "inconnu"


def _count(key: str, *, window: int) -> int:
    """Add one to the counter `key` (which expires `window` seconds after its first attempt)."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def too_many_attempts(request, *, scope: str, limit: int = MAX_ATTEMPTS) -> bool:
    """Count this attempt; True once the address has made more than `limit` within the window."""
    return _count(f"portal:tentatives:{scope}:{client_address(request)}", window=WINDOW_SECONDS) > limit


def too_many_password_resets(request, *, email: str) -> bool:
    """Count a password-reset request; True once its client address or its e-mail address made more
    than allowed within the hour (whether or not an account has that address: the answer says nothing)."""
    address = client_address(request)
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_address = _count(f"portal:reinitialisation:ip:{address}", window=RESET_WINDOW_SECONDS)
    by_email = _count(f"portal:reinitialisation:courriel:{digest}", window=RESET_WINDOW_SECONDS)
    return by_address > settings.PASSWORD_RESETS_PER_ADDRESS or by_email > settings.PASSWORD_RESETS_PER_EMAIL


# --- Failed sign-ins from one address -----------------------------------------------------------

def _failures_key(address: str) -> str:
    return f"portal:echecs-connexion:{address}"


def _lockout_seconds() -> int:
    return max(60, int(float(settings.AXES_COOLOFF_TIME) * 3600))


def address_locked_out(request) -> bool:
    """True once the client address failed settings.LOGIN_ADDRESS_FAILURE_LIMIT sign-ins, whatever the
    accounts (django-axes counts per account and address: this stops one address trying many accounts)."""
    if request is None:
        return False
    failures = cache.get(_failures_key(client_address(request)), 0)
    return failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


@receiver(user_login_failed, dispatch_uid="portal.throttle.count_failed_login")
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    if request is not None:
        _count(_failures_key(client_address(request)), window=_lockout_seconds())


class AddressLockoutBackend:
    """First authentication backend: refuses every credential from an address that failed too often.

    It has no get_user: it never signs anyone in, so no session names it (as django-axes' backend)."""

    def authenticate(self, request, **credentials) -> None:
        if address_locked_out(request):
            raise PermissionDenied
