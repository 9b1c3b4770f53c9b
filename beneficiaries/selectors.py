"""Read side of the registry, scoped by who asks: an agent sees only their mutuelle's people."""
from datetime import date

from django.db.models import QuerySet

from amo_portal.scoping import scoped_to
from beneficiaries.models import Dependent, Insured
from mutuelles.models import AMOFund
from mutuelles.selectors import payers_in_force


def insured_visible_to(*, user) -> QuerySet[Insured]:
    """Insured persons the user may see: all for superusers and organisme staff, their mutuelle's
    for mutuelle staff, themselves for an insured person, nobody otherwise."""
    return scoped_to(Insured.objects.all(), user=user, own="user")

def dependents_visible_to(*, user) -> QuerySet[Dependent]:
    return Dependent.objects.filter(insured__in=insured_visible_to(user=user))


def payer_of(insured: Insured, *, on: date) -> AMOFund | None:
    """The organisme that pays the AMO share of the insured person's care on a date: their
    régime's payer (mutuelles.RegimePayer), which the portal shows as their "organisme AMO"."""
    payer = payers_in_force(on).filter(regime_id=insured.regime_id).select_related("fund").first()
    return None if payer is None else payer.fund
