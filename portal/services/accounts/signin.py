"""Which account a sign-in identifier names, and which addresses are already an account's.

An insured person signs in with the e-mail address of their account, typed in any case
("Amina@Example.MA" is "amina@example.ma"), or with its username (demo and older accounts have a
username that is not an address). The identifier is turned into the account's username before the
password is checked, so that django-axes counts failures once per account, not once per spelling.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from beneficiaries.models import Insured


def sign_in_username(identifier: str) -> str:
    """The username of the account `identifier` names: its username in any case, or, for an address,
    the account whose current e-mail address it is. Anything else comes back as typed (stripped),
    and the password check then fails as for any unknown identifier."""
    typed = (identifier or "").strip()
    if not typed:
        return typed
    condition = Q(username__iexact=typed) | Q(email__iexact=typed) if "@" in typed else Q(username__iexact=typed)
    found = list(get_user_model().objects.filter(condition).values_list("username", "email")[:3])
    if any(username == typed for username, _email in found):
        return typed
    by_username = [username for username, _email in found if username.lower() == typed.lower()]
    if len(by_username) == 1:
        return by_username[0]
    by_email = [username for username, email in found if (email or "").lower() == typed.lower()]
    if not by_username and len(by_email) == 1:
        return by_email[0]
    return typed


def email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    """Whether an account other than `except_user_id` signs in with, or is reached at, this address."""
    accounts = get_user_model().objects.all()
    insured = Insured.objects.filter(email__iexact=email, user__isnull=False)
    if except_user_id is not None:
        accounts, insured = accounts.exclude(pk=except_user_id), insured.exclude(user_id=except_user_id)
    return (accounts.filter(username__iexact=email).exists() or accounts.filter(email__iexact=email).exists()
            or insured.exists())
