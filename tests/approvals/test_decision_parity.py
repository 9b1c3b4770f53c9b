"""One decision of accords for the three paths: the preview of a claim (POST /api/v1/dossiers/apercu/),
the public simulator (POST /api/v1/simulations/) and the liquidation of the filed claim give the
same amounts line by line, for ordinary claims, ALD claims (the accord's declination, another
code, its heading's code, an expired accord) and acts under entente préalable (sessions left or
used up). The simulator is given what the person knows of their accords: its dates, and the
entente's number when sessions are left."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from approvals.models import Accord, AccordConsumption, AccordKind, AccordStatus, ALDDeclination
from claims.models import Claim, ClaimStatus
from claims.services.controls import REVIEW_NO_ETM
from claims.services.processing import liquidate_pending_claims
from portal.services.tokens import issue_token
from tariffs.models import LetterKey
from tariffs.selectors import TariffBook
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db

SCENARIOS = ("ordinaire", "ald_declinaison", "ald_autre_code", "ald_rubrique", "ald_expire", "entente_reste",
             "entente_epuisee")
#: Whole tens of dirhams: SQLite keeps decimals as floating point, where a claim's shares with cents
#: can add up above what was paid and trip claim_shares_not_above_paid (PostgreSQL's numeric does not).
AMOUNTS = st.integers(2, 90).map(lambda tens: Decimal(tens * 10).quantize(Decimal("0.01")))


class _Rollback(Exception):
    """Ends an example: everything it wrote is undone."""


def granted(insured, *, kind: str, number: str, until: date | None, acts: str = "", quantity: int | None = None):
    """A granted accord as the register keeps it (approvals.services.review commits on its own,
    which an example rolled back cannot)."""
    declination = ALDDeclination.objects.select_related("heading").get(code="H011") if kind == AccordKind.ETM \
        else None
    return Accord.objects.create(insured=insured, kind=kind, status=AccordStatus.GRANTED, accord_number=number,
                                 declination=declination, ald=declination.heading if declination else None,
                                 acts=acts, quantity_granted=quantity, valid_from=date(2024, 1, 1),
                                 valid_until=until)


def build(scenario: str, insured, care_date: date, paid: list[Decimal], sessions: int) -> tuple[dict, Accord | None]:
    """The claim of a scenario (filing arguments) and the accord it names, if any."""
    if scenario == "ordinaire":
        return {"lines": [act("Cs", str(paid[0])), act("B 60", str(paid[1]))]}, None
    if scenario.startswith("entente"):
        LetterKey.objects.filter(code="AMM").update(requires_prior_approval=True)
        accord = granted(insured, kind=AccordKind.PRIOR_APPROVAL, number="EP-1", until=date(2028, 12, 31),
                         acts="AMM", quantity=10)
        Accord.objects.filter(pk=accord.pk).update(quantity_consumed=10 - sessions + (
            1 if scenario == "entente_epuisee" else 0))
        return {"lines": [act("AMM", str(paid[0]), quantity=sessions, prior_approval_number="EP-1"),
                          act("C", str(paid[1]))]}, accord
    until = care_date - timedelta(days=1) if scenario == "ald_expire" else date(2028, 12, 31)
    accord = granted(insured, kind=AccordKind.ETM, number="ETM-9", until=until)
    code = {"ald_autre_code": "J040", "ald_rubrique": accord.ald.code}.get(scenario, "H011")
    return {"is_ald": True, "ald_code": code, "etm_accord_number": "etm-9",
            "lines": [act("Cs", str(paid[0]), ald=True), act("C", str(paid[1]))]}, accord


def payload(claim: dict, care_date: date) -> dict:
    return {"care_date": care_date.isoformat(), "prescriber_inpe": "123456789",
            "is_ald": claim.get("is_ald", False), "ald_code": claim.get("ald_code", ""),
            "etm_accord_number": claim.get("etm_accord_number", ""),
            "lines": [{"kind": l.kind, "cotation": l.cotation, "paid": str(l.amount_paid), "quantity": l.quantity,
                       "ald": l.ald_linked, "prior_approval_number": l.prior_approval_number}
                      for l in claim["lines"]]}


def simulator_payload(claim: dict, care_date: date, insured, accord: Accord | None, scenario: str) -> dict:
    etm = ({"valid_from": accord.valid_from.isoformat(), "valid_to": accord.valid_until.isoformat()}
           if scenario.startswith("ald") else None)
    knows_number = scenario == "entente_reste"
    return {"mutuelle": "MGPAP", "care_date": care_date.isoformat(), "filing_date": care_date.isoformat(),
            "beneficiary": {"relationship": "assure", "birth_date": insured.birth_date.isoformat()}, "etm": etm,
            "lines": [{"kind": l.kind, "cotation": l.cotation, "quantity": l.quantity, "paid": str(l.amount_paid),
                       "ald": l.ald_linked,
                       "prior_approval_number": l.prior_approval_number if knows_number else ""}
                      for l in claim["lines"]]}


def amounts(lines) -> list[tuple]:
    return [(l["tariff"], l["base"], l["amo"], l["complementary"], l["patient"]) for l in lines]


def liquidated(insured, claim: dict, care_date: date):
    filed = file_claim(insured=insured, care_date=care_date, filed_on=timezone.localdate(), **claim)
    liquidate_pending_claims(limit=100, book=TariffBook.load())
    filed.refresh_from_db()
    return filed


def check_scenario(scenario: str, days_ago: int, paid: list[Decimal], sessions: int, mgpap) -> None:
    cache.clear()  # the simulator's throttle
    care_date = timezone.localdate() - timedelta(days=days_ago)
    insured = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    claim, accord = build(scenario, insured, care_date, paid, sessions)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=insured.user, name='parité')[1]}")
    preview = api.post("/api/v1/dossiers/apercu/", payload(claim, care_date), format="json")
    assert preview.status_code == 200, preview.json()
    simulated = APIClient().post("/api/v1/simulations/", simulator_payload(claim, care_date, insured, accord,
                                                                            scenario), format="json")
    assert simulated.status_code == 200, simulated.json()
    filed = liquidated(insured, claim, care_date)
    liquidation = [{"tariff": _s(l.tariff), "base": _s(l.base), "amo": _s(l.amo_amount),
                    "complementary": _s(l.complementary_amount), "patient": _s(l.patient_amount)}
                   for l in filed.lines.order_by("position")]
    assert amounts(preview.json()["lines"]) == amounts(liquidation) == amounts(simulated.json()["lines"])
    covered = scenario in ("ald_declinaison", "ald_autre_code", "ald_rubrique", "entente_reste")
    assert (preview.json()["lines"][0]["rule"] == "rembourse") is (covered or scenario in ("ordinaire",
                                                                                          "ald_expire"))
    assert (REVIEW_NO_ETM in filed.review_reasons) is (scenario == "ald_expire")


def _s(value) -> str | None:
    return None if value is None else f"{value:.2f}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(scenario=st.sampled_from(SCENARIOS), days_ago=st.integers(0, 30), paid=st.lists(AMOUNTS, min_size=2,
                                                                                        max_size=2),
       sessions=st.integers(1, 6))
def test_preview_simulator_and_liquidation_agree_line_by_line(mgpap, scenario, days_ago, paid, sessions):
    try:
        with transaction.atomic():
            check_scenario(scenario, days_ago, paid, sessions, mgpap)
            raise _Rollback
    except _Rollback:
        pass


def test_a_claim_typed_with_another_code_than_the_accords_is_paid_at_the_ald_rate_with_a_note(mgpap):
    care_date = timezone.localdate() - timedelta(days=3)
    insured = InsuredFactory(mutuelle=mgpap)
    claim, _accord = build("ald_autre_code", insured, care_date, [Decimal("150.00"), Decimal("80.00")], 1)
    filed = liquidated(insured, claim, care_date)
    line = filed.lines.order_by("position").first()
    assert line.base > 0 and (line.amo_amount, line.complementary_amount) == (line.base, Decimal("0.00"))
    assert REVIEW_NO_ETM not in filed.review_reasons and filed.etm_accord is not None
    # no document joined: that holds the claim, the note about the code is kept after it
    assert filed.status == ClaimStatus.IN_CONTROL
    assert filed.review_reasons[0] == "Aucune pièce justificative jointe."
    assert "J040" in filed.review_reasons[-1] and "H011" in filed.review_reasons[-1]


def test_an_entente_is_consumed_once_per_line_and_a_made_up_number_pays_nothing(mgpap):
    care_date = timezone.localdate() - timedelta(days=3)
    insured = InsuredFactory(mutuelle=mgpap)
    claim, accord = build("entente_reste", insured, care_date, [Decimal("300.00"), Decimal("80.00")], 4)
    stranger = InsuredFactory(mutuelle=mgpap)  # a number typed without an entente in the register
    made_up = file_claim(insured=stranger, care_date=care_date, filed_on=timezone.localdate(),
                         lines=[act("AMM", "300.00", quantity=4, prior_approval_number="EP-1")])
    filed = liquidated(insured, claim, care_date)
    made_up.refresh_from_db()
    accord.refresh_from_db()
    assert filed.lines.order_by("position").first().reason_code == ""
    assert made_up.lines.get().reason_code == "entente_prealable_manquante" and made_up.total_amo == 0
    assert (accord.quantity_consumed, accord.consumptions.count()) == (10, 1)
    # liquidated again (an agent's change): the line keeps its sessions, none more are taken
    from claims.services.reliquidation import reliquidate_claim
    reliquidate_claim(filed, book=TariffBook.load())
    accord.refresh_from_db()
    assert (accord.quantity_consumed, accord.consumptions.count()) == (10, 1)
    assert filed.lines.order_by("position").first().reason_code == ""


def test_the_preview_writes_nothing(mgpap):
    care_date = timezone.localdate() - timedelta(days=3)
    insured = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    claim, _accord = build("entente_reste", insured, care_date, [Decimal("300.00"), Decimal("80.00")], 4)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=insured.user, name='aperçu')[1]}")
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/dossiers/apercu/", payload(claim, care_date), format="json")
    assert response.status_code == 200, response.json()
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "portal_apitoken" not in q["sql"]]
    assert writes == []
    assert not Claim.objects.filter(insured=insured).exists() and not AccordConsumption.objects.exists()
    body = response.json()
    assert [line["rule"] for line in body["lines"]] == ["rembourse", "rembourse"]
    assert body["lines"][0]["amo_rate"] is not None and body["totals"]["paid"] == "380.00"


def test_an_ald_claim_is_refused_at_filing_without_its_code_naming_the_field(mgpap):
    insured = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=insured.user, name='dépôt')[1]}")
    claim = {"is_ald": True, "ald_code": " ", "etm_accord_number": "",
             "lines": [act("Cs", "150.00", ald=True)]}
    for url in ("/api/v1/dossiers/", "/api/v1/dossiers/apercu/"):
        response = api.post(url, payload(claim, timezone.localdate()), format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["champs"]) >= {"ald_code", "etm_accord_number"}, response.json()
        assert "Code ALD" in str(response.json()["extra"]["champs"]["ald_code"])
    assert not Claim.objects.filter(insured=insured).exists()
