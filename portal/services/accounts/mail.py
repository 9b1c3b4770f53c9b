"""The account notices go by plain e-mail, one recipient each: no address is shown to another."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail


def send(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)


def masked(email: str) -> str:
    """An address as a notice to another address shows it: enough to recognise, not to write to."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"
