"""Read side of the mutuelles app, scoped by who asks: which mutuelles and organismes a user deals with."""
from django.db.models import QuerySet

from mutuelles.models import AMOFund, Mutuelle


def mutuelles_visible_to(*, user) -> QuerySet[Mutuelle]:
    """All mutuelles for superusers; the mutuelles that ever worked for their organisme for its staff;
    their own for mutuelle staff; none otherwise."""
    if not user.is_authenticated or not user.is_active:
        return Mutuelle.objects.none()
    if user.is_superuser:
        return Mutuelle.objects.all()
    if user.is_fund_officer:
        return Mutuelle.objects.filter(fund_links__fund_id=user.fund_id).distinct()
    if user.is_mutuelle_staff:
        return Mutuelle.objects.filter(pk=user.mutuelle_id)
    return Mutuelle.objects.none()


def funds_visible_to(*, user) -> QuerySet[AMOFund]:
    """All organismes for superusers; their own for its staff; those their mutuelle ever worked for,
    for mutuelle staff; none otherwise."""
    if not user.is_authenticated or not user.is_active:
        return AMOFund.objects.none()
    if user.is_superuser:
        return AMOFund.objects.all()
    if user.is_fund_officer:
        return AMOFund.objects.filter(pk=user.fund_id)
    if user.is_mutuelle_staff:
        return AMOFund.objects.filter(mutuelle_links__mutuelle_id=user.mutuelle_id).distinct()
    return AMOFund.objects.none()
