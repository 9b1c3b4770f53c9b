"""Presentation, approval (four eyes), rejection and split of a bordereau."""
from decimal import Decimal

import pytest

from claims.models import Claim, ClaimStatus
from payments.exceptions import BordereauStateError, NotAllowed
from payments.models import BordereauLine, BordereauStatus, LineState
from payments.services.review import approve_bordereau, present_bordereau, reject_bordereau, split_bordereau
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def bordereau(liquidated, build, mgpap, payer_accounts):
    liquidated(3)
    return build(mgpap)


def test_a_superviseur_of_the_mutuelle_presents_the_bordereau(bordereau, supervisor):
    # when
    presented = present_bordereau(bordereau=bordereau, by=supervisor)
    # then
    assert presented.status == BordereauStatus.PRESENTED
    assert (presented.presented_by, presented.presented_at is not None) == (supervisor, True)


@pytest.mark.parametrize("role", ["agent", "other_supervisor"])
def test_only_a_superviseur_of_that_mutuelle_presents_it(bordereau, agent, mgen, role):
    # given
    user = agent if role == "agent" else StaffFactory(role="superviseur", mutuelle=mgen)
    # when / then
    with pytest.raises(NotAllowed, match="superviseur de la mutuelle MGPAP"):
        present_bordereau(bordereau=bordereau, by=user)


def test_a_cnops_officer_approves_a_presented_bordereau(bordereau, supervisor, fund_officer,
                                                       django_capture_on_commit_callbacks):
    # given
    present_bordereau(bordereau=bordereau, by=supervisor)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = approve_bordereau(bordereau=bordereau, by=fund_officer)
    # then
    approved.refresh_from_db()
    assert (approved.approved_by, approved.status) == (fund_officer, BordereauStatus.SENT)


def test_a_bordereau_not_presented_cannot_be_approved(bordereau, fund_officer):
    # when / then
    with pytest.raises(BordereauStateError, match="constitué"):
        approve_bordereau(bordereau=bordereau, by=fund_officer)


def test_the_officer_who_built_the_bordereau_cannot_approve_it(liquidated, build, mgpap, fund_officer, supervisor):
    # given
    liquidated(1)
    bordereau = build(mgpap, by=fund_officer)
    present_bordereau(bordereau=bordereau, by=supervisor)
    # when / then
    with pytest.raises(NotAllowed, match="constitué ce bordereau"):
        approve_bordereau(bordereau=bordereau, by=fund_officer)


def test_the_person_who_presented_the_bordereau_cannot_approve_it(bordereau, cnops):
    # given a superuser, who may both present and approve, presents it
    boss = StaffFactory(role="organisme", mutuelle=None, fund=cnops, is_superuser=True)
    present_bordereau(bordereau=bordereau, by=boss)
    # when / then
    with pytest.raises(NotAllowed, match="présenté ce bordereau"):
        approve_bordereau(bordereau=bordereau, by=boss)


def test_a_mutuelle_agent_cannot_approve(bordereau, supervisor, agent):
    # given
    present_bordereau(bordereau=bordereau, by=supervisor)
    # when / then
    with pytest.raises(NotAllowed, match="agent de l'organisme CNOPS"):
        approve_bordereau(bordereau=bordereau, by=agent)


def test_approval_is_refused_when_the_lines_no_longer_match_the_control_totals(bordereau, supervisor, fund_officer):
    # given a line altered behind the service's back after presentation
    present_bordereau(bordereau=bordereau, by=supervisor)
    BordereauLine.objects.filter(pk=bordereau.lines.first().pk).update(amo=D("999.00"))
    # when / then
    with pytest.raises(NotAllowed, match="totaux de contrôle"):
        approve_bordereau(bordereau=bordereau, by=fund_officer)


def test_rejection_gives_every_claim_back_with_the_reason(bordereau, fund_officer, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        reject_bordereau(bordereau=bordereau, by=fund_officer, reason="RIB de la mutuelle à confirmer")
    # then
    bordereau.refresh_from_db()
    assert (bordereau.status, bordereau.rejected_by, bordereau.progress_step) == (
        BordereauStatus.REJECTED, fund_officer, "")
    assert set(bordereau.lines.values_list("state", flat=True)) == {LineState.WITHDRAWN}
    for claim in Claim.objects.all():
        assert claim.status == ClaimStatus.LIQUIDATED
        assert "RIB de la mutuelle à confirmer" in claim.status_changes.last().reason


def test_rejection_needs_a_reason(bordereau, fund_officer):
    # when / then
    with pytest.raises(NotAllowed, match="motif"):
        reject_bordereau(bordereau=bordereau, by=fund_officer, reason="  ")


def test_claims_of_a_rejected_bordereau_enter_the_next_one(bordereau, fund_officer, build, mgpap,
                                                          django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        reject_bordereau(bordereau=bordereau, by=fund_officer, reason="à refaire")
    # when
    again = build(mgpap)
    # then
    assert again.line_count == 3
    assert {ref.rsplit("-", 1)[1] for ref in again.lines.values_list("reference", flat=True)} == {f"{again.pk:06d}"}


def test_a_split_pulls_claims_out_with_the_reason_and_recomputes_the_totals(bordereau, supervisor, fund_officer):
    # given
    present_bordereau(bordereau=bordereau, by=supervisor)
    pulled = bordereau.lines.first()
    # when
    split = split_bordereau(bordereau=bordereau, line_ids=[pulled.pk], by=fund_officer, reason="Ordonnance illisible")
    # then
    assert (split.line_count, split.total_amo, split.total_complementary) == (2, D("240.00"), D("80.00"))
    pulled.refresh_from_db()
    assert (pulled.state, pulled.withdrawn_by) == (LineState.WITHDRAWN, fund_officer)
    claim = Claim.objects.get(pk=pulled.claim_id)
    assert claim.status == ClaimStatus.LIQUIDATED
    assert "Ordonnance illisible" in claim.status_changes.last().reason
    assert split.status == BordereauStatus.PRESENTED


def test_a_split_cannot_empty_the_bordereau(bordereau, fund_officer):
    # when / then
    with pytest.raises(NotAllowed, match="rejetez le bordereau"):
        split_bordereau(bordereau=bordereau, line_ids=list(bordereau.lines.values_list("pk", flat=True)),
                        by=fund_officer, reason="tout")


def test_an_approved_bordereau_can_no_longer_be_split(bordereau, supervisor, second_officer,
                                                     django_capture_on_commit_callbacks):
    # given
    present_bordereau(bordereau=bordereau, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_bordereau(bordereau=bordereau, by=second_officer)
    # when / then
    with pytest.raises(BordereauStateError):
        split_bordereau(bordereau=bordereau, line_ids=[bordereau.lines.first().pk], by=second_officer, reason="x")
