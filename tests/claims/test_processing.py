"""Controls and liquidation of filed claims, through the filing service and the task (eager)."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from amo_portal.exceptions import ConflictError
from claims.models import Claim, ClaimStatus
from claims.services.reliquidation import reliquidate_claim
from tests.factories.beneficiaries import DependentFactory, ETMAccordFactory
from tests.factories.claims import act, file_claim, medicine, with_document

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def file_and_process(django_capture_on_commit_callbacks):
    def run(**kwargs):
        kwargs.setdefault("documents", with_document(kwargs.pop("doc_seed", 0)))
        with django_capture_on_commit_callbacks(execute=True):
            claim = file_claim(**kwargs)
        claim.refresh_from_db()
        return claim

    return run


def test_specialist_consultation_before_2026_is_paid_80_plus_20(insured, file_and_process):
    # when
    claim = file_and_process(insured=insured, care_date=date(2025, 12, 15), lines=[act("Cs", "250.00")])
    # then
    line = claim.lines.get()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert (line.tariff, line.base, line.amo_amount, line.complementary_amount, line.patient_amount) == (
        D("150.00"), D("150.00"), D("120.00"), D("30.00"), D("100.00"))
    assert (claim.total_amo, claim.total_complementary, claim.total_patient) == (D("120.00"), D("30.00"),
                                                                                   D("100.00"))
    assert "Cs" in line.explanation and "150,00" in line.explanation


def test_mgpap_adds_ten_dirhams_per_consultation_from_2026(insured, file_and_process):
    # when
    claim = file_and_process(insured=insured, care_date=date(2026, 1, 1), lines=[act("Cs", "250.00")])
    # then
    line = claim.lines.get()
    assert (line.amo_amount, line.complementary_amount, line.patient_amount) == (D("120.00"), D("40.00"),
                                                                                  D("90.00"))
    assert "forfait" in line.explanation


def test_other_mutuelle_has_no_flat_amount(mgen, file_and_process):
    # given
    from tests.factories.beneficiaries import InsuredFactory

    member = InsuredFactory(mutuelle=mgen)
    # when
    claim = file_and_process(insured=member, care_date=date(2026, 1, 1), lines=[act("Cs", "250.00")])
    # then
    assert claim.lines.get().complementary_amount == D("30.00")


def test_biology_cotation_is_valued_at_the_care_date(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2025, 3, 3), lines=[act("B 60", "66.00")])
    line = claim.lines.get()
    assert (line.tariff, line.amo_amount, line.complementary_amount, line.patient_amount) == (
        D("66.00"), D("52.80"), D("13.20"), D("0.00"))


@pytest.mark.parametrize(("filed_on", "status"), [(date(2024, 3, 10), ClaimStatus.LIQUIDATED),
                                                  (date(2024, 3, 11), ClaimStatus.REJECTED)])
def test_day_60_is_on_time_and_day_61_is_late(insured, file_and_process, filed_on, status):
    # when
    claim = file_and_process(insured=insured, care_date=date(2024, 1, 10), filed_on=filed_on,
                             lines=[act("C", "80.00")])
    # then
    assert claim.status == status
    if status == ClaimStatus.REJECTED:
        assert claim.rejection_code == "hors_delai"
        assert "61 jours" in claim.rejection_message
        assert claim.total_amo == D("0.00")


def test_end_of_continuous_treatment_starts_the_deadline(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2024, 1, 10), treatment_end_date=date(2024, 2, 20),
                             filed_on=date(2024, 3, 15), lines=[act("AMM", "500.00", quantity=10)])
    assert claim.status == ClaimStatus.LIQUIDATED
    assert claim.lines.get().tariff == D("500.00")


def test_child_of_22_without_studies_is_not_entitled(insured, file_and_process):
    # given
    child = DependentFactory(insured=insured, birth_date=date(2003, 5, 4))
    # when
    claim = file_and_process(insured=insured, dependent=child, care_date=date(2025, 5, 4), lines=[act("C", "80")])
    # then
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_code == "beneficiaire_non_couvert"
    assert set(claim.lines.values_list("reason_code", flat=True)) == {"dossier_rejete"}


def test_same_care_filed_twice_is_rejected_as_duplicate(insured, file_and_process):
    # given
    first = file_and_process(insured=insured, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=1)
    # when
    second = file_and_process(insured=insured, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=2)
    # then
    assert first.status == ClaimStatus.LIQUIDATED
    assert second.status == ClaimStatus.REJECTED
    assert second.rejection_code == "doublon"
    assert first.number in second.rejection_message


def test_same_persons_document_filed_again_next_month_is_accepted(insured, file_and_process):
    # given: a prescription renewed month after month, scanned once
    first = file_and_process(insured=insured, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=7)
    # when
    second = file_and_process(insured=insured, care_date=date(2025, 7, 2), lines=[act("Cs", "200")], doc_seed=7)
    # then: the care is new (another fingerprint): nothing to reject, nothing to review
    assert first.status == second.status == ClaimStatus.LIQUIDATED
    assert (second.rejection_code, second.review_reasons) == ("", [])


def test_same_persons_document_does_not_hide_the_same_care_filed_twice(insured, file_and_process):
    first = file_and_process(insured=insured, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=7)
    second = file_and_process(insured=insured, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=7)
    assert second.rejection_code == "doublon"
    assert first.number in second.rejection_message


def test_another_persons_document_sends_the_claim_to_an_agent_with_a_note(insured, mgpap, file_and_process):
    # given
    from tests.factories.beneficiaries import InsuredFactory
    other = InsuredFactory(mutuelle=mgpap)
    first = file_and_process(insured=other, care_date=date(2025, 6, 2), lines=[act("Cs", "200")], doc_seed=7)
    # when
    second = file_and_process(insured=insured, care_date=date(2025, 6, 9), lines=[act("C", "80")], doc_seed=7)
    # then: not a rejection; the agent's note names the other claim, the person's own record does not
    assert second.status == ClaimStatus.IN_CONTROL
    assert second.rejection_code == "" and second.rejection_message == ""
    notes = [note for note in second.review_reasons if first.number in note]
    assert len(notes) == 1 and "autre assuré" in notes[0]


def test_ald_line_with_valid_etm_is_paid_in_full_on_the_base(insured, file_and_process):
    # given
    accord = ETMAccordFactory(insured=insured, valid_from=date(2024, 1, 1), valid_until=date(2028, 12, 31))
    # when
    claim = file_and_process(insured=insured, care_date=date(2025, 2, 2), is_ald=True, ald_code="9",
                             etm_accord_number=accord.accord_number, lines=[act("Cs", "150.00", ald=True)])
    # then
    line = claim.lines.get()
    assert claim.etm_accord == accord
    assert (line.amo_amount, line.complementary_amount, line.patient_amount) == (D("150.00"), D("0.00"),
                                                                                  D("0.00"))


def test_ald_line_after_the_last_day_of_the_etm_is_paid_at_the_ordinary_rate(insured, file_and_process):
    # given
    accord = ETMAccordFactory(insured=insured, valid_from=date(2024, 1, 1), valid_until=date(2025, 2, 1))
    # when
    claim = file_and_process(insured=insured, care_date=date(2025, 2, 2), is_ald=True, ald_code="9",
                             etm_accord_number=accord.accord_number, lines=[act("Cs", "150.00", ald=True)])
    # then
    line = claim.lines.get()
    assert line.amo_amount == D("120.00")
    assert claim.status == ClaimStatus.IN_CONTROL
    assert any("ETM" in r for r in claim.review_reasons)


def test_unknown_cotation_pays_nothing_on_its_line_and_sends_the_claim_to_an_agent(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2025, 4, 4),
                             lines=[act("XYZ 3", "90.00"), act("C", "80.00")])
    unknown, known = claim.lines.order_by("position")
    assert (unknown.reason_code, unknown.amo_amount, unknown.patient_amount) == ("cotation_inconnue", D("0"),
                                                                                 D("90.00"))
    assert known.amo_amount == D("64.00")
    assert claim.status == ClaimStatus.IN_CONTROL


def test_unknown_medicine_pays_nothing(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2025, 4, 4), lines=[medicine("0000000000000", "50")])
    assert claim.lines.get().reason_code == "medicament_inconnu"


def test_claim_without_document_waits_for_an_agent(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2025, 4, 4), lines=[act("C", "80")], documents=[])
    assert claim.status == ClaimStatus.IN_CONTROL
    assert claim.total_amo == D("64.00")


def test_every_status_change_is_recorded(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2025, 4, 4), lines=[act("C", "80")])
    steps = list(claim.status_changes.values_list("from_status", "to_status"))
    assert steps == [("", "depose"), ("depose", "liquide")]  # filed at once: no draft step


def test_reliquidating_an_unchanged_claim_writes_nothing(insured, file_and_process):
    # given
    claim = file_and_process(insured=insured, care_date=date(2025, 4, 4), lines=[act("C", "80"), act("B 60", "66")])
    before = list(claim.lines.values_list("pk", "updated_at", "amo_amount"))
    # when
    changed = reliquidate_claim(claim)
    # then
    claim.refresh_from_db()
    assert changed is False
    assert list(claim.lines.values_list("pk", "updated_at", "amo_amount")) == before
    assert claim.liquidation_count == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"care_date": date(2030, 1, 1), "filed_on": date(2026, 1, 1)}, "care_date"),
        ({"prescriber_inpe": "12AB"}, "prescriber_inpe"),
        ({"lines": []}, "lines"),
        ({"lines": [act("Cs", "-5")]}, "lines"),
        ({"lines": [act("Cs", "10.555")]}, "lines"),
        ({"is_ald": True, "etm_accord_number": ""}, "etm_accord_number"),
        ({"lines": [act("Cs", "150", ald=True)]}, "lines"),
        ({"treatment_end_date": date(2025, 1, 1), "care_date": date(2025, 2, 1)}, "treatment_end_date"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(insured, kwargs, field):
    # given
    args = {"insured": insured, "care_date": date(2025, 4, 4), "lines": [act("C", "80")], **kwargs}
    # when
    with pytest.raises(ValidationError) as exc:
        file_claim(**args)
    # then
    assert field in exc.value.message_dict
    assert Claim.objects.count() == 0


def test_dependent_of_another_insured_is_refused(insured):
    stranger = DependentFactory()
    with pytest.raises(ValidationError) as exc:
        file_claim(insured=insured, dependent=stranger, lines=[act("C", "80")])
    assert "beneficiary" in exc.value.message_dict


def test_same_idempotency_key_and_body_return_the_same_claim(insured):
    first = file_claim(insured=insured, lines=[act("C", "80")], idempotency_key="k-1")
    again = file_claim(insured=insured, lines=[act("C", "80")], idempotency_key="k-1")
    assert again.pk == first.pk
    assert Claim.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(insured):
    file_claim(insured=insured, lines=[act("C", "80")], idempotency_key="k-2")
    with pytest.raises(ConflictError):
        file_claim(insured=insured, lines=[act("C", "90")], idempotency_key="k-2")
    assert Claim.objects.count() == 1


def test_princeps_is_paid_on_its_reimbursement_base(insured, file_and_process):
    # given: DOLIPRANE 1000, PPV 15.80, PBR 11.50, two boxes, before MGPAP's 2026 change (70 % + 16 %)
    # when
    claim = file_and_process(insured=insured, care_date=date(2025, 9, 9), lines=[medicine("6118000000001", "31.60", 2)])
    # then
    line = claim.lines.get()
    assert (line.tariff, line.base, line.amo_amount, line.complementary_amount, line.patient_amount) == (
        D("23.00"), D("23.00"), D("16.10"), D("3.68"), D("11.82"))


@pytest.mark.parametrize(("filed_on", "status"), [(date(2020, 9, 3), ClaimStatus.LIQUIDATED),
                                                  (date(2020, 9, 4), ClaimStatus.REJECTED)])
def test_days_of_the_2020_suspension_do_not_count(insured, file_and_process, filed_on, status):
    # given: care on 1 March 2020; 24 March – 27 July 2020 is not counted, so day 60 is 3 September
    # when
    claim = file_and_process(insured=insured, care_date=date(2020, 3, 1), filed_on=filed_on, lines=[act("C", "80")])
    # then
    assert claim.status == status


def test_student_child_of_23_with_a_certificate_is_covered(insured, file_and_process):
    # given
    from tests.factories.beneficiaries import StudyCertificateFactory

    child = DependentFactory(insured=insured, birth_date=date(2002, 2, 1))
    StudyCertificateFactory(dependent=child, valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    # when
    claim = file_and_process(insured=insured, dependent=child, care_date=date(2025, 11, 3), lines=[act("C", "80")])
    # then
    assert claim.status == ClaimStatus.LIQUIDATED
    assert claim.total_amo == D("64.00")


def test_etm_covers_its_last_day(insured, file_and_process):
    # given
    accord = ETMAccordFactory(insured=insured, valid_from=date(2024, 1, 1), valid_until=date(2025, 2, 2))
    # when
    claim = file_and_process(insured=insured, care_date=date(2025, 2, 2), is_ald=True, ald_code="9",
                             etm_accord_number=accord.accord_number, lines=[act("Cs", "150.00", ald=True)])
    # then
    assert claim.lines.get().amo_amount == D("150.00")
    assert claim.status == ClaimStatus.LIQUIDATED


def test_a_backlog_larger_than_a_chunk_is_drained_by_the_same_message(insured, monkeypatch):
    """Filings coalesce their liquidation messages: the one message that runs must leave no claim
    waiting for the next periodic sweep, however many were filed meanwhile."""
    import claims.tasks

    monkeypatch.setattr(claims.tasks, "CHUNK", 2)
    claims_filed = [file_claim(insured=insured, lines=[act("C", "150.00")], prescriber_inpe=f"12345678{i}",
                               documents=with_document(100 + i)) for i in range(5)]
    assert Claim.objects.filter(status=ClaimStatus.SUBMITTED).count() == 5

    processed = claims.tasks.liquidate_claim_task.apply(args=(claims_filed[0].pk,)).get()

    assert processed == 2
    assert not Claim.objects.filter(status=ClaimStatus.SUBMITTED).exists()
    assert set(Claim.objects.values_list("liquidation_count", flat=True)) == {1}


def test_a_claim_sent_back_to_the_queue_is_liquidated_though_newer_claims_went_first(insured, agent):
    """Chunks start where the process's last one ended; a claim that comes back to "déposé" with its
    older id (documents added on request) must still be found."""
    from claims.services.followup import add_claim_documents
    from claims.services.processing import liquidate_pending_claims
    from claims.services.review import request_documents

    older = file_claim(insured=insured, lines=[act("C", "150.00")])  # no document: to an agent
    liquidate_pending_claims(limit=10, by=agent)
    older.refresh_from_db()
    assert older.status == ClaimStatus.IN_CONTROL
    request_documents(claim=older, version=older.version, by=agent, missing="Ordonnance")
    newer = file_claim(insured=insured, lines=[act("Cs", "250.00")], prescriber_inpe="223456789",
                       documents=with_document(202))
    assert liquidate_pending_claims(limit=10, by=agent) == (1, False)  # the chunk ends at the newer claim

    add_claim_documents(claim=older, documents=with_document(203), by=insured.user)
    assert Claim.objects.get(pk=older.pk).status == ClaimStatus.SUBMITTED

    assert liquidate_pending_claims(limit=10, by=agent) == (1, False)
    assert Claim.objects.get(pk=older.pk).status == ClaimStatus.LIQUIDATED
    assert Claim.objects.get(pk=newer.pk).liquidation_count == 1


def test_every_column_of_a_filing_is_stored_as_it_was_given(insured):
    # given: a filing that sets every kind of column (dependent, dates, ALD, accents, cents, a medicine)
    child = DependentFactory(insured=insured)
    accord = ETMAccordFactory(insured=insured, dependent=child)
    lines = [act("B 60", "66.05", ald=True, prior_approval_number="EP-2025/7"),
             medicine("6118000000001", "31.60", 2, ald=True)]
    # when
    claim = file_claim(insured=insured, dependent=child, care_date=date(2025, 9, 9), filed_on=date(2025, 9, 20),
                       treatment_end_date=date(2025, 9, 12), provider_inpe="987654321",
                       care_sheet_number="FS-Béni-Mellal-٣", is_ald=True, ald_code=accord.ald.code,
                       etm_accord_number=accord.accord_number, idempotency_key="clé-é-1", lines=lines)
    # then: the rows read back equal the rows built in memory, column by column
    stored = Claim.objects.get(pk=claim.pk)
    for field in Claim._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(claim, field.attname), field.name
    assert stored.number == f"MGPAP-2025-{claim.pk:08d}"
    assert [(l.position, l.kind, l.cotation, l.medicine_code, l.medicine.code if l.medicine else None, l.quantity,
             l.amount_paid, l.ald_linked, l.prior_approval_number) for l in stored.lines.order_by("position")] == [
        (1, "acte", "B 60", "", None, 1, D("66.05"), True, "EP-2025/7"),
        (2, "medicament", "", "6118000000001", "6118000000001", 2, D("31.60"), True, "")]
    change = stored.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by_id) == ("", ClaimStatus.SUBMITTED,
                                                                           insured.user_id)
