"""Contact details and RIB an insured person keeps up to date online (the registry itself is the mutuelle's).

A RIB change asks for the password again (counted like a sign-in, see lockout.check_password_again)
and is recorded (beneficiaries.models.RibChange) before any payment uses it; its notice goes to the
current address and to the one replaced recently.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured, RibChange
from beneficiaries.validators import normalise_rib, validate_rib
from portal.models import EmailChange
from portal.services.accounts.lockout import check_password_again
from portal.services.accounts.mail import letter, send_in

MSG_WRONG_PASSWORD = gettext_noop("Mot de passe incorrect : le RIB n'a pas été modifié.")
MSG_SAME_RIB = gettext_noop("Ce RIB est déjà celui enregistré.")
#: The registry fields an insured person may change online.
CONTACT_FIELDS = ("email", "phone", "address", "city")
#: The registry fields an insured person changes directly (the e-mail goes through request_email_change).
DIRECT_CONTACT_FIELDS = ("phone", "address", "city")


@transaction.atomic
def update_contact_details(*, insured: Insured, phone: str, address: str, city: str) -> Insured:
    """Contact details the insured person keeps up to date (the registry data itself is the mutuelle's)."""
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    insured.phone = phone.strip()
    insured.address = address.strip()
    insured.city = city.strip()
    others = [f.name for f in Insured._meta.concrete_fields if f.name not in DIRECT_CONTACT_FIELDS]
    insured.clean_fields(exclude=others)
    insured.save(update_fields=[*DIRECT_CONTACT_FIELDS, "updated_at"])
    return insured


def change_rib(*, insured: Insured, new_rib: str, password: str, by, request) -> RibChange:
    """Replace the RIB payments go to (domain.md §4.1), after checking the account password again
    (counted like a sign-in, see check_password_again).

    The change is recorded with the old and new RIB, and the insured person is told by email, at the
    current address and at the one replaced within settings.PREVIOUS_EMAIL_NOTICE_DAYS.
    """
    rib = normalise_rib(new_rib)
    try:
        validate_rib(rib)
    except ValidationError as exc:
        raise ValidationError({"rib": [_(m) for m in exc.messages]}) from exc
    check_password_again(user=by, password=password, request=request, message=_(MSG_WRONG_PASSWORD))
    return _record_rib_change(insured=insured, rib=rib, by=by)


@transaction.atomic
def _record_rib_change(*, insured: Insured, rib: str, by) -> RibChange:
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    if insured.rib == rib:
        raise ValidationError({"rib": _(MSG_SAME_RIB)})
    change = RibChange.objects.create(insured=insured, old_rib=insured.rib, new_rib=rib, changed_by=by)
    insured.rib = rib
    insured.save(update_fields=["rib", "updated_at"])
    addresses = rib_notice_addresses(insured=insured)
    if addresses:
        transaction.on_commit(lambda: _tell_rib_changed(addresses, insured.full_name, rib, insured.language))
    return change


def rib_notice_addresses(*, insured: Insured) -> list[str]:
    """The current address, and the one an e-mail change replaced recently (an account taken over by
    changing its address first must not hide the RIB change from its owner)."""
    addresses = [insured.email.strip().lower()] if insured.email else []
    if insured.user_id:
        since = timezone.now() - timedelta(days=settings.PREVIOUS_EMAIL_NOTICE_DAYS)
        replaced = (EmailChange.objects.filter(user_id=insured.user_id, confirmed_at__gte=since)
                    .exclude(old_email="").values_list("old_email", flat=True))
        addresses += [email for email in replaced if email not in addresses]
    return addresses


def _tell_rib_changed(emails: list[str], name: str, rib: str, language: str) -> None:
    def build() -> tuple[str, str]:
        return _("Votre RIB a été modifié"), letter(name, _(
            "Le RIB de vos remboursements a été remplacé par un RIB se terminant par %(rib)s.\nSi vous n'êtes pas à "
            "l'origine de ce changement, contactez votre mutuelle sans attendre.") % {"rib": rib[-4:]})

    for email in emails:  # one message each: neither address is shown to the other
        send_in(language, email, build)


@transaction.atomic
def remember_language(*, insured: Insured, language: str) -> Insured:
    """The language of what is sent to the insured person while no request is there (status and
    account e-mails): the one they chose on the portal."""
    if language not in dict(settings.LANGUAGES) or language == insured.language:
        return insured
    Insured.objects.filter(pk=insured.pk).update(language=language, updated_at=timezone.now())
    insured.language = language
    return insured
