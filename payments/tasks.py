"""Celery tasks of the payments app: thin, idempotent wrappers that take ids and call one service.

The chunked jobs re-enqueue themselves while there is more to do; each chunk is its own
transaction, so a worker killed half-way loses at most the chunk it was writing, and the next
run (the redelivered message, or the nightly sweep) resumes where the last commit left off.
"""
from celery import shared_task
from django.db import DatabaseError, OperationalError

#: A chunked job re-enqueues itself at most this many times in a row.
MAX_INVOCATIONS = 10000


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_all_batches_task(self) -> int:
    """Open a bordereau for every (mutuelle, organisme) pair with payable claims, and resume the
    jobs left unfinished (a worker lost, a message lost); returns how many bordereaux were started."""
    from mutuelles.models import AMOFund, Mutuelle
    from mutuelles.services import system_user
    from payments.services.building import payer_pairs_with_payable_claims, start_bordereau
    from payments.services.resume import resume_unfinished_jobs

    try:
        pairs = payer_pairs_with_payable_claims()
        for mutuelle_id, fund_id in pairs:
            start_bordereau(mutuelle=Mutuelle.objects.get(pk=mutuelle_id), fund=AMOFund.objects.get(pk=fund_id),
                            by=system_user())
        resume_unfinished_jobs()  # enqueues the constitution of the bordereaux just opened, too
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=30) from exc
    return len(pairs)


@shared_task(bind=True, acks_late=True, max_retries=5)
def build_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0) -> tuple[int, bool]:
    """Put the next chunk of payable claims into the bordereau being built, then go on."""
    from payments.services.building import CHUNK, fill_bordereau

    try:
        processed, more = fill_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK)
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        build_bordereau_task.delay(bordereau_id, chunk, invocation + 1)
    return processed, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def release_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0) -> tuple[int, bool]:
    """Give the claims of a rejected bordereau back to their mutuelle's queue, chunk by chunk."""
    from payments.services.review import CHUNK, release_rejected_bordereau

    try:
        processed, more = release_rejected_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK)
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        release_bordereau_task.delay(bordereau_id, chunk, invocation + 1)
    return processed, more


@shared_task(bind=True, acks_late=True, max_retries=5)
def execute_bordereau_task(self, bordereau_id: int, user_id: int | None = None) -> int:
    """Issue the transfer order of an approved bordereau (once); returns the order's id."""
    from django.contrib.auth import get_user_model

    from mutuelles.services import system_user
    from payments.exceptions import PayerAccountMissing
    from payments.services.execution import execute_bordereau

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return execute_bordereau(bordereau_id=bordereau_id, by=by or system_user()).pk
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    except PayerAccountMissing:
        return 0  # recorded on the bordereau; an officer fixes the account and starts it again


@shared_task(bind=True, acks_late=True, max_retries=5)
def settle_bordereau_task(self, bordereau_id: int, chunk: int | None = None, invocation: int = 0) -> tuple[int, bool]:
    """Apply the imported bank return to the next chunk of claims, then go on."""
    from payments.services.bank_return import CHUNK, settle_bordereau

    try:
        processed, more = settle_bordereau(bordereau_id=bordereau_id, limit=chunk or CHUNK)
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    if more and invocation < MAX_INVOCATIONS:
        settle_bordereau_task.delay(bordereau_id, chunk, invocation + 1)
    return processed, more
