"""A claim filed again to correct a rejected one: the link between the two ("Corriger et déposer à
nouveau" on the insured person's claim page)."""
from django.db import transaction
from django.utils import timezone

from amo_portal.exceptions import DomainError
from claims.models import Claim, ClaimStatus

MSG_NOT_CORRECTABLE = "Seul un dossier rejeté du même assuré peut être corrigé par un nouveau dossier."


class CorrectionRefused(DomainError):
    code = "correction_refusee"


@transaction.atomic
def link_correction(*, claim: Claim, corrected: Claim) -> Claim:
    """Record that `claim` corrects the rejected claim `corrected`, of the same insured person."""
    if (corrected.status != ClaimStatus.REJECTED or corrected.insured_id != claim.insured_id
            or corrected.pk == claim.pk):
        raise CorrectionRefused(MSG_NOT_CORRECTABLE)
    Claim.objects.filter(pk=claim.pk).update(corrects=corrected, updated_at=timezone.now())
    claim.corrects = corrected
    return claim
