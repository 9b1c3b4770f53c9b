"""The status e-mails' outbox: every status change is told once, by the task that reads the changes
not yet told, whoever queues it and however many times it runs."""
import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from claims.models import ClaimStatus, ClaimStatusChange
from claims.services.notifications import send_status_emails_batch
from claims.services.review import request_documents
from claims.tasks import liquidate_claim_task, notify_status_change_task
from tests.factories.claims import act, file_claim

pytestmark = pytest.mark.django_db


def _file(insured, seed: int = 0):
    return file_claim(insured=insured, lines=[act("Cs", "250.00"), act("B 60", f"{66 + seed}.00")])


def _pending():
    return list(ClaimStatusChange.objects.filter(notified_at__isnull=True).values_list("claim_id", "to_status"))


def test_filing_leaves_nothing_to_tell(insured):
    # when
    claim = _file(insured)
    # then: the first row is never e-mailed; the controls' outcome is the first message
    assert claim.status_changes.get().notified_at is not None
    assert _pending() == []
    assert notify_status_change_task.apply().get() == 0
    assert mail.outbox == []


def test_each_change_is_told_once_even_when_the_task_runs_twice(insured, agent):
    # given: two claims controlled (sent to an agent), one of them then waiting for documents,
    # and none of their changes told yet (the test's transaction never commits)
    first, second = _file(insured, 0), _file(insured, 1)
    liquidate_claim_task.apply(args=(first.pk,))
    first.refresh_from_db()
    request_documents(claim=first, version=first.version, by=agent, missing="Ordonnance originale")
    assert sorted(_pending()) == sorted([(first.pk, ClaimStatus.IN_CONTROL), (second.pk, ClaimStatus.IN_CONTROL),
                                         (first.pk, ClaimStatus.DOCUMENTS_REQUESTED)])
    # when
    sent = notify_status_change_task.apply().get()
    again = notify_status_change_task.apply().get()
    # then: an e-mail per change, in the order of the changes, and none the second time
    assert (sent, again) == (3, 0)
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [f"Votre dossier {first.number} est en cours de contrôle",
                        f"Votre dossier {second.number} est en cours de contrôle",
                        f"Dossier {first.number} : des pièces sont à fournir"]
    assert "Ordonnance originale" in mail.outbox[2].body
    assert _pending() == []


def test_the_batch_takes_the_oldest_changes_and_says_more_may_wait(insured):
    # given
    claims = [_file(insured, seed) for seed in range(3)]
    liquidate_claim_task.apply(args=(claims[0].pk,))
    # when
    sent, last_id, more = send_status_emails_batch(limit=2)
    # then
    assert (sent, more) == (2, True)
    assert _pending() == [(claims[2].pk, ClaimStatus.IN_CONTROL)]
    assert send_status_emails_batch(limit=2, after=last_id) == (1, claims[2].status_changes.latest("pk").pk, False)


def test_a_batch_goes_on_after_the_previous_one_and_the_next_run_starts_over(insured):
    # given: three changes to tell, the first of them behind the position a run has reached
    # (committed late by a transaction that began earlier)
    claims = [_file(insured, seed) for seed in range(3)]
    liquidate_claim_task.apply(args=(claims[0].pk,))
    first = claims[0].status_changes.get(to_status=ClaimStatus.IN_CONTROL)
    # when: a batch after the first change
    told = send_status_emails_batch(after=first.pk)
    # then: the two others are told, the first waits for the next run, which starts from the beginning
    assert (told.sent, told.more) == (2, False)
    assert _pending() == [(claims[0].pk, ClaimStatus.IN_CONTROL)]
    assert notify_status_change_task.apply().get() == 1
    assert _pending() == [] and len(mail.outbox) == 3


def test_a_change_of_a_person_without_address_is_marked_without_mail(insured):
    # given
    insured.email = ""
    insured.save(update_fields=["email"])
    claim = _file(insured)
    liquidate_claim_task.apply(args=(claim.pk,))
    # when
    sent = notify_status_change_task.apply().get()
    # then
    assert sent == 0 and mail.outbox == [] and _pending() == []


class RefusingBackend:
    """An SMTP server out of reach."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP injoignable")


def test_a_batch_the_smtp_server_refused_is_sent_at_the_next_run(insured):
    # given
    claim = _file(insured)
    liquidate_claim_task.apply(args=(claim.pk,))
    before = timezone.now()
    # when: the server refuses, the batch stays to tell
    with override_settings(EMAIL_BACKEND="tests.claims.test_outbox.RefusingBackend"), \
            pytest.raises(ConnectionRefusedError):
        send_status_emails_batch()
    assert _pending() == [(claim.pk, ClaimStatus.IN_CONTROL)]
    # then: the next run tells it, once
    assert send_status_emails_batch() == (1, claim.status_changes.latest("pk").pk, False)
    assert [m.to for m in mail.outbox] == [[insured.email]]
    assert claim.status_changes.get(to_status=ClaimStatus.IN_CONTROL).notified_at >= before


def test_a_run_without_time_left_still_tells_a_batch(insured):
    # given
    claims = [_file(insured, seed) for seed in range(2)]
    liquidate_claim_task.apply(args=(claims[0].pk,))
    # when: no time at all for the run
    sent = notify_status_change_task.apply(kwargs={"budget": 0}).get()
    # then
    assert sent == 2 and _pending() == []
