"""Read side of the claims, scoped by who asks (the one place that decides who sees a claim)."""
from django.db.models import QuerySet

from amo_portal.scoping import scoped_to
from claims.models import Claim, ClaimDocument


def claims_visible_to(*, user) -> QuerySet[Claim]:
    """Claims the user may see: their mutuelle's (mutuelle staff), their organisme's (CNOPS
    staff), their own (insured person), all (superuser), or none."""
    return scoped_to(Claim.objects.all(), user=user, own="insured__user")

def documents_visible_to(*, user) -> QuerySet[ClaimDocument]:
    return ClaimDocument.objects.filter(claim__in=claims_visible_to(user=user))
