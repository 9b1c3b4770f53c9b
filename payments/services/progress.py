"""Progress of the long jobs on a bordereau, written so that the admin can show it while they run."""
from django.db.models import F
from django.utils import timezone

from payments.models import Bordereau


def start_progress(*, bordereau_id: int, step: str, total: int) -> None:
    """A job begins: name its step and how many claims it has to go through."""
    Bordereau.objects.filter(pk=bordereau_id).update(progress_step=step[:120], progress_done=0, job_error="",
                                                     progress_total=total, progress_at=timezone.now())


def advance_progress(*, bordereau_id: int, done: int) -> None:
    """Add `done` claims to the count; an UPDATE with F() so that parallel workers add up."""
    Bordereau.objects.filter(pk=bordereau_id).update(progress_done=F("progress_done") + done,
                                                     progress_at=timezone.now())


def end_progress(*, bordereau_id: int) -> None:
    """The job is over."""
    Bordereau.objects.filter(pk=bordereau_id).update(progress_step="", job_error="", progress_at=timezone.now())


def record_job_error(*, bordereau_id: int, message: str) -> None:
    """The job stopped on a business error: the admin shows why, and the job can be started again."""
    Bordereau.objects.filter(pk=bordereau_id).update(progress_step="", job_error=message[:500],
                                                     progress_at=timezone.now())
