"""The agents' decisions on claims under control: each one a service call, recorded, versioned."""
from decimal import Decimal

import pytest
from django.core import mail

from claims.exceptions import StaleClaim
from claims.models import ClaimDecision, ClaimStatus, ClaimStatusChange, DocumentRequest
from claims.services.bulk_acceptance import accept_claims
from claims.services.review import (
    ReviewConflict,
    ReviewRefused,
    accept_claim,
    adjust_line,
    confirm_claim,
    reject_claim,
    reject_line,
    request_documents,
)
from claims.tasks import notify_status_change_task
from tests.admin.support import claim_in_control
from tests.factories.claims import act, with_document
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def claim(insured):
    # Cs 250 + B 60 at 66, MGPAP 2026: AMO 120 + 52.80, complementary 40 + 13.20 -> 226.00 reimbursed
    claim = claim_in_control(insured=insured)
    # its controls' e-mail went out when they committed (the test's transaction never does)
    notify_status_change_task.apply()
    mail.outbox.clear()
    return claim


@pytest.fixture
def low_four_eyes(mgpap):
    mgpap.four_eyes_threshold = D("200.00")
    mgpap.save(update_fields=["four_eyes_threshold"])
    return mgpap


def test_claim_without_document_waits_for_an_agent_with_its_amounts(claim):
    assert claim.status == ClaimStatus.IN_CONTROL
    assert (claim.total_amo, claim.total_complementary) == (D("172.80"), D("53.20"))


def test_accept_liquidates_and_records_who_and_why(claim, agent, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        accepted = accept_claim(claim=claim, version=claim.version, by=agent, comment="Pièces vues au guichet.")
    # then
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.LIQUIDATED
    assert claim.liquidated_at is not None
    assert claim.version == accepted.version > 1
    decision = claim.decisions.get()
    assert (decision.kind, decision.decided_by, decision.comment) == ("accepter", agent, "Pièces vues au guichet.")
    change = claim.status_changes.latest("pk")
    assert (change.from_status, change.to_status, change.changed_by) == ("en_controle", "liquide", agent)
    assert "226,00" in change.reason
    assert len(mail.outbox) == 1
    assert "liquidé" in mail.outbox[0].subject


def test_form_built_on_an_older_version_is_refused_and_nothing_changes(claim, agent):
    # given: another agent rejected a line after the first one opened the claim
    shown_version = claim.version
    reject_line(line=claim.lines.get(position=2), version=shown_version, by=StaffFactory(mutuelle=agent.mutuelle),
                reason_code="acte_non_justifie")
    # when / then
    with pytest.raises(StaleClaim) as exc:
        accept_claim(claim=claim, version=shown_version, by=agent)
    assert "modifié par quelqu'un d'autre" in exc.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_CONTROL
    assert list(claim.decisions.values_list("kind", flat=True)) == ["rejeter_ligne"]


def test_agent_of_another_mutuelle_cannot_decide(claim, other_agent):
    with pytest.raises(ReviewRefused) as exc:
        accept_claim(claim=claim, version=claim.version, by=other_agent)
    assert exc.value.code == "hors_perimetre"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_CONTROL
    assert not claim.decisions.exists()


def test_fund_officer_cannot_decide(claim, fund_officer):
    with pytest.raises(ReviewRefused):
        accept_claim(claim=claim, version=claim.version, by=fund_officer)


def test_accepting_a_liquidated_claim_is_a_conflict(claim, agent):
    accepted = accept_claim(claim=claim, version=claim.version, by=agent)
    with pytest.raises(ReviewConflict) as exc:
        accept_claim(claim=claim, version=accepted.version, by=agent)
    assert "liquidé" in exc.value.message


def test_above_four_eyes_threshold_accept_is_only_a_first_approval(claim, agent, low_four_eyes):
    # when
    accepted = accept_claim(claim=claim, version=claim.version, by=agent)
    # then
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_CONTROL
    assert claim.needs_second_approval
    assert claim.first_approved_by == agent
    assert claim.version == accepted.version
    assert claim.decisions.get().after["etape"] == "premier_controle"


def test_second_approval_needs_another_person_who_is_a_superviseur(claim, agent, supervisor, low_four_eyes):
    # given
    version = accept_claim(claim=claim, version=claim.version, by=agent).version
    # when / then: the agent, then another agent, cannot confirm
    with pytest.raises(ReviewRefused, match="superviseur"):
        confirm_claim(claim=claim, version=version, by=agent)
    with pytest.raises(ReviewRefused, match="superviseur"):
        confirm_claim(claim=claim, version=version, by=StaffFactory(mutuelle=agent.mutuelle))
    # when: a superviseur confirms
    confirmed = confirm_claim(claim=claim, version=version, by=supervisor, comment="Montants vérifiés.")
    # then
    assert confirmed.status == ClaimStatus.LIQUIDATED
    assert list(claim.decisions.values_list("kind", "decided_by")) == [("accepter", agent.pk),
                                                                        ("confirmer", supervisor.pk)]


def test_superviseur_who_approved_first_cannot_confirm_alone(claim, supervisor, low_four_eyes):
    version = accept_claim(claim=claim, version=claim.version, by=supervisor).version
    with pytest.raises(ReviewRefused) as exc:
        confirm_claim(claim=claim, version=version, by=supervisor)
    assert exc.value.code == "meme_personne"


def test_claim_below_threshold_has_nothing_to_confirm(claim, supervisor):
    with pytest.raises(ReviewConflict, match="double contrôle"):
        confirm_claim(claim=claim, version=claim.version, by=supervisor)


def test_adjusting_the_amount_paid_reliquidates_and_keeps_before_and_after(claim, agent):
    # given: the Cs line was read as 250 DH, the sheet says 120 DH
    line, shown_version = claim.lines.get(position=1), claim.version
    # when
    adjusted = adjust_line(line=line, version=shown_version, by=agent, amount_paid=D("120.00"),
                           reason="Montant mal saisi : 120 DH sur la feuille.")
    # then: base = min(120, 150) = 120; AMO 80 % = 96; the complementary share is capped at what is left
    assert (adjusted.amount_paid, adjusted.base, adjusted.amo_amount) == (D("120.00"), D("120.00"), D("96.00"))
    assert adjusted.amo_amount + adjusted.complementary_amount + adjusted.patient_amount == D("120.00")
    claim.refresh_from_db()
    assert claim.total_paid == D("186.00")
    assert claim.total_amo == D("96.00") + D("52.80")
    decision = claim.decisions.get()
    assert decision.kind == "ajuster_ligne"
    assert decision.line == line
    assert (decision.before["amount_paid"], decision.after["amount_paid"]) == ("250.00", "120.00")
    assert (decision.before["amo_amount"], decision.after["amo_amount"]) == ("120.00", "96.00")
    assert decision.comment.startswith("Montant mal saisi")
    assert claim.version == shown_version + 1


def test_adjusting_the_cotation_prices_the_new_key(claim, agent):
    line = claim.lines.get(position=1)
    adjusted = adjust_line(line=line, version=claim.version, by=agent, cotation="C", reason="Généraliste, pas Cs.")
    assert (adjusted.cotation, adjusted.tariff, adjusted.amo_amount) == ("C", D("80.00"), D("64.00"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"amount_paid": D("250.00"), "reason": "r"}, "rien à ajuster"),
    ({"cotation": "??", "reason": "r"}, "Cotation illisible"),
    ({"amount_paid": D("-1.00"), "reason": "r"}, "positif"),
    ({"amount_paid": D("1.005"), "reason": "r"}, "deux décimales"),
    ({"amount_paid": D("10.00"), "reason": "  "}, "motif"),
])
def test_adjustment_without_a_valid_change_and_reason_is_refused(claim, agent, kwargs, message):
    line = claim.lines.get(position=1)
    with pytest.raises(ReviewRefused) as exc:
        adjust_line(line=line, version=claim.version, by=agent, **kwargs)
    assert message.lower() in exc.value.message.lower()
    line.refresh_from_db()
    assert line.amount_paid == D("250.00")
    assert not claim.decisions.exists()


def test_medicine_line_has_no_cotation_to_adjust(insured, agent):
    from tariffs.models import Medicine
    from tests.factories.claims import medicine

    code = Medicine.objects.filter(reimbursable_from__isnull=False).values_list("code", flat=True).first()
    claim = claim_in_control(insured=insured, lines=[medicine(code, "50.00")])
    with pytest.raises(ReviewRefused, match="médicament"):
        adjust_line(line=claim.lines.get(), version=claim.version, by=agent, cotation="C", reason="r")


def test_any_change_after_a_first_approval_asks_for_a_new_one(claim, agent, low_four_eyes):
    version = accept_claim(claim=claim, version=claim.version, by=agent).version
    adjust_line(line=claim.lines.get(position=2), version=version, by=agent, amount_paid=D("60.00"), reason="r")
    claim.refresh_from_db()
    assert not claim.needs_second_approval
    assert claim.first_approved_by is None


def test_rejecting_a_line_pays_nothing_on_it(claim, agent):
    # when
    line = reject_line(line=claim.lines.get(position=2), version=claim.version, by=agent,
                       reason_code="acte_non_justifie", comment="Analyse sans prescription.")
    # then
    assert line.rejected_reason_code == "acte_non_justifie"
    assert (line.amo_amount, line.complementary_amount, line.patient_amount) == (D("0.00"), D("0.00"), D("66.00"))
    claim.refresh_from_db()
    assert (claim.total_amo, claim.total_complementary) == (D("120.00"), D("40.00"))
    decision = claim.decisions.get()
    assert (decision.kind, decision.reason_code, decision.line) == ("rejeter_ligne", "acte_non_justifie", line)


@pytest.mark.parametrize("code", ["feuille_plusieurs_beneficiaires", "code_inexistant"])
def test_line_rejection_needs_a_line_reason_from_the_list(claim, agent, code):
    with pytest.raises(ReviewRefused):
        reject_line(line=claim.lines.get(position=1), version=claim.version, by=agent, reason_code=code)


def test_rejecting_the_claim_zeroes_it_and_tells_the_insured_person(claim, agent, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        rejected = reject_claim(claim=claim, version=claim.version, by=agent, reason_code="cachet_medecin_manquant",
                                comment="Feuille sans cachet.")
    # then
    assert rejected.status == ClaimStatus.REJECTED
    claim.refresh_from_db()
    assert claim.rejection_code == "cachet_medecin_manquant"
    assert claim.rejection_message == "Cachet du médecin traitant manquant. Feuille sans cachet."
    assert (claim.total_amo, claim.total_complementary, claim.total_patient) == (D("0.00"), D("0.00"), D("316.00"))
    assert set(claim.lines.values_list("amo_amount", flat=True)) == {D("0.00")}
    change = ClaimStatusChange.objects.filter(claim=claim).latest("pk")
    assert (change.to_status, change.reason_code, change.changed_by) == ("rejete", "cachet_medecin_manquant", agent)
    assert "rejeté" in mail.outbox[0].subject
    assert "Feuille sans cachet" in mail.outbox[0].body


def test_request_documents_makes_the_claim_wait_and_says_what_is_missing(claim, agent,
                                                                         django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        request = request_documents(claim=claim, version=claim.version, by=agent,
                                    missing="Ordonnance originale ; résultats de l'analyse B 60.")
    # then
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DOCUMENTS_REQUESTED
    assert DocumentRequest.objects.get() == request
    assert request.requested_by == agent
    assert claim.decisions.get().kind == "demander_pieces"
    assert "Ordonnance originale" in mail.outbox[0].body


def test_claim_waiting_for_documents_can_still_be_rejected(claim, agent):
    version = claim.version
    request_documents(claim=claim, version=version, by=agent, missing="Ordonnance.")
    claim.refresh_from_db()
    rejected = reject_claim(claim=claim, version=claim.version, by=agent, reason_code="ordonnance_manquante")
    assert rejected.status == ClaimStatus.REJECTED


def test_bulk_accept_treats_each_claim_on_its_own(insured, agent, mgpap):
    # given: one plain claim, one above the four-eyes threshold, one changed meanwhile (all with their
    # documents, in control for their amount)
    mgpap.four_eyes_threshold = D("500.00")
    mgpap.review_threshold = D("1.00")
    mgpap.save(update_fields=["four_eyes_threshold", "review_threshold"])
    plain = claim_in_control(insured=insured, documents=with_document(81))
    big = claim_in_control(insured=insured, lines=[act("K 50", "1500.00")], care_date=plain.care_date.replace(day=3),
                           documents=with_document(82))
    stale = claim_in_control(insured=insured, lines=[act("C", "80.00")], care_date=plain.care_date.replace(day=4),
                             documents=with_document(83))
    reject_line(line=stale.lines.get(), version=stale.version, by=agent, reason_code="rejet_agent")
    # when
    result = accept_claims(versions={plain.pk: plain.version, big.pk: big.version, stale.pk: stale.version},
                           by=agent)
    # then
    assert result.liquidated == [plain.number]
    assert result.awaiting_confirmation == [big.number]
    assert [number for number, _ in result.refused] == [stale.number]
    assert ClaimDecision.objects.filter(kind="accepter").count() == 2


def test_the_agents_rejection_writes_the_lines_as_the_controls_rejection_does(claim, agent):
    # given: the lines as the controls priced them
    priced = {line.pk: (line.tariff, line.letter_key, line.coefficient) for line in claim.lines.all()}
    # when
    reject_claim(claim=claim, version=claim.version, by=agent, reason_code="cachet_medecin_manquant")
    # then: nothing paid, the claim's reason, the tariff it was priced at kept
    for line in claim.lines.all():
        assert (line.base, line.amo_amount, line.complementary_amount) == (D("0.00"), D("0.00"), D("0.00"))
        assert line.patient_amount == line.amount_paid
        assert line.reason_code == "dossier_rejete"
        assert line.explanation == "Dossier rejeté : Cachet du médecin traitant manquant"
        assert (line.tariff, line.letter_key, line.coefficient) == priced[line.pk]
