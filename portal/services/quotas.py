"""Daily quotas of one insured person online: claims filed and documents uploaded (settings.CLAIMS_PER_DAY,
settings.DOCUMENTS_PER_DAY).

They are counted from the database (the claims and documents themselves), not from a cache: a quota
holds when Redis is down, and a day starts at midnight in Morocco (TIME_ZONE). Checked before any
uploaded file is read.
"""
from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import status

from amo_portal.exceptions import DomainError
from beneficiaries.models import Insured
from claims.models import Claim, ClaimDocument

MSG_CLAIMS_QUOTA = gettext_noop("Vous avez déposé %(max)s dossiers aujourd'hui, le nombre maximal par jour : "
                                "déposez celui-ci demain.")
MSG_DOCUMENTS_QUOTA = gettext_noop("Pièces justificatives : %(max)s fichiers au plus par jour (déjà %(count)s "
                                   "aujourd'hui) ; envoyez les autres demain.")


class QuotaExceeded(DomainError):
    """The insured person reached a daily quota; nothing was written."""

    code = "quota_depasse"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def check_filing_quota(*, insured: Insured, idempotency_key: str | None = None) -> None:
    """Raise QuotaExceeded once the insured person filed settings.CLAIMS_PER_DAY claims today (a replay
    of an idempotency key already used is not a new filing)."""
    filed = Claim.objects.filter(insured=insured, created_at__gte=start_of_today()).count()
    if filed < settings.CLAIMS_PER_DAY:
        return
    if idempotency_key and Claim.objects.filter(insured=insured, idempotency_key=idempotency_key).exists():
        return
    message = _(MSG_CLAIMS_QUOTA) % {"max": settings.CLAIMS_PER_DAY}
    raise QuotaExceeded(message, extra={"champs": {"dossier": message}})


def check_document_quota(*, insured: Insured, adding: int) -> None:
    """Raise QuotaExceeded when `adding` more documents would pass settings.DOCUMENTS_PER_DAY today."""
    if adding <= 0:
        return
    count = ClaimDocument.objects.filter(claim__insured=insured, created_at__gte=start_of_today()).count()
    if count + adding > settings.DOCUMENTS_PER_DAY:
        message = _(MSG_DOCUMENTS_QUOTA) % {"max": settings.DOCUMENTS_PER_DAY, "count": count}
        raise QuotaExceeded(message, extra={"champs": {"files": message}})
