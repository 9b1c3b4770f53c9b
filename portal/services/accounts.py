"""Online accounts of insured persons: sign-up from the registry, contact details, RIB changes.

An insured person already in the registry (registration card: AMO registration number, CNIE,
birth date) asks for an account with an email address. The answer on the page is always the same,
so that it tells nobody who is in the registry, who has an account, or which addresses are used:
the details go by email. A person found without an account gets a link (signed, valid a few days)
to that address, where they choose their password and the account opens; a person who already has
an account is told at the account's address; an address already used is told at that address.
A RIB change asks for the password again and is recorded (beneficiaries.models.RibChange) before
any payment uses it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured, RibChange
from beneficiaries.validators import normalise_cnie, normalise_rib, validate_rib
from mutuelles.models import StaffRole

# Messages are French msgids: gettext_noop marks them for the catalogue, `_()` translates them when raised.
MSG_LINK_INVALID = gettext_noop("Ce lien n'est plus valable (expiré, ou le compte est déjà ouvert) : refaites la "
                                "demande de compte, ou connectez-vous.")
MSG_EMAIL_TAKEN = gettext_noop("Cette adresse électronique est déjà utilisée par un autre compte.")
MSG_WRONG_PASSWORD = gettext_noop("Mot de passe incorrect : le RIB n'a pas été modifié.")
MSG_SAME_RIB = gettext_noop("Ce RIB est déjà celui enregistré.")
#: How long the link that opens an account stays valid.
SIGNUP_LINK_MAX_AGE = 3 * 24 * 3600
SIGNUP_SALT = "portal.accounts.signup"
#: The registry fields an insured person may change online.
CONTACT_FIELDS = ("email", "phone", "address", "city")


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


def email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    """Whether an account other than `except_user_id` signs in with, or is reached at, this address."""
    accounts = get_user_model().objects.exclude(pk=except_user_id)
    return (accounts.filter(username__iexact=email).exists() or accounts.filter(email__iexact=email).exists()
            or Insured.objects.filter(email__iexact=email, user__isnull=False).exclude(user_id=except_user_id).exists())


@transaction.atomic
def request_insured_account(*, identity: Identity, email: str) -> None:
    """Answer a sign-up by email only (the caller shows the same page whatever happens here)."""
    email = email.strip().lower()
    insured = find_registered_insured(identity)
    if insured is None:
        return  # nobody to write to: the page tells what to check if no email comes
    if insured.user_id is not None:
        registered = insured.user.email or insured.email
        if registered:
            transaction.on_commit(lambda: _send(registered, *_already_registered(insured)))
        return
    if email_taken(email):
        transaction.on_commit(lambda: _send(email, *_address_in_use()))
        return
    token = signing.dumps({"assure": insured.pk, "email": email}, salt=SIGNUP_SALT, compress=True)
    transaction.on_commit(lambda: _send(email, *_account_link(insured, token)))


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
    if found is not None:
        found = (Insured.objects.select_for_update().filter(pk=found[0].pk, user__isnull=True).first(), found[1])
    if found is None or found[0] is None:
        raise ValidationError({"__all__": _(MSG_LINK_INVALID)})
    insured, email = found
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


def _send(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)


def _account_link(insured: Insured, token: str) -> tuple[str, str]:
    link = settings.PORTAL_BASE_URL + reverse("portal:signup_open", args=[token])
    return ("Ouverture de votre compte assuré",
            f"Bonjour {insured.full_name},\n\nPour ouvrir votre compte sur le portail AMO, choisissez votre mot de "
            f"passe en suivant ce lien (valable 3 jours, une seule fois) :\n{link}\n\nSi vous n'avez rien demandé, "
            "ignorez ce message : aucun compte n'est ouvert sans ce lien.\n\nVotre mutuelle")


def _already_registered(insured: Insured) -> tuple[str, str]:
    reset = settings.PORTAL_BASE_URL + reverse("portal:password_reset")
    return ("Votre compte assuré existe déjà",
            f"Bonjour {insured.full_name},\n\nUne demande d'ouverture de compte vient d'être faite avec vos données "
            "d'immatriculation, mais vous avez déjà un compte, dont l'identifiant est cette adresse. Connectez-vous, "
            f"ou choisissez un nouveau mot de passe ici :\n{reset}\n\nSi vous n'êtes pas à l'origine de cette "
            "demande, vous n'avez rien à faire : votre compte n'a pas changé.\n\nVotre mutuelle")


def _address_in_use() -> tuple[str, str]:
    return ("Demande de compte avec votre adresse",
            "Bonjour,\n\nUne demande d'ouverture de compte assuré vient d'être faite avec cette adresse, qui est déjà "
            "celle d'un compte du portail AMO : un même courriel ne peut servir qu'à un seul compte. Pour un autre "
            "assuré, refaites la demande avec une autre adresse.\n\nSi vous n'êtes pas à l'origine de cette "
            "demande, vous n'avez rien à faire : aucun compte n'a changé.\n\nVotre mutuelle")


@transaction.atomic
def update_contact_details(*, insured: Insured, email: str, phone: str, address: str, city: str) -> Insured:
    """Contact details the insured person keeps up to date (the registry data itself is the mutuelle's)."""
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    insured.email = email.strip().lower()
    if insured.email and email_taken(insured.email, except_user_id=insured.user_id):
        raise ValidationError({"email": _(MSG_EMAIL_TAKEN)})
    insured.phone = phone.strip()
    insured.address = address.strip()
    insured.city = city.strip()
    others = [f.name for f in Insured._meta.concrete_fields if f.name not in CONTACT_FIELDS]
    insured.clean_fields(exclude=others)
    insured.save(update_fields=[*CONTACT_FIELDS, "updated_at"])
    if insured.user_id and insured.email and insured.user.email != insured.email:
        insured.user.email = insured.email
        insured.user.save(update_fields=["email"])
    return insured


@transaction.atomic
def change_rib(*, insured: Insured, new_rib: str, password: str, by) -> RibChange:
    """Replace the RIB payments go to (domain.md §4.1), after checking the account password again.

    The change is recorded with the old and new RIB, and the insured person is told by email.
    """
    if not by.check_password(password):
        raise ValidationError({"password": _(MSG_WRONG_PASSWORD)})
    rib = normalise_rib(new_rib)
    try:
        validate_rib(rib)
    except ValidationError as exc:
        raise ValidationError({"rib": [_(m) for m in exc.messages]}) from exc
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    if insured.rib == rib:
        raise ValidationError({"rib": _(MSG_SAME_RIB)})
    change = RibChange.objects.create(insured=insured, old_rib=insured.rib, new_rib=rib, changed_by=by)
    insured.rib = rib
    insured.save(update_fields=["rib", "updated_at"])
    if insured.email:
        transaction.on_commit(lambda: _tell_rib_changed(insured.email, insured.full_name, rib))
    return change


def _tell_rib_changed(email: str, name: str, rib: str) -> None:
    send_mail(
        "Votre RIB a été modifié",
        f"Bonjour {name},\n\nLe RIB de vos remboursements a été remplacé par un RIB se terminant par "
        f"{rib[-4:]}.\nSi vous n'êtes pas à l'origine de ce changement, contactez votre mutuelle sans attendre."
        "\n\nVotre mutuelle",
        settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True,
    )
