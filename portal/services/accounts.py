"""Online accounts of insured persons: sign-up from the registry, contact details, e-mail and RIB changes.

An insured person already in the registry (registration card: AMO registration number, CNIE,
birth date) asks for an account with an email address. The answer on the page is always the same,
so that it tells nobody who is in the registry, who has an account, or which addresses are used:
the details go by email. A person found without an account gets a link (signed, valid a few days)
to that address, where they choose their password and the account opens; a person who already has
an account is told at the account's address; an address already used is told at that address.
A RIB change asks for the password again and is recorded (beneficiaries.models.RibChange) before
any payment uses it; its notice goes to the current address and to the one replaced recently. An
e-mail change asks for the password and takes effect only once the new address confirmed it by a
signed, expiring link; the old address is told, and keeps receiving everything (password resets
included) until then. Each password check counts like a sign-in (django-axes): a stolen session
cannot try passwords without limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured, RibChange
from beneficiaries.validators import normalise_cnie, normalise_rib, validate_rib
from mutuelles.models import StaffRole
from portal.models import EmailChange
from portal.throttle import address_locked_out

# Messages are French msgids: gettext_noop marks them for the catalogue, `_()` translates them when raised.
MSG_SIGNUP_LINK_INVALID = gettext_noop("Ce lien n'est plus valable (expiré, ou le compte est déjà ouvert) : refaites "
                                       "la demande de compte, ou connectez-vous.")
MSG_EMAIL_TAKEN = gettext_noop("Cette adresse électronique est déjà utilisée par un autre compte.")
MSG_WRONG_PASSWORD = gettext_noop("Mot de passe incorrect : le RIB n'a pas été modifié.")
MSG_SAME_RIB = gettext_noop("Ce RIB est déjà celui enregistré.")
#: How long the link that opens an account stays valid.
SIGNUP_LINK_MAX_AGE = 3 * 24 * 3600
SIGNUP_SALT = "portal.accounts.signup"
MSG_WRONG_PASSWORD_EMAIL = gettext_noop("Mot de passe incorrect : l'adresse électronique n'a pas été modifiée.")
MSG_TOO_MANY_PASSWORDS = gettext_noop("Trop d'essais de mot de passe : réessayez dans %(minutes)s minutes.")
MSG_SAME_EMAIL = gettext_noop("Cette adresse électronique est déjà celle de votre compte.")
MSG_LINK_INVALID = gettext_noop("Ce lien de confirmation d'adresse électronique n'est pas valable.")
MSG_LINK_EXPIRED = gettext_noop("Ce lien de confirmation d'adresse électronique a expiré : refaites la demande "
                                "depuis votre profil.")
MSG_LINK_USED = gettext_noop("Ce lien de confirmation d'adresse électronique a déjà servi ou a été remplacé par "
                             "une demande plus récente.")
#: Salt of the signed links confirming a new e-mail address (django.core.signing).
EMAIL_CHANGE_SALT = "portal.email-change"
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
        raise ValidationError({"__all__": _(MSG_SIGNUP_LINK_INVALID)})
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


def check_password_again(*, user, password: str, request, message: str) -> None:
    """Raise ValidationError({"password": message}) unless `password` is the account's.

    The check goes through django.contrib.auth.authenticate, hence django-axes: a failure counts as a
    failed sign-in of the account from this client address, and once locked out even the right
    password is refused. It must run outside any transaction, or the failure it records would be
    rolled back with the refused change.
    """
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is not None and checked.pk == user.pk:
        return
    if getattr(request, "axes_locked_out", False) or address_locked_out(request):
        minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
        raise ValidationError({"password": _(MSG_TOO_MANY_PASSWORDS) % {"minutes": minutes}})
    raise ValidationError({"password": message})


def current_email(*, user, insured: Insured | None) -> str:
    return (user.email or (insured.email if insured else "") or "").strip().lower()


def request_email_change(*, user, insured: Insured | None, new_email: str, password: str, request) -> EmailChange:
    """Ask to change the account's e-mail address: after the password, a link goes to the new address
    and a notice to the current one, which stays the account's until the link is followed.

    An address already used by another account receives a notice instead of the link (the answer
    here is the same, so that the form does not reveal which addresses have an account).
    """
    new_email = new_email.strip().lower()
    old_email = current_email(user=user, insured=insured)
    if new_email == old_email:
        raise ValidationError({"email": _(MSG_SAME_EMAIL)})
    check_password_again(user=user, password=password, request=request, message=_(MSG_WRONG_PASSWORD_EMAIL))
    with transaction.atomic():
        change = EmailChange(user=user, old_email=old_email, new_email=new_email)
        change.full_clean()
        change.save()
        name = insured.full_name if insured else user.get_full_name()
        if email_taken(new_email, except_user_id=user.pk):
            transaction.on_commit(lambda: _tell_email_taken(new_email, name))
        else:
            link = email_change_link(change)
            transaction.on_commit(lambda: _send_email_confirmation(new_email, name, link))
        if old_email:
            transaction.on_commit(lambda: _tell_email_change_asked(old_email, name, new_email))
    return change


def email_change_link(change: EmailChange) -> str:
    token = signing.dumps({"c": change.pk, "e": change.new_email}, salt=EMAIL_CHANGE_SALT, compress=True)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal:email_confirm", kwargs={"token": token})


def pending_email_change(token: str) -> EmailChange:
    """The change a confirmation link stands for, still to be done; ValidationError naming why not."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=timedelta(hours=settings.EMAIL_CHANGE_LINK_HOURS))
    except signing.SignatureExpired as exc:
        raise ValidationError(_(MSG_LINK_EXPIRED)) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_(MSG_LINK_INVALID)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise ValidationError(_(MSG_LINK_INVALID))
    change = EmailChange.objects.select_related("user").filter(pk=data["c"], new_email=data.get("e")).first()
    if change is None:
        raise ValidationError(_(MSG_LINK_INVALID))
    newest = EmailChange.objects.filter(user_id=change.user_id).order_by("-pk").values_list("pk", flat=True).first()
    if change.confirmed_at is not None or newest != change.pk or \
            (change.user.email or "").strip().lower() != change.old_email:
        raise ValidationError(_(MSG_LINK_USED))
    return change


@transaction.atomic
def confirm_email_change(*, token: str) -> EmailChange:
    """Follow a confirmation link: the new address becomes the account's (and its sign-in identifier,
    when that was the old address), and the old address is told."""
    change = pending_email_change(token)
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=change.user_id)
    change = EmailChange.objects.select_for_update().get(pk=change.pk)
    if change.confirmed_at is not None or (user.email or "").strip().lower() != change.old_email:
        raise ValidationError(_(MSG_LINK_USED))
    if email_taken(change.new_email, except_user_id=user.pk):
        raise ValidationError(_(MSG_EMAIL_TAKEN))
    fields = ["email"]
    if user.get_username().lower() == change.old_email and change.old_email:
        user.username = change.new_email
        fields.append("username")
    user.email = change.new_email
    user.save(update_fields=fields)
    insured = Insured.objects.select_for_update().filter(user=user).first()
    if insured is not None:
        insured.email = change.new_email
        insured.save(update_fields=["email", "updated_at"])
    change.confirmed_at = timezone.now()
    change.save(update_fields=["confirmed_at"])
    name = insured.full_name if insured else user.get_full_name()
    if change.old_email:
        old, new = change.old_email, change.new_email
        transaction.on_commit(lambda: _tell_email_changed(old, name, new))
    return change


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def _send_email_confirmation(email: str, name: str, link: str) -> None:
    hours = settings.EMAIL_CHANGE_LINK_HOURS
    _send(email, "Confirmez votre nouvelle adresse électronique",
          f"Bonjour {name},\n\nPour que cette adresse devienne celle de votre espace assuré, ouvrez ce lien "
          f"dans les {hours} heures :\n\n{link}\n\nTant qu'elle n'est pas confirmée, votre ancienne adresse reste "
          "celle du compte.\nSi vous n'avez rien demandé, ignorez ce message.\n\nVotre mutuelle")


def _tell_email_taken(email: str, name: str) -> None:
    _send(email, "Changement d'adresse électronique impossible",
          f"Bonjour {name},\n\nCette adresse est déjà celle d'un autre compte de l'espace assuré : elle ne peut "
          "pas devenir celle de votre compte.\nSi vous n'avez rien demandé, ignorez ce message.\n\nVotre mutuelle")


def _tell_email_change_asked(email: str, name: str, new_email: str) -> None:
    _send(email, "Demande de changement de votre adresse électronique",
          f"Bonjour {name},\n\nUne demande de remplacement de votre adresse électronique par {_masked(new_email)} "
          "a été faite depuis votre espace assuré. Elle ne prendra effet que si la nouvelle adresse est confirmée ; "
          "d'ici là, cette adresse reste celle de votre compte.\nSi vous n'êtes pas à l'origine de cette demande, "
          "changez votre mot de passe sans attendre (lien « Mot de passe oublié ») et contactez votre mutuelle."
          "\n\nVotre mutuelle")


def _tell_email_changed(email: str, name: str, new_email: str) -> None:
    _send(email, "Votre adresse électronique a été changée",
          f"Bonjour {name},\n\nL'adresse électronique de votre espace assuré est désormais {_masked(new_email)}."
          "\nSi vous n'êtes pas à l'origine de ce changement, contactez votre mutuelle sans attendre.\n\n"
          "Votre mutuelle")


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
        transaction.on_commit(lambda: _tell_rib_changed(addresses, insured.full_name, rib))
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


def _tell_rib_changed(emails: list[str], name: str, rib: str) -> None:
    for email in emails:  # one message each: neither address is shown to the other
        send_mail(
            "Votre RIB a été modifié",
            f"Bonjour {name},\n\nLe RIB de vos remboursements a été remplacé par un RIB se terminant par "
            f"{rib[-4:]}.\nSi vous n'êtes pas à l'origine de ce changement, contactez votre mutuelle sans "
            "attendre.\n\nVotre mutuelle",
            settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True,
        )
