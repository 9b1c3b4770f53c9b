"""Claims filed through the API in a burst, liquidated by a real worker though fewer messages were sent."""
import pytest
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus
from portal.services.tokens import issue_token
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory
from tests.portal.conftest import claim_payload
from tests.worker_support import real_broker, redis_url, requires_worker, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.worker, requires_worker, pytest.mark.django_db(transaction=True)]


def _mark_present() -> bool:
    import redis

    from amo_portal.celery import waiting_key

    return bool(redis.Redis.from_url(redis_url()).exists(waiting_key("claims.tasks.liquidate_claim_task")))


def test_every_claim_of_a_burst_is_liquidated_and_the_next_filing_queues_again(tmp_path):
    # given: an insured person of the app, and a worker
    insured = InsuredFactory(user=StaffFactory(role="assure", mutuelle=None, username="rafale.test"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=insured.user)[1]}")
    worker = start_worker(concurrency=2, log_path=tmp_path / "worker.log")
    try:
        # when: ten claims filed one after the other, each committed before the next
        with real_broker():
            for seed in range(10):
                assert api.post("/api/v1/dossiers/", claim_payload(care_sheet_number=f"R-{seed}"),
                                format="json").status_code == 201
        # then: all of them leave "déposé", and no mark is left once the worker has started
        wait_until(lambda: not Claim.objects.filter(status=ClaimStatus.SUBMITTED).exists(), timeout=60,
                   message="des dossiers de la rafale restent déposés")
        wait_until(lambda: not _mark_present(), timeout=10, message="la marque du message en attente reste")
        # and a claim filed afterwards queues a message of its own, and is liquidated too
        with real_broker():
            late = api.post("/api/v1/dossiers/", claim_payload(care_sheet_number="R-late"), format="json").json()
        wait_until(lambda: Claim.objects.get(pk=late["id"]).status != ClaimStatus.SUBMITTED, timeout=30,
                   message="le dossier déposé après la rafale n'a pas été liquidé")
    finally:
        stop_worker(worker)
    assert Claim.objects.filter(insured=insured).count() == 11
    assert set(Claim.objects.values_list("liquidation_count", flat=True)) == {1}
