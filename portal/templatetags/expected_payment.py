"""The expected payment date of a claim in progress, as the insured person reads it."""
from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from claims.services.expected_payment import expected_payment_for

register = template.Library()


@register.simple_tag
def expected_payment(claim) -> str:
    """"Paiement prévu vers le 12/01/2027" and why, or nothing for a claim not on its way to payment."""
    expected = expected_payment_for(claim, today=timezone.localdate())
    if expected is None:
        return ""
    return format_html(
        '<p class="claim-meta expected-payment">{}<br><small>{}</small></p>',
        _("Paiement prévu vers le %(day)s") % {"day": expected.strftime("%d/%m/%Y")},
        _("selon le délai actuel de votre mutuelle et le calendrier des virements"))
