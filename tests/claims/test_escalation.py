"""Claims that risk passing 60 days unpaid (claims.services.escalation): one digest per mutuelle to
its supervisors, one notice per claim to the insured person, never twice."""
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.services.escalation import escalate_late_claims
from claims.workflow import transition_claim
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_queue_cache():
    cache.clear()
    yield
    cache.clear()


def filed(insured, today, days_ago: int) -> Claim:
    day = today - timedelta(days=days_ago)
    return file_claim(insured=insured, lines=[act("C", "80.00")], care_date=day, filed_on=day)


def move(claim, *steps, by) -> None:
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        for to in steps:
            transition_claim(claim=locked, to=to, by=by)


def test_one_digest_per_mutuelle_one_notice_per_claim_and_never_twice(mgpap, mgen, agent):
    today = timezone.localdate()
    chief, deputy = StaffFactory(role="superviseur", mutuelle=mgpap), StaffFactory(role="superviseur", mutuelle=mgpap)
    other_chief = StaffFactory(role="superviseur", mutuelle=mgen)
    mine, theirs = InsuredFactory(mutuelle=mgpap), InsuredFactory(mutuelle=mgen)
    old = filed(mine, today, 55)                   # already 50 days old
    asked = filed(mine, today, 45)                 # documents asked: paid beyond 60 days
    move(asked, ClaimStatus.IN_CONTROL, ClaimStatus.DOCUMENTS_REQUESTED, by=agent)
    recent = filed(mine, today, 2)                 # on time with the default queue
    rejected = filed(mine, today, 58)              # not on its way to payment
    move(rejected, ClaimStatus.REJECTED, by=agent)
    elsewhere = filed(theirs, today, 52)

    result = escalate_late_claims(today=today)

    assert (result.digests, result.notices, result.claims) == (2, 3, 3)
    digests = [m for m in mail.outbox if agent.email not in m.to and m.to != [mine.email]
               and m.to != [theirs.email]]
    assert sorted(sorted(m.to) for m in digests) == sorted([sorted([chief.email, deputy.email]), [other_chief.email]])
    mgpap_digest = next(m for m in digests if chief.email in m.to)
    assert f"/admin/claims/claim/{old.pk}/change/" in mgpap_digest.body
    assert f"/admin/claims/claim/{asked.pk}/change/" in mgpap_digest.body
    assert recent.number not in mgpap_digest.body and rejected.number not in mgpap_digest.body
    notices = [m for m in mail.outbox if m.to in ([mine.email], [theirs.email])]
    assert sorted(m.subject for m in notices) == sorted(
        f"Votre dossier {c.number} prend du retard" for c in (old, asked, elsewhere))
    assert all("votre mutuelle a été alertée" in m.body for m in notices)
    assert set(Claim.objects.filter(delay_escalated_at__isnull=False).values_list("pk", flat=True)) == {
        old.pk, asked.pk, elsewhere.pk}

    sent = len(mail.outbox)
    again = escalate_late_claims(today=today + timedelta(days=1))
    assert (again.digests, again.notices, again.claims) == (0, 0, 0)
    assert len(mail.outbox) == sent


def test_the_daily_task_escalates_and_is_scheduled(mgpap, supervisor):
    from amo_portal.celery import app
    from claims.tasks import escalate_late_claims_task

    filed(InsuredFactory(mutuelle=mgpap), timezone.localdate(), 51)
    assert escalate_late_claims_task.delay().get() == 1
    assert escalate_late_claims_task.delay().get() == 0
    assert app.conf.beat_schedule["escalate-late-claims"]["task"] == "claims.tasks.escalate_late_claims_task"
    assert len(mail.outbox) == 2  # the digest and the notice
