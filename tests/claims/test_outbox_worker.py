"""The status e-mails' outbox on a real worker over Redis: one message waits for many commits, and
every change is told once."""
import pytest

from claims.models import ClaimStatus, ClaimStatusChange
from claims.services.review import request_documents
from claims.tasks import liquidate_claim_task
from tests.factories.claims import act, file_claim
from tests.worker_support import (
    purge_queues,
    real_broker,
    redis_url,
    requires_worker,
    start_worker,
    stop_worker,
    wait_until,
)

pytestmark = [pytest.mark.worker, requires_worker, pytest.mark.django_db(transaction=True)]

def _waiting_messages() -> int:
    import redis

    return redis.Redis.from_url(redis_url()).llen("notifications")


def _pending() -> int:
    return ClaimStatusChange.objects.filter(notified_at__isnull=True).count()


def test_decisions_committed_one_by_one_queue_one_run_of_the_e_mails_which_tells_each_once(insured, agent, tmp_path):
    # given: three claims sent to an agent (filed, controlled and told in this process)
    claims = [file_claim(insured=insured, lines=[act("Cs", "250.00"), act("B 60", f"{66 + seed}.00")])
              for seed in range(3)]
    liquidate_claim_task.apply(args=(claims[0].pk,))
    assert _pending() == 0
    purge_queues()
    worker = None
    try:
        # when: the agent asks each claim's documents, one transaction each, while no worker runs
        with real_broker():
            for claim in claims:
                claim.refresh_from_db()
                request_documents(claim=claim, version=claim.version, by=agent, missing="Ordonnance originale")
        # then: one message waits for the three changes
        assert _pending() == 3
        assert _waiting_messages() == 1
        # and a worker on the e-mails' queue tells each change, once
        worker = start_worker(concurrency=1, queues=("notifications",), purge=False,
                              log_path=tmp_path / "worker.log")
        wait_until(lambda: _pending() == 0, timeout=60, message="des changements restent à dire")
    finally:
        if worker is not None:
            stop_worker(worker)
    told = ClaimStatusChange.objects.filter(to_status=ClaimStatus.DOCUMENTS_REQUESTED)
    assert told.count() == 3 and all(change.notified_at is not None for change in told)
    assert _waiting_messages() == 0
