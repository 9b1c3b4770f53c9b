"""Change of an account's e-mail address.

It asks for the password (counted like a sign-in, see lockout.check_password_again) and takes
effect only once the new address confirmed it by a signed, expiring link; the old address is told,
and keeps receiving everything (password resets included) until then. Once confirmed, the new
address signs in and the old one no longer does (signin.sign_in_username reads the account's
current address).
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from beneficiaries.models import Insured
from portal.models import EmailChange
from portal.services.accounts.lockout import check_password_again
from portal.services.accounts.mail import letter, masked, send_in
from portal.services.accounts.signin import email_taken

MSG_EMAIL_TAKEN = gettext_noop("Cette adresse électronique est déjà utilisée par un autre compte.")
MSG_WRONG_PASSWORD_EMAIL = gettext_noop("Mot de passe incorrect : l'adresse électronique n'a pas été modifiée.")
MSG_SAME_EMAIL = gettext_noop("Cette adresse électronique est déjà celle de votre compte.")
MSG_LINK_INVALID = gettext_noop("Ce lien de confirmation d'adresse électronique n'est pas valable.")
MSG_LINK_EXPIRED = gettext_noop("Ce lien de confirmation d'adresse électronique a expiré : refaites la demande "
                                "depuis votre profil.")
MSG_LINK_USED = gettext_noop("Ce lien de confirmation d'adresse électronique a déjà servi ou a été remplacé par "
                             "une demande plus récente.")
#: Salt of the signed links confirming a new e-mail address (django.core.signing).
EMAIL_CHANGE_SALT = "portal.email-change"


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
        language = insured.language if insured else None
        if email_taken(new_email, except_user_id=user.pk):
            transaction.on_commit(lambda: _tell_email_taken(new_email, name, language))
        else:
            link = email_change_link(change)
            transaction.on_commit(lambda: _send_email_confirmation(new_email, name, link, language))
        if old_email:
            transaction.on_commit(lambda: _tell_email_change_asked(old_email, name, new_email, language))
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
        language = insured.language if insured else None
        transaction.on_commit(lambda: _tell_email_changed(old, name, new, language))
    return change


def _send_email_confirmation(email: str, name: str, link: str, language: str | None) -> None:
    hours = settings.EMAIL_CHANGE_LINK_HOURS
    send_in(language, email, lambda: (_("Confirmez votre nouvelle adresse électronique"), letter(name, _(
        "Pour que cette adresse devienne celle de votre espace assuré, ouvrez ce lien dans les %(hours)s heures :"
        "\n\n%(link)s\n\nTant qu'elle n'est pas confirmée, votre ancienne adresse reste celle du compte.\nSi vous "
        "n'avez rien demandé, ignorez ce message.") % {"hours": hours, "link": link})))


def _tell_email_taken(email: str, name: str, language: str | None) -> None:
    send_in(language, email, lambda: (_("Changement d'adresse électronique impossible"), letter(name, _(
        "Cette adresse est déjà celle d'un autre compte de l'espace assuré : elle ne peut pas devenir celle de "
        "votre compte.\nSi vous n'avez rien demandé, ignorez ce message."))))


def _tell_email_change_asked(email: str, name: str, new_email: str, language: str | None) -> None:
    send_in(language, email, lambda: (_("Demande de changement de votre adresse électronique"), letter(name, _(
        "Une demande de remplacement de votre adresse électronique par %(email)s a été faite depuis votre espace "
        "assuré. Elle ne prendra effet que si la nouvelle adresse est confirmée ; d'ici là, cette adresse reste "
        "celle de votre compte.\nSi vous n'êtes pas à l'origine de cette demande, changez votre mot de passe sans "
        "attendre (lien « Mot de passe oublié ») et contactez votre mutuelle.") % {"email": masked(new_email)})))


def _tell_email_changed(email: str, name: str, new_email: str, language: str | None) -> None:
    send_in(language, email, lambda: (_("Votre adresse électronique a été changée"), letter(name, _(
        "L'adresse électronique de votre espace assuré est désormais %(email)s.\nSi vous n'êtes pas à l'origine "
        "de ce changement, contactez votre mutuelle sans attendre.") % {"email": masked(new_email)})))
