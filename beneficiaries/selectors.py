"""Read side of the registry, scoped by who asks: an agent sees only their mutuelle's people."""
from django.db.models import QuerySet

from beneficiaries.models import Dependent, Insured


def insured_visible_to(*, user) -> QuerySet[Insured]:
    """Insured persons the user may see: all for superusers and organisme staff, their mutuelle's
    for mutuelle staff, themselves for an insured person, nobody otherwise."""
    if not user.is_authenticated or not user.is_active:
        return Insured.objects.none()
    if user.is_superuser:
        return Insured.objects.all()
    if user.is_fund_officer:
        return Insured.objects.filter(fund_id=user.fund_id)
    if user.is_mutuelle_staff:
        return Insured.objects.filter(mutuelle_id=user.mutuelle_id)
    return Insured.objects.filter(user=user)


def dependents_visible_to(*, user) -> QuerySet[Dependent]:
    return Dependent.objects.filter(insured__in=insured_visible_to(user=user))

