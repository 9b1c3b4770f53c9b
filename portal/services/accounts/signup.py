"""Sign-up of an insured person already in the registry.

The registration card (AMO registration number, CNIE, birth date) and an e-mail address ask for an
account. The answer on the page is always the same, so that it tells nobody who is in the registry,
who has an account, or which addresses are used: the details go by e-mail. A person found without an
account gets a link (signed, valid a few days) to that address, where they choose their password and
the account opens; a person who already has an account is told at the account's address; an address
already used is told at that address.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured
from beneficiaries.validators import normalise_cnie
from mutuelles.models import StaffRole
from portal.services.accounts.mail import letter, send
from portal.services.accounts.signin import email_taken

# Messages are French msgids: gettext_noop marks them for the catalogue, `_()` translates them when raised.
MSG_SIGNUP_LINK_INVALID = gettext_noop("Ce lien n'est plus valable (expiré, ou le compte est déjà ouvert) : refaites "
                                       "la demande de compte, ou connectez-vous.")
#: How long the link that opens an account stays valid.
SIGNUP_LINK_MAX_AGE = 3 * 24 * 3600
SIGNUP_SALT = "portal.accounts.signup"


@dataclass(frozen=True)
class Identity:
    """What the insured person types from their registration card."""

    registration_number: str
    cnie: str
    birth_date: date


def find_registered_insured(identity: Identity) -> Insured | None:
    """The registry row matching all three identifiers, or None (never says which one is wrong)."""
    return (Insured.objects.select_for_update()
            .filter(registration_number__iexact=identity.registration_number.strip(),
                    cnie=normalise_cnie(identity.cnie), birth_date=identity.birth_date)
            .first())


@transaction.atomic
def request_insured_account(*, identity: Identity, email: str) -> None:
    """Answer a sign-up by email only (the caller shows the same page whatever happens here)."""
    email = email.strip().lower()
    insured = find_registered_insured(identity)
    if insured is None:
        return  # nobody to write to: the page tells what to check if no email comes
    if insured.user is not None:  # no query when there is no account (user_id is None)
        registered = insured.user.email or insured.email
        if registered:
            transaction.on_commit(lambda: send(registered, *_already_registered(insured)))
        return
    if email_taken(email):
        transaction.on_commit(lambda: send(email, *_address_in_use()))
        return
    token = signing.dumps({"assure": insured.pk, "email": email}, salt=SIGNUP_SALT, compress=True)
    transaction.on_commit(lambda: send(email, *_account_link(insured, token)))


def signup_request_of(token: str) -> tuple[Insured, str] | None:
    """The insured person and the address of a valid sign-up link, if nobody opened the account since."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    insured = Insured.objects.filter(pk=data.get("assure"), user__isnull=True).first()
    if insured is None or email_taken(data.get("email", "")):
        return None
    return insured, data["email"]


@transaction.atomic
def open_insured_account(*, token: str, password: str):
    """Open the account of a sign-up link with the password chosen; returns the new user.

    The email becomes the sign-in identifier and the address of the status emails.
    """
    found = signup_request_of(token)
    insured = None
    if found is not None:
        insured = Insured.objects.select_for_update().filter(pk=found[0].pk, user__isnull=True).first()
    if found is None or insured is None:
        raise ValidationError({"__all__": _(MSG_SIGNUP_LINK_INVALID)})
    email = found[1]
    User = get_user_model()
    user = User(username=email, email=email, first_name=insured.first_name[:150], last_name=insured.last_name[:150],
                role=StaffRole.INSURED, is_staff=False)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    insured.user = user
    insured.email = email
    insured.save(update_fields=["user", "email", "updated_at"])
    return user


def _account_link(insured: Insured, token: str) -> tuple[str, str]:
    link = settings.PORTAL_BASE_URL + reverse("portal:signup_open", args=[token])
    return (_("Ouverture de votre compte assuré"), letter(insured.full_name, _(
        "Pour ouvrir votre compte sur le portail AMO, choisissez votre mot de passe en suivant ce lien (valable 3 "
        "jours, une seule fois) :\n%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message : aucun compte "
        "n'est ouvert sans ce lien.") % {"link": link}))


def _already_registered(insured: Insured) -> tuple[str, str]:
    reset = settings.PORTAL_BASE_URL + reverse("portal:password_reset")
    with translation.override(insured.language):
        return (_("Votre compte assuré existe déjà"), letter(insured.full_name, _(
            "Une demande d'ouverture de compte vient d'être faite avec vos données d'immatriculation, mais vous avez "
            "déjà un compte, dont l'identifiant est cette adresse. Connectez-vous, ou choisissez un nouveau mot de "
            "passe ici :\n%(link)s\n\nSi vous n'êtes pas à l'origine de cette demande, vous n'avez rien à faire : "
            "votre compte n'a pas changé.") % {"link": reset}))


def _address_in_use() -> tuple[str, str]:
    return (_("Demande de compte avec votre adresse"), "\n\n".join([_("Bonjour,"), _(
        "Une demande d'ouverture de compte assuré vient d'être faite avec cette adresse, qui est déjà celle d'un "
        "compte du portail AMO : un même courriel ne peut servir qu'à un seul compte. Pour un autre assuré, refaites "
        "la demande avec une autre adresse.\n\nSi vous n'êtes pas à l'origine de cette demande, vous n'avez rien à "
        "faire : aucun compte n'a changé."), _("Votre mutuelle")]))
