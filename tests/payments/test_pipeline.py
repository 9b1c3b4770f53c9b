"""The order of the payment jobs (payments/pipeline.py): what follows each event, how a chunked job
continues, and what the nightly run resumes."""
from payments.events import Event, Happened
from payments.pipeline import FOLLOWS, MAX_INVOCATIONS, Job, Step, continuation, jobs_after, unfinished
from payments.services.building import BUILDERS, start_bordereau
from payments.services.settlement import SETTLERS


def test_every_event_a_service_announces_has_its_next_jobs():
    assert set(FOLLOWS) == set(Happened)


def test_an_approval_issues_the_order_as_the_approver_and_archives_the_pdf_beside_it():
    assert jobs_after(Event(Happened.APPROVED, 7, by_id=3)) == [Job(Step.EXECUTE, (7, 3)), Job(Step.ARCHIVE, (7,))]
    assert jobs_after(Event(Happened.ORDER_RECORDED, 7)) == [Job(Step.ARCHIVE, (7,))]


def test_the_chunked_jobs_that_share_a_bordereau_start_side_by_side():
    assert jobs_after(Event(Happened.BUILD_REQUESTED, 7)) == [Job(Step.BUILD, (7,))] * BUILDERS
    assert jobs_after(Event(Happened.RETURN_IMPORTED, 7)) == [Job(Step.SETTLE, (7,))] * SETTLERS
    assert jobs_after(Event(Happened.REJECTED, 7)) == [Job(Step.RELEASE, (7,))]


def test_a_chunked_job_continues_while_chunks_are_left_and_not_forever():
    assert continuation(Step.SETTLE, 7, chunk=50, invocation=2, budget=1.0, more=True) == [
        Job(Step.SETTLE, (7, 50, 3, 1.0))]
    assert continuation(Step.SETTLE, 7, chunk=50, invocation=2, budget=1.0, more=False) == []
    assert continuation(Step.BUILD, 7, chunk=None, invocation=MAX_INVOCATIONS, budget=1.0, more=True) == []


def test_a_bordereau_opened_and_never_built_is_resumed_by_as_many_builders_as_at_start(db, mgpap, cnops, fund_officer):
    bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=fund_officer)
    assert unfinished() == [Job(Step.BUILD, (bordereau.pk,))] * BUILDERS
