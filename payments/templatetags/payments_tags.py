"""Filters of the payments pages: amounts in dirhams and French thousands."""
from django import template

from amo_portal.money import ZERO, format_dh

register = template.Library()


@register.filter
def dh(value) -> str:
    """1234.5 -> "1 234,50 DH"; empty -> 0,00 DH."""
    return format_dh(value if value is not None else ZERO)


@register.filter
def thousands(value) -> str:
    """12345 -> "12 345" (narrow no-break space, as in format_dh)."""
    if value is None:
        return "0"
    return f"{int(value):,}".replace(",", "\u202f")


@register.filter
def days(value) -> str:
    """A delay in days: 54 -> "54 j"; nothing measured -> "—"."""
    if value is None:
        return "—"
    return f"{value:.0f}\u00a0j"


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}\u00a0%"
