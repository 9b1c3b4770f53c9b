"""The account notices go by plain e-mail, one recipient each: no address is shown to another."""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _


def send(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)


def send_in(language: str | None, to: str, build: Callable[[], tuple[str, str]]) -> None:
    """Write the message (subject, body) in `language` (the insured person's), else in the active one."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject, body = build()
    send(to, subject, body)


def letter(name: str, text: str) -> str:
    """A notice's body: the greeting, the text, the signature, in the active language."""
    return "\n\n".join([_("Bonjour %(name)s,") % {"name": name}, text, _("Votre mutuelle")])


def masked(email: str) -> str:
    """An address as a notice to another address shows it: enough to recognise, not to write to."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"
