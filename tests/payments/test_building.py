"""Constitution of bordereaux: which claims go in, which are held out and why, exactly once."""
from decimal import Decimal

import pytest

from claims.models import Claim, ClaimStatus, ClaimStatusChange
from mutuelles.services import system_user
from payments.exceptions import NothingToPay
from payments.models import Bordereau, BordereauLine, BordereauStatus, HeldClaim, LineState
from payments.services.building import fill_bordereau, request_bordereau, start_bordereau
from payments.tasks import build_all_batches_task
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.claims import act, file_claim, with_document

pytestmark = pytest.mark.django_db
D = Decimal


def test_liquidated_claims_go_into_one_bordereau_with_their_payee_rib_and_both_shares(liquidated, build, mgpap):
    # given
    claims = liquidated(3)
    # when
    bordereau = build(mgpap)
    # then
    assert bordereau.status == BordereauStatus.BUILT
    assert (bordereau.line_count, bordereau.total_amo, bordereau.total_complementary) == (3, D("360.00"), D("120.00"))
    line = bordereau.lines.get(claim=claims[0])
    assert (line.rib, line.amo, line.complementary, line.payee_name) == (
        claims[0].insured.rib, D("120.00"), D("40.00"), claims[0].insured.full_name)
    assert line.reference == f"{claims[0].number}-{bordereau.pk:06d}"
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.IN_BATCH}
    assert bordereau.number.startswith("BRD-CNOPS-MGPAP-")


def test_each_claim_entering_a_bordereau_gets_an_audit_row_naming_it(liquidated, build, mgpap):
    # given
    claim = liquidated(1)[0]
    # when
    bordereau = build(mgpap)
    # then
    change = claim.status_changes.last()
    assert (change.from_status, change.to_status) == (ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH)
    assert bordereau.number in change.reason


def test_the_nightly_run_makes_one_bordereau_per_mutuelle_and_organisme(liquidated, mgpap, mgen,
                                                                      django_capture_on_commit_callbacks):
    # given
    liquidated(2, mutuelle=mgpap)
    liquidated(1, mutuelle=mgen)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        started = build_all_batches_task.delay().get()
    # then
    assert started == 2
    assert sorted(Bordereau.objects.values_list("mutuelle__code", "line_count")) == [("MGEN", 1), ("MGPAP", 2)]


def test_a_claim_already_in_a_bordereau_does_not_enter_a_second_one(liquidated, build, mgpap):
    # given
    liquidated(2)
    first = build(mgpap)
    liquidated(1)
    # when
    second = build(mgpap)
    # then
    assert (first.line_count, second.line_count) == (2, 1)
    assert BordereauLine.objects.values("claim").distinct().count() == 3


def test_a_claim_without_rib_is_held_out_with_the_reason_and_joins_once_the_rib_is_set(liquidated, build, mgpap):
    # given
    paid, unpaid = liquidated(2)
    unpaid.insured.rib = ""
    unpaid.insured.save()
    # when
    first = build(mgpap)
    # then
    assert first.line_count == 1
    assert first.held_count == 1
    hold = HeldClaim.objects.get(claim=unpaid)
    assert (hold.reason_code, hold.last_bordereau) == (HeldClaim.Reason.NO_RIB, first)
    assert Claim.objects.get(pk=unpaid.pk).status == ClaimStatus.LIQUIDATED
    # when the RIB is fixed
    unpaid.insured.rib = InsuredFactory.build().rib
    unpaid.insured.save()
    second = build(mgpap)
    # then
    assert second.lines.get().claim_id == unpaid.pk
    assert not HeldClaim.objects.exists()


def test_a_claim_whose_rib_fails_the_key_check_is_held_out(liquidated, build, mgpap):
    # given
    good, bad = liquidated(2)
    type(bad.insured).objects.filter(pk=bad.insured_id).update(rib="011780000000000000000151")
    # when
    bordereau = build(mgpap)
    # then
    assert bordereau.line_count == 1
    assert HeldClaim.objects.get().reason_code == HeldClaim.Reason.INVALID_RIB


def test_when_every_claim_is_held_out_no_bordereau_is_left(liquidated, build, mgpap):
    # given
    claim = liquidated(1)[0]
    type(claim.insured).objects.filter(pk=claim.insured_id).update(rib="")
    # when
    bordereau = build(mgpap)
    # then
    assert bordereau is None
    assert not Bordereau.objects.exists()
    assert HeldClaim.objects.get().claim_id == claim.pk


def test_asking_for_a_bordereau_without_payable_claims_says_so(mgpap, cnops):
    # when / then
    with pytest.raises(NothingToPay, match="Aucun dossier liquidé"):
        request_bordereau(mutuelle=mgpap, fund=cnops, by=system_user())


def test_a_second_request_while_building_joins_the_bordereau_being_built(liquidated, mgpap, cnops):
    # given
    liquidated(1)
    first = start_bordereau(mutuelle=mgpap, fund=cnops, by=system_user())
    # when
    second = start_bordereau(mutuelle=mgpap, fund=cnops, by=system_user())
    # then
    assert second.pk == first.pk
    assert first.progress_total == 1
    assert first.progress_step


def test_a_build_in_small_chunks_resumes_at_its_cursor_and_counts_its_progress(liquidated, mgpap, cnops):
    # given
    claims = liquidated(5)
    bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=system_user())
    # when
    steps = [fill_bordereau(bordereau_id=bordereau.pk, limit=2) for _ in range(3)]
    replay = fill_bordereau(bordereau_id=bordereau.pk, limit=2)
    # then
    assert steps == [(2, True), (2, True), (1, False)]
    assert replay == (0, False)
    bordereau.refresh_from_db()
    assert (bordereau.status, bordereau.line_count, bordereau.progress_done) == (BordereauStatus.BUILT, 5, 5)
    assert bordereau.build_cursor == claims[-1].pk


def test_the_period_is_that_of_the_liquidations(liquidated, build, mgpap):
    # given
    claims = liquidated(2)
    # when
    bordereau = build(mgpap)
    # then
    days = sorted(c.liquidated_at.date() for c in claims)
    assert (bordereau.period_start, bordereau.period_end) == (days[0], days[-1])


def test_a_line_without_anything_to_pay_cannot_be_written(liquidated, build, mgpap):
    # given
    claim = liquidated(1)[0]
    Claim.objects.filter(pk=claim.pk).update(total_amo=D("0.00"), total_complementary=D("0.00"))
    # when
    bordereau = build(mgpap)
    # then
    assert bordereau is None
    assert HeldClaim.objects.get().reason_code == HeldClaim.Reason.NOTHING_DUE
    assert not BordereauLine.objects.filter(state=LineState.PENDING).exists()


def test_a_dependant_s_claim_pays_the_insured_person_and_names_the_patient(build, mgpap,
                                                                          django_capture_on_commit_callbacks):
    # given
    insured = InsuredFactory(mutuelle=mgpap)
    child = DependentFactory(insured=insured)
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_claim(insured=insured, dependent=child, lines=[act("Cs", "250.00")], documents=with_document(77))
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.LIQUIDATED
    # when
    bordereau = build(mgpap)
    # then
    line = bordereau.lines.get()
    assert (line.claim_id, line.payee_name, line.patient_name, line.rib) == (
        claim.pk, insured.full_name, child.full_name, insured.rib)
    assert (line.amo, line.complementary, line.state) == (D("120.00"), D("40.00"), LineState.PENDING)


def test_claims_held_out_and_claims_written_in_one_chunk_are_each_counted_once(liquidated, mgpap, cnops):
    # given five claims, the second and fourth without a usable RIB
    claims = liquidated(5)
    type(claims[1].insured).objects.filter(pk=claims[1].insured_id).update(rib="")
    type(claims[3].insured).objects.filter(pk=claims[3].insured_id).update(rib="011780000000000000000151")
    bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=system_user())
    # when
    examined = fill_bordereau(bordereau_id=bordereau.pk, limit=5)
    fill_bordereau(bordereau_id=bordereau.pk, limit=5)
    # then
    bordereau.refresh_from_db()
    assert examined == (5, True)
    assert (bordereau.status, bordereau.line_count, bordereau.held_count, bordereau.progress_done) == (
        BordereauStatus.BUILT, 3, 2, 5)
    assert set(bordereau.lines.values_list("claim_id", flat=True)) == {claims[i].pk for i in (0, 2, 4)}
    assert dict(HeldClaim.objects.values_list("claim_id", "reason_code")) == {
        claims[1].pk: HeldClaim.Reason.NO_RIB, claims[3].pk: HeldClaim.Reason.INVALID_RIB}
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in claims] == [ClaimStatus.IN_BATCH, ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH,
                                                ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH]
    assert ClaimStatusChange.objects.filter(to_status=ClaimStatus.IN_BATCH).count() == 3
