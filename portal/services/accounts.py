"""Online accounts of insured persons: sign-up from the registry, contact details, RIB changes.

An insured person already in the registry (registration card: AMO registration number, CNIE,
birth date) opens an account with an email and a password. A RIB change asks for the password
again and is recorded (beneficiaries.models.RibChange) before any payment uses it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured, RibChange
from beneficiaries.validators import normalise_cnie, normalise_rib, validate_rib
from mutuelles.models import StaffRole

# Messages are French msgids: gettext_noop marks them for the catalogue, `_()` translates them when raised.
MSG_NO_MATCH = gettext_noop("Aucun assuré ne correspond à ces informations : vérifiez votre carte "
                            "d'immatriculation.")
MSG_ALREADY_REGISTERED = gettext_noop("Un compte existe déjà pour cet assuré : connectez-vous, ou demandez un "
                                      "nouveau mot de passe.")
MSG_EMAIL_TAKEN = gettext_noop("Cette adresse électronique est déjà utilisée par un autre compte.")
MSG_WRONG_PASSWORD = gettext_noop("Mot de passe incorrect : le RIB n'a pas été modifié.")
MSG_SAME_RIB = gettext_noop("Ce RIB est déjà celui enregistré.")
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


@transaction.atomic
def register_insured_account(*, identity: Identity, email: str, password: str):
    """Open the online account of an insured person found in the registry; returns the new user.

    The email becomes the sign-in identifier and the address of the status emails.
    """
    email = email.strip().lower()
    insured = find_registered_insured(identity)
    if insured is None:
        raise ValidationError({"__all__": _(MSG_NO_MATCH)})
    if insured.user_id is not None:
        raise ValidationError({"__all__": _(MSG_ALREADY_REGISTERED)})
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _(MSG_EMAIL_TAKEN)})
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


@transaction.atomic
def update_contact_details(*, insured: Insured, email: str, phone: str, address: str, city: str) -> Insured:
    """Contact details the insured person keeps up to date (the registry data itself is the mutuelle's)."""
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    insured.email = email.strip().lower()
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
