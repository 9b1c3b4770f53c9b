"""The simulator and the Celery path agree: the same facts give the same lines, to the centime
and word for word (they share claims.services.pricing and the controls)."""
from datetime import date

import pytest
from rest_framework.test import APIClient

from claims.api.serializers import money_str
from tests.factories.beneficiaries import DependentFactory, ETMAccordFactory, InsuredFactory, StudyCertificateFactory
from tests.factories.claims import act, file_claim, medicine, with_document

pytestmark = pytest.mark.django_db

SCENARIOS = {
    "consultation_2025": {"care_date": date(2025, 12, 15), "lines": [act("Cs", "250.00")]},
    "consultation_mgpap_2026": {"care_date": date(2026, 1, 5), "lines": [act("Cs", "250.00"), act("C", "80.00")]},
    "biology_and_radiology": {"care_date": date(2025, 6, 10), "lines": [act("B 60", "66.00"), act("Z 40", "450.00"),
                                                                         act("B 120", "100.00")]},
    "physiotherapy_sessions": {"care_date": date(2025, 3, 3), "lines": [act("AMM", "600.00", quantity=10)]},
    "medicines": {"care_date": date(2025, 9, 9), "lines": [medicine("6118000000001", "31.60", quantity=2),
                                                           medicine("6118000000006", "118.00"),
                                                           medicine("6118000000002", "11.50")]},
    "unknown_cotation": {"care_date": date(2025, 4, 4), "lines": [act("XYZ 3", "90.00"), act("C", "80.00")]},
    "late": {"care_date": date(2024, 1, 10), "filed_on": date(2024, 3, 11), "lines": [act("C", "80.00")]},
    "continuous_treatment": {"care_date": date(2024, 1, 10), "treatment_end_date": date(2024, 2, 20),
                             "filed_on": date(2024, 3, 15), "lines": [act("AMM", "500.00", quantity=10)]},
    "covid_suspension": {"care_date": date(2020, 3, 1), "filed_on": date(2020, 9, 3), "lines": [act("Cs", "150")]},
}


def api_lines(*, mutuelle, care_date, filed_on, lines, beneficiary, treatment_end_date=None, etm=None):
    payload = {
        "mutuelle": mutuelle, "care_date": care_date.isoformat(), "filing_date": filed_on.isoformat(),
        "treatment_end_date": treatment_end_date.isoformat() if treatment_end_date else None,
        "beneficiary": beneficiary, "etm": etm,
        "lines": [{"kind": l.kind, "cotation": l.cotation, "code": l.medicine_code, "quantity": l.quantity,
                   "paid": str(l.amount_paid), "ald": l.ald_linked} for l in lines],
    }
    response = APIClient().post("/api/v1/simulations/", payload, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def claim_lines(claim) -> list[dict]:
    return [{"tariff": money_str(l.tariff), "base": money_str(l.base), "amo": money_str(l.amo_amount),
             "complementary": money_str(l.complementary_amount), "patient": money_str(l.patient_amount),
             "reason": l.reason_code, "explanation": l.explanation} for l in claim.lines.order_by("position")]


def claim_totals(claim) -> dict:
    return {"paid": money_str(claim.total_paid), "amo": money_str(claim.total_amo),
            "complementary": money_str(claim.total_complementary), "patient": money_str(claim.total_patient)}


def file_and_liquidate(capture, **kwargs):
    with capture(execute=True):
        claim = file_claim(documents=with_document(kwargs.pop("doc_seed", 0)), **kwargs)
    claim.refresh_from_db()
    return claim


@pytest.mark.parametrize("name", SCENARIOS)
def test_simulator_gives_what_the_worker_writes(name, insured, django_capture_on_commit_callbacks):
    # given
    scenario = dict(SCENARIOS[name])
    filed_on = scenario.pop("filed_on", scenario["care_date"])
    # when
    claim = file_and_liquidate(django_capture_on_commit_callbacks, insured=insured, filed_on=filed_on, **scenario)
    simulated = api_lines(mutuelle=insured.mutuelle.code, filed_on=filed_on,
                          beneficiary={"relationship": "assure", "birth_date": insured.birth_date.isoformat()},
                          **scenario)
    # then
    assert simulated["lines"] == claim_lines(claim)
    assert simulated["totals"] == claim_totals(claim)
    assert simulated["admissible"] == (claim.rejection_code == "")


@pytest.mark.parametrize("studying", [True, False])
def test_simulator_and_worker_agree_on_a_child_of_23(insured, django_capture_on_commit_callbacks, studying):
    # given
    child = DependentFactory(insured=insured, birth_date=date(2002, 2, 1))
    if studying:
        StudyCertificateFactory(dependent=child, valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    lines = [act("C", "80.00"), medicine("6118000000003", "12.70")]
    # when
    claim = file_and_liquidate(django_capture_on_commit_callbacks, insured=insured, dependent=child,
                               care_date=date(2025, 11, 3), lines=lines)
    simulated = api_lines(mutuelle=insured.mutuelle.code, care_date=date(2025, 11, 3), filed_on=date(2025, 11, 3),
                          lines=lines, beneficiary={"relationship": "enfant", "birth_date": "2002-02-01",
                                                    "student": studying})
    # then
    assert simulated["lines"] == claim_lines(claim)
    assert simulated["totals"] == claim_totals(claim)
    assert simulated["admissible"] is studying


@pytest.mark.parametrize("valid_until", [date(2028, 12, 31), date(2025, 2, 1)])
def test_simulator_and_worker_agree_on_ald_lines(mgen, django_capture_on_commit_callbacks, valid_until):
    # given: an MGEN member (no flat amount) with an ETM accord, valid or expired on the care date
    member = InsuredFactory(mutuelle=mgen)
    accord = ETMAccordFactory(insured=member, valid_from=date(2024, 1, 1), valid_until=valid_until)
    lines = [act("Cs", "200.00", ald=True), medicine("6118000000016", "26.50", ald=True), act("C", "80.00")]
    # when
    claim = file_and_liquidate(django_capture_on_commit_callbacks, insured=member, care_date=date(2025, 2, 2),
                               is_ald=True, ald_code="9", etm_accord_number=accord.accord_number, lines=lines)
    simulated = api_lines(mutuelle="MGEN", care_date=date(2025, 2, 2), filed_on=date(2025, 2, 2), lines=lines,
                          beneficiary={"relationship": "assure", "birth_date": member.birth_date.isoformat()},
                          etm={"valid_from": "2024-01-01", "valid_to": valid_until.isoformat()})
    # then
    assert simulated["lines"] == claim_lines(claim)
    assert simulated["totals"] == claim_totals(claim)

