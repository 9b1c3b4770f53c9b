"""Read side of the claims, scoped by who asks (the one place that decides who sees a claim)."""
from django.db.models import QuerySet

from claims.models import Claim, ClaimDocument


def claims_visible_to(*, user) -> QuerySet[Claim]:
    """Claims the user may see: their mutuelle's (mutuelle staff), their organisme's (CNOPS
    staff), their own (insured person), all (superuser), or none."""
    if not user.is_authenticated or not user.is_active:
        return Claim.objects.none()
    if user.is_superuser:
        return Claim.objects.all()
    if user.is_fund_officer:
        return Claim.objects.filter(fund_id=user.fund_id)
    if user.is_mutuelle_staff:
        return Claim.objects.filter(mutuelle_id=user.mutuelle_id)
    return Claim.objects.filter(insured__user=user)


def documents_visible_to(*, user) -> QuerySet[ClaimDocument]:
    return ClaimDocument.objects.filter(claim__in=claims_visible_to(user=user))
