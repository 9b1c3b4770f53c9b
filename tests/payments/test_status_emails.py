"""What the insured persons hear of a payment: that they are paid (or that the bank refused the
transfer), not that their claim went into a bordereau; every step stays in the claim's history."""
import pytest
from django.core import mail

from claims.models import ClaimStatus, ClaimStatusChange
from claims.outbox import UNTOLD_STATUSES
from claims.services.notifications import SUBJECTS
from payments.services.bank_return import import_bank_return
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db


def _pending() -> list[tuple[int, str]]:
    return list(ClaimStatusChange.objects.filter(notified_at__isnull=True).values_list("claim_id", "to_status"))


def test_entering_a_bordereau_is_kept_in_the_history_written_told(sent):
    # given: a bordereau of two claims, built and approved (its transfer order issued)
    claim_ids = set(sent.lines.values_list("claim_id", flat=True))
    # then: each claim's step into the bordereau is in its history, already told, and nothing waits
    steps = ClaimStatusChange.objects.filter(claim_id__in=claim_ids, to_status=ClaimStatus.IN_BATCH)
    assert sorted(steps.values_list("claim_id", flat=True)) == sorted(claim_ids)
    assert all(step.notified_at is not None for step in steps)
    assert _pending() == []


def test_the_insured_persons_hear_that_they_are_paid_once_each(sent, fund_officer, django_capture_on_commit_callbacks):
    # given
    numbers = sorted(sent.lines.values_list("claim_number", flat=True))
    mail.outbox.clear()
    # when: the bank executed every transfer, and the claims are settled
    with django_capture_on_commit_callbacks(execute=True):
        import_bank_return(bordereau=sent, content=bank_answer(sent.transfer_order), file_name="retour.txt",
                           by=fund_officer)
    # then: one e-mail per claim, that it is paid; nothing left to tell
    assert sorted(m.subject.split()[1] for m in mail.outbox) == numbers
    assert all(" payé : " in m.subject for m in mail.outbox)
    assert _pending() == []


def test_a_step_never_told_has_no_subject():
    assert UNTOLD_STATUSES and not UNTOLD_STATUSES & SUBJECTS.keys()
