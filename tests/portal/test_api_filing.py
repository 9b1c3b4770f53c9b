"""Filing through the API as the mobile app does it: token checked on every call, one status row,
the rows written and the liquidation queued once, the status emails on their own queue."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLine, ClaimStatus
from claims.services.intake import claim_number
from portal.models import ApiToken
from portal.services.tokens import issue_token
from tests.factories.mutuelles import StaffFactory
from tests.portal.conftest import claim_payload
from tests.worker_support import purge_queues, real_broker, redis_url, requires_worker

pytestmark = pytest.mark.django_db

LIQUIDATE = "claims.tasks.liquidate_claim_task"
NOTIFY = "claims.tasks.notify_status_change_task"


def test_a_deleted_token_is_refused_at_once(api, member):
    # given: the app works with its token
    assert api.get("/api/v1/moi/").status_code == 200
    # when
    ApiToken.objects.filter(user=member.user).delete()
    response = api.get("/api/v1/moi/")
    # then
    assert response.status_code in (401, 403)
    assert response.json()["message"] == "Jeton invalide."


def test_a_deactivated_account_is_refused_at_once(api, member):
    # given
    assert api.get("/api/v1/moi/").status_code == 200
    # when
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    response = api.post("/api/v1/dossiers/", claim_payload(), format="json")
    # then
    assert response.status_code in (401, 403)
    assert response.json()["message"] == "Compte inactif ou supprimé."
    assert not Claim.objects.filter(insured=member).exists()


def test_a_token_of_an_account_without_insured_person_finds_no_insured(db):
    # given: an insured person's account whose registry row is gone (a staff account's token is refused
    # before: tests/admin/test_staff_surfaces.py)
    client = APIClient()
    account = StaffFactory(role="assure", mutuelle=None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=account)[1]}")
    # when
    response = client.get("/api/v1/moi/")
    # then
    assert response.status_code == 404
    assert response.json()["message"] == "Aucun assuré n'est rattaché à ce compte."


def test_the_token_brings_the_insured_persons_mutuelle_and_organisme(api, member):
    # when
    body = api.get("/api/v1/moi/").json()
    # then
    assert (body["registration_number"], body["mutuelle"]["code"], body["fund"]["code"]) == (
        member.registration_number, member.mutuelle.code, member.fund.code)


def test_a_filed_claim_is_deposited_at_once_with_one_status_row(api, member):
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(), format="json")
    # then: answered from memory, and stored as answered
    assert response.status_code == 201
    body = response.json()
    claim = Claim.objects.get(pk=body["id"])
    assert (claim.status, claim.version, body["status"]) == (ClaimStatus.SUBMITTED, 1, ClaimStatus.SUBMITTED)
    assert claim.number == body["number"] == f"{member.mutuelle.code}-{claim.filed_on.year}-{claim.pk:08d}"
    assert claim.submitted_at is not None
    rows = list(claim.status_changes.values_list("from_status", "to_status", "changed_by", "reason"))
    assert rows == [("", ClaimStatus.SUBMITTED, member.user.pk, "Dossier déposé.")]
    # and the timeline reads the same through the API
    timeline = api.get(f"/api/v1/dossiers/{claim.pk}/").json()["timeline"]
    assert [(step["status"], step["label"]) for step in timeline] == [(ClaimStatus.SUBMITTED, "déposé")]
    assert body["timeline"][0]["status"] == ClaimStatus.SUBMITTED


def test_a_filed_claim_keeps_its_lines_and_finds_its_medicines(api, member):
    # when
    response = api.post("/api/v1/dossiers/", claim_payload(lines=[
        {"kind": "acte", "cotation": "Cs", "paid": "250.00"},
        {"kind": "medicament", "code": "6118000000001", "quantity": 2, "paid": "31.60"},
        {"kind": "medicament", "code": "0000000000000", "paid": "10.00"}]), format="json")
    # then
    assert response.status_code == 201
    lines = ClaimLine.objects.filter(claim_id=response.json()["id"]).order_by("position")
    assert [(line.position, line.kind, line.cotation, line.medicine_code, line.quantity, str(line.amount_paid))
            for line in lines] == [(1, "acte", "Cs", "", 1, "250.00"),
                                   (2, "medicament", "", "6118000000001", 2, "31.60"),
                                   (3, "medicament", "", "0000000000000", 1, "10.00")]
    assert [line.medicine.code if line.medicine else None for line in lines] == [None, "6118000000001", None]
    assert Claim.objects.get(pk=response.json()["id"]).total_paid == sum(line.amount_paid for line in lines)


def test_filing_an_act_only_claim_reads_nothing_but_the_token(api, member):
    # given
    api.get("/api/v1/moi/")  # connection open
    # when
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/dossiers/", claim_payload(), format="json")
    # then: the token, the count of the day's claims (the daily quota), the payer of the person's
    # régime on the filing day, then the claim, the number that contains its id, its audit row and its
    # lines, the same on both databases. No lookup of the key.
    assert response.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    statements = [s for s in statements if s not in ("SAVEPOINT", "RELEASE")]  # the test's own transaction
    assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "UPDATE", "INSERT", "INSERT"]
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.number == response.json()["number"] == claim_number(
        mutuelle_code=member.mutuelle.code, filed_on=claim.filed_on, claim_id=claim.pk)
    assert [(c.from_status, c.to_status) for c in claim.status_changes.all()] == [("", ClaimStatus.SUBMITTED)]
    assert list(claim.lines.order_by("position").values_list("position", "cotation")) == [(1, "Cs"), (2, "B 60")]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_filing_is_committed_whole_and_a_replay_writes_nothing(api, member):
    # given: no transaction around the request, as under gunicorn
    assert not connection.in_atomic_block
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-autocommit-1"}
    first = api.post("/api/v1/dossiers/", claim_payload(), format="json", **headers)
    # when: the same key again, then a body that the key does not match
    replay = api.post("/api/v1/dossiers/", claim_payload(), format="json", **headers)
    other = api.post("/api/v1/dossiers/", claim_payload(prescriber_inpe="987654321"), format="json", **headers)
    after = api.post("/api/v1/dossiers/", claim_payload(care_sheet_number="FS-2"), format="json")
    # then: one claim for the key, written whole; the refused replay left the connection usable
    assert (first.status_code, replay.status_code, other.status_code, after.status_code) == (201, 201, 409, 201)
    assert replay.json()["id"] == first.json()["id"]
    claims = Claim.objects.filter(insured=member).order_by("pk")
    assert [c.pk for c in claims] == [first.json()["id"], after.json()["id"]]
    for claim in claims:  # (the liquidation ran at the commit, in-process: the history goes on from there)
        assert claim.lines.count() == 2
        assert claim.status_changes.order_by("pk").values_list("from_status", "to_status")[0] == (
            "", ClaimStatus.SUBMITTED)
        assert claim.number == claim_number(mutuelle_code=member.mutuelle.code, filed_on=claim.filed_on,
                                            claim_id=claim.pk)


def test_replaying_a_key_answers_the_first_claim_without_writing_anything(api, member):
    # given
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-rejeu-1"}
    first = api.post("/api/v1/dossiers/", claim_payload(), format="json", **headers)
    # when
    second = api.post("/api/v1/dossiers/", claim_payload(), format="json", **headers)
    # then
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["number"] == first.json()["number"]
    assert Claim.objects.filter(insured=member).count() == 1
    claim = Claim.objects.get(insured=member)
    assert claim.status_changes.count() == 1
    assert claim.lines.count() == 2


def _queued() -> dict[str, list[str]]:
    import json

    import redis

    client = redis.Redis.from_url(redis_url())
    return {queue: [json.loads(m)["headers"]["task"] for m in client.lrange(queue, 0, -1)]
            for queue in ("celery", "notifications")}


@requires_worker
def test_claims_filed_in_a_burst_queue_one_liquidation_message(api, member, django_capture_on_commit_callbacks):
    # given: nothing queued, no message waiting
    purge_queues()
    try:
        # when: three claims filed before any worker starts the liquidation
        with real_broker(), django_capture_on_commit_callbacks(execute=True):
            for seed in range(3):
                response = api.post("/api/v1/dossiers/", claim_payload(care_sheet_number=f"FS-{seed}"),
                                    format="json")
                assert response.status_code == 201
        # then: the first message will see all three; no email is queued at filing
        assert _queued() == {"celery": [LIQUIDATE], "notifications": []}
    finally:
        purge_queues()


@requires_worker
def test_status_emails_go_to_the_notifications_queue(member, django_capture_on_commit_callbacks):
    # given: a claim filed (its liquidation runs here, not queued)
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.services import system_user
    from tests.factories.claims import act, file_claim, with_document
    from tests.portal.conftest import CARE_DATE

    file_claim(insured=member, lines=[act("Cs", "150.00")], documents=with_document(seed=4), care_date=CARE_DATE)
    purge_queues()
    try:
        # when: the controls decide, with the broker real
        with real_broker(), django_capture_on_commit_callbacks(execute=True):
            liquidate_pending_claims(by=system_user())
        # then
        assert _queued() == {"celery": [], "notifications": [NOTIFY]}
    finally:
        purge_queues()
