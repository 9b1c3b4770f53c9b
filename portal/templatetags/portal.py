"""Template filters of the portal: amounts in dirhams, translated labels and messages."""
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from amo_portal.money import format_dh
from portal.labels import INSURED_STATUS_LABELS, RELATIONSHIP_LABELS

register = template.Library()


@register.filter
def dh(value) -> str:
    """1 234,50 DH (French format, kept in Arabic pages too: the amounts are read as on the décompte).
    Accepts the API's string amounts ("120.00")."""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return value
    # <bdi dir="ltr">: "250,00 DH" keeps its order inside a right-to-left (Arabic) page.
    return format_html('<bdi class="amount" dir="ltr">{}</bdi>', format_dh(value))


@register.filter
def msg(value) -> str:
    """A French message from the domain, translated when the catalogue knows it."""
    return gettext(value) if value else ""


@register.filter
def rights_text(entitlement) -> str:
    """Why a person is covered or not (beneficiaries.services.entitlement.Entitlement), translated,
    with its limit or date put in after the translation."""
    return entitlement.in_language(gettext) if entitlement else ""


@register.filter
def relationship_label(value) -> str:
    return str(RELATIONSHIP_LABELS.get(value, value))


@register.filter
def insured_status_label(value) -> str:
    return str(INSURED_STATUS_LABELS.get(value, value))


@register.filter
def accord_valid(accord, on) -> bool:
    return accord.covers(on)
