"""Password checks counted like sign-ins (django-axes), and the lifting of an account's lockout.

Each password typed again (RIB or e-mail change, password change) goes through authenticate, hence
django-axes: a stolen session cannot try passwords without limit. A password reset proves the
person holds the account's address, so it lifts the lockout of that account (not of the client
address, which portal.throttle counts over every account).
"""
from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.throttle import address_locked_out

MSG_TOO_MANY_PASSWORDS = gettext_noop("Trop d'essais de mot de passe : réessayez dans %(minutes)s minutes.")


def check_password_again(*, user, password: str, request, message: str) -> None:
    """Raise ValidationError({"password": message}) unless `password` is the account's.

    A failure counts as a failed sign-in of the account from this client address, and once locked
    out even the right password is refused. It must run outside any transaction, or the failure it
    records would be rolled back with the refused change.
    """
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is not None and checked.pk == user.pk:
        return
    if getattr(request, "axes_locked_out", False) or address_locked_out(request):
        minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
        raise ValidationError({"password": _(MSG_TOO_MANY_PASSWORDS) % {"minutes": minutes}})
    raise ValidationError({"password": message})


def lift_lockout(*, user) -> int:
    """Forget the account's failed sign-ins, from every client address; returns how many were kept."""
    return axes_reset(username=user.get_username())
