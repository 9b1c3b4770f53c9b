"""Celery tasks of the payments app."""
from celery import shared_task


@shared_task
def build_all_batches_task() -> int:
    """Placeholder until payment batches exist: builds nothing."""
    return 0
