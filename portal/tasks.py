"""Celery tasks of the portal: thin wrappers over its services."""
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from portal.services.drafts import remove_old_drafts


@shared_task
def remove_old_claim_drafts_task() -> int:
    """Delete the claim drafts unchanged for settings.CLAIM_DRAFT_MAX_AGE_DAYS, with their documents."""
    return remove_old_drafts(max_age=timedelta(days=settings.CLAIM_DRAFT_MAX_AGE_DAYS))
