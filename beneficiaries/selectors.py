"""Read side of the registry, scoped by who asks: an agent sees only their mutuelle's people."""
from django.db.models import QuerySet

from amo_portal.scoping import scoped_to
from beneficiaries.models import Dependent, Insured


def insured_visible_to(*, user) -> QuerySet[Insured]:
    """Insured persons the user may see: all for superusers and organisme staff, their mutuelle's
    for mutuelle staff, themselves for an insured person, nobody otherwise."""
    return scoped_to(Insured.objects.all(), user=user, own="user")

def dependents_visible_to(*, user) -> QuerySet[Dependent]:
    return Dependent.objects.filter(insured__in=insured_visible_to(user=user))

