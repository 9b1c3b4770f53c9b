"""Read side of the mutuelles app, scoped by who asks: which mutuelles and organismes a user deals with."""
from datetime import date

from django.db.models import QuerySet

from amo_portal.scoping import scoped_to
from mutuelles.models import AMOFund, Mutuelle, RegimePayer


def mutuelles_visible_to(*, user) -> QuerySet[Mutuelle]:
    """All mutuelles for superusers; the mutuelles that ever worked for their organisme for its staff;
    their own for mutuelle staff; none otherwise."""
    return scoped_to(Mutuelle.objects.all(), user=user, fund="fund_links__fund_id", mutuelle="pk").distinct()

def funds_visible_to(*, user) -> QuerySet[AMOFund]:
    """All organismes for superusers; their own for its staff; those their mutuelle ever worked for,
    for mutuelle staff; none otherwise."""
    return scoped_to(AMOFund.objects.all(), user=user, fund="pk", mutuelle="mutuelle_links__mutuelle_id").distinct()


def payers_in_force(on: date) -> QuerySet[RegimePayer]:
    """Which organisme pays the AMO share of each régime on a date (mutuelles.RegimePayer): the one
    answer to "who pays". Filing and the simulator ask it on the filing day (payer_on), the bordereau
    builder on the day claims enter a bordereau, the portal on the day it shows."""
    return RegimePayer.objects.in_force(on)


def payer_on(*, regime_id: int, on: date) -> int | None:
    """The organisme that pays the AMO share of a régime on a date, or None if no payer is in force."""
    return payers_in_force(on).filter(regime_id=regime_id).values_list("fund_id", flat=True).first()
