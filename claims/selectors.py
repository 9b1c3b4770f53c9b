"""Read side of the claims, scoped by who asks (the one place that decides who sees a claim)."""
from datetime import date

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from amo_portal.scoping import scoped_to
from claims.models import Claim, ClaimDocument, ClaimStatus, ClaimStatusChange, Reclamation


def claims_visible_to(*, user) -> QuerySet[Claim]:
    """Claims the user may see: their mutuelle's (mutuelle staff), their organisme's (CNOPS
    staff), their own (insured person), all (superuser), or none."""
    return scoped_to(Claim.objects.all(), user=user, own="insured__user")

def documents_visible_to(*, user) -> QuerySet[ClaimDocument]:
    return ClaimDocument.objects.filter(claim__in=claims_visible_to(user=user))


def liquidations_by_filing_day(*, mutuelle_id: int, since: date, until: date) -> list[tuple[date, date, int]]:
    """The mutuelle's liquidations from `since` to `until` (inclusive), as (filed on, liquidated on,
    how many): grouped by day pair, so that a month of liquidations is a few hundred rows at most."""
    rows = (ClaimStatusChange.objects
            .filter(to_status=ClaimStatus.LIQUIDATED, claim__mutuelle_id=mutuelle_id,
                    claim__filed_on__isnull=False, changed_at__date__gte=since, changed_at__date__lte=until)
            .annotate(liquidated_on=TruncDate("changed_at"))
            .values_list("claim__filed_on", "liquidated_on")
            .annotate(n=Count("pk"))
            .order_by())
    return [(filed_on, liquidated_on, n) for filed_on, liquidated_on, n in rows]


def reclamations_visible_to(*, user) -> QuerySet[Reclamation]:
    """Réclamations on the claims the user may see."""
    return Reclamation.objects.filter(claim__in=claims_visible_to(user=user))
