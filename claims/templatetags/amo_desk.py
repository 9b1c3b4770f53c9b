"""Template filters of the back office: amounts in dirhams, French dates."""
from django import template

from amo_portal.money import format_dh, format_rate

register = template.Library()


@register.filter
def dh(value) -> str:
    """1234.5 -> "1 234,50 DH"; None -> "—"."""
    return format_dh(value)


@register.filter
def rate(value) -> str:
    return format_rate(value) if value is not None else "—"
