"""The public simulator, POST /api/v1/simulations/: domain.md's worked examples, the edge days,
and malformed input, which always gets a 400 naming the field (never a 500)."""
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tariffs.models import Medicine, MedicinePrice

pytestmark = pytest.mark.django_db
URL = "/api/v1/simulations/"
INSURED = {"relationship": "assure", "birth_date": "1980-04-12"}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def examples_medicines(db):
    """The two medicines of domain.md's Ex. 3 and Ex. 4 (a princeps priced on its generic)."""
    for code, ppv, pbr in (("EX3-PRINCEPS", "120.00", "80.00"), ("EX4-PRINCEPS", "300.00", "250.00")):
        medicine = Medicine.objects.create(code=code, name=code, is_generic=False, reimbursable_from=date(2005, 9, 1))
        MedicinePrice.objects.create(medicine=medicine, ppv=Decimal(ppv), pbr=Decimal(pbr), valid_from=date(2005, 9, 1))


def simulate(api, *, lines, care_date="2025-12-15", filing_date=None, mutuelle="MGPAP", beneficiary=None, **extra):
    payload = {"mutuelle": mutuelle, "care_date": care_date, "filing_date": filing_date or care_date,
               "beneficiary": beneficiary or INSURED, "lines": lines, **extra}
    return api.post(URL, payload, format="json")


def shares(line: dict) -> tuple[str, ...]:
    return line["tariff"], line["base"], line["amo"], line["complementary"], line["patient"]


# --- domain.md's worked examples ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("care_date", "line", "expected"),
    [
        # Ex. 1: specialist consultation paid 250, Cs = 150, 80 % AMO + 20 % complementary
        ("2025-12-15", {"kind": "acte", "cotation": "Cs", "paid": "250.00"},
         ("150.00", "150.00", "120.00", "30.00", "100.00")),
        # Ex. 1, MGPAP from 1 January 2026: + 10 DH per consultation, the patient pays 90
        ("2026-01-05", {"kind": "acte", "cotation": "Cs", "paid": "250.00"},
         ("150.00", "150.00", "120.00", "40.00", "90.00")),
        # Ex. 2: biology B 60 = 66.00 (private lab), billed at the TNR
        ("2025-06-10", {"kind": "acte", "cotation": "B 60", "paid": "66.00"},
         ("66.00", "66.00", "52.80", "13.20", "0.00")),
        # Ex. 3: princeps PPV 120 with a generic-based PBR of 80, before 2026 (70 % + 16 %)
        ("2025-06-10", {"kind": "medicament", "code": "EX3-PRINCEPS", "paid": "120.00"},
         ("80.00", "80.00", "56.00", "12.80", "51.20")),
        # Ex. 3, MGPAP from 2026: complementary 20 %
        ("2026-02-10", {"kind": "medicament", "code": "EX3-PRINCEPS", "paid": "120.00"},
         ("80.00", "80.00", "56.00", "16.00", "48.00")),
    ],
)
def test_worked_examples_of_the_domain_are_paid_to_the_centime(api, examples_medicines, care_date, line, expected):
    # when
    response = simulate(api, care_date=care_date, lines=[line])
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["admissible"] is True
    assert shares(body["lines"][0]) == expected
    assert body["totals"] == {"paid": line["paid"], "amo": expected[2], "complementary": expected[3],
                              "patient": expected[4]}


def test_ald_medicine_with_a_valid_etm_is_paid_in_full_on_the_generic_base(api, examples_medicines):
    # given: domain.md Ex. 4
    etm = {"ald_code": "9", "accord_number": "ETM1", "valid_from": "2024-01-01", "valid_to": "2028-12-31"}
    # when
    response = simulate(api, care_date="2025-06-10", etm=etm,
                        lines=[{"kind": "medicament", "code": "EX4-PRINCEPS", "paid": "300.00", "ald": True}])
    # then
    assert shares(response.json()["lines"][0]) == ("250.00", "250.00", "250.00", "0.00", "50.00")


def test_ald_line_after_the_etm_expired_is_paid_at_the_ordinary_rate(api, examples_medicines):
    # given
    etm = {"valid_from": "2020-01-01", "valid_to": "2025-06-09"}
    # when
    response = simulate(api, care_date="2025-06-10", etm=etm,
                        lines=[{"kind": "medicament", "code": "EX4-PRINCEPS", "paid": "300.00", "ald": True}])
    # then: 70 % and 16 % of 250
    line = response.json()["lines"][0]
    assert shares(line) == ("250.00", "250.00", "175.00", "40.00", "85.00")
    assert "sans ETM valable" in line["explanation"]


def test_ald_line_on_the_last_day_of_the_etm_is_still_covered(api, examples_medicines):
    etm = {"valid_from": "2020-01-01", "valid_to": "2025-06-10"}
    response = simulate(api, care_date="2025-06-10", etm=etm,
                        lines=[{"kind": "medicament", "code": "EX4-PRINCEPS", "paid": "300.00", "ald": True}])
    assert response.json()["lines"][0]["amo"] == "250.00"


# --- filing deadline (domain.md §3.1, Ex. 5) ------------------------------------------------------
@pytest.mark.parametrize(
    ("care_date", "filing_date", "treatment_end_date", "admissible"),
    [
        ("2024-01-10", "2024-03-10", None, True),           # day 60: on time
        ("2024-01-10", "2024-03-11", None, False),          # day 61: late
        ("2024-01-10", "2024-03-15", None, False),          # Ex. 5: 65 days, forclos
        ("2024-01-10", "2024-03-15", "2024-02-20", True),   # Ex. 5: continuous treatment ends 20 Feb
        ("2020-03-01", "2020-09-03", None, True),           # 24 March – 27 July 2020 not counted: last day
        ("2020-03-01", "2020-09-04", None, False),          # the day after
    ],
)
def test_filing_deadline_counts_60_days_without_the_suspended_ones(api, care_date, filing_date, treatment_end_date,
                                                                   admissible):
    # when
    response = simulate(api, care_date=care_date, filing_date=filing_date, treatment_end_date=treatment_end_date,
                        lines=[{"kind": "acte", "cotation": "C", "paid": "80.00"}])
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["admissible"] is admissible
    if not admissible:
        assert [r["code"] for r in body["reasons"]] == ["hors_delai"]
        assert body["totals"]["amo"] == "0.00"
        assert body["lines"][0]["reason"] == "dossier_rejete"


# --- dependants (domain.md §3.2) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("child", "admissible"),
    [
        ({"birth_date": "2003-05-04"}, False),                             # 22 on the care date, no studies
        ({"birth_date": "2003-05-04", "student": True}, True),             # 22, in higher education
        ({"birth_date": "2001-05-04", "student": True}, True),             # student of 24
        ({"birth_date": "2001-05-04", "student": True, "married": True}, False),  # married: no extension
        ({"birth_date": "1998-05-04", "student": True}, False),            # 27: past 26
        ({"birth_date": "1990-05-04", "disabled": True}, True),            # disabled, rights maintained
        ({"birth_date": "2004-05-05"}, True),                              # turns 21 the day after
    ],
)
def test_children_are_covered_up_to_21_or_26_when_studying(api, child, admissible):
    # when
    response = simulate(api, care_date="2025-05-04", beneficiary={"relationship": "enfant", **child},
                        lines=[{"kind": "acte", "cotation": "C", "paid": "80.00"}])
    # then
    body = response.json()
    assert body["admissible"] is admissible
    assert body["totals"]["amo"] == ("64.00" if admissible else "0.00")


def test_unknown_mutuelle_is_a_400_on_the_mutuelle_field(api):
    response = simulate(api, mutuelle="XYZ", lines=[{"kind": "acte", "cotation": "C", "paid": "80.00"}])
    assert response.status_code == 400
    assert response.json()["code"] == "mutuelle_inconnue"
    assert "mutuelle" in response.json()["extra"]["champs"]


def test_unknown_cotation_and_medicine_pay_nothing_with_a_reason(api):
    response = simulate(api, lines=[{"kind": "acte", "cotation": "XYZ 3", "paid": "90.00"},
                                    {"kind": "medicament", "code": "0000000000000", "paid": "50.00"}])
    body = response.json()
    assert [line["reason"] for line in body["lines"]] == ["cotation_inconnue", "medicament_inconnu"]
    assert body["totals"] == {"paid": "140.00", "amo": "0.00", "complementary": "0.00", "patient": "140.00"}


def test_simulation_needs_no_login_and_writes_nothing(api):
    from claims.models import Claim

    response = simulate(api, lines=[{"kind": "acte", "cotation": "Cs", "paid": "150"}])
    assert response.status_code == 200
    assert Claim.objects.count() == 0


def test_simulations_are_throttled(api, monkeypatch):
    # given: a tight rate (the test settings raise it for the rest of the suite)
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"simulation": "2/min"})
    line = [{"kind": "acte", "cotation": "C", "paid": "80.00"}]
    # when
    codes = [simulate(api, lines=line).status_code for _ in range(3)]
    # then
    assert codes == [200, 200, 429]
    cache.clear()


# --- malformed input: always 400, the field named in extra.champs --------------------------------
GOOD_LINE = {"kind": "acte", "cotation": "C", "paid": "80.00"}
GOOD = {"mutuelle": "MGPAP", "care_date": "2025-12-15", "filing_date": "2025-12-20", "beneficiary": INSURED,
        "lines": [GOOD_LINE]}


def with_line(**changes) -> dict:
    return {**GOOD, "lines": [{**GOOD_LINE, **changes}]}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, ["mutuelle"]),
        ({k: v for k, v in GOOD.items() if k != "lines"}, ["lines"]),
        ({k: v for k, v in GOOD.items() if k != "beneficiary"}, ["beneficiary"]),
        ({k: v for k, v in GOOD.items() if k != "care_date"}, ["care_date"]),
        ({**GOOD, "mutuelle": None}, ["mutuelle"]),
        ({**GOOD, "mutuelle": ["MGPAP"]}, ["mutuelle"]),
        ({**GOOD, "care_date": None}, ["care_date"]),
        ({**GOOD, "care_date": 20251215}, ["care_date"]),
        ({**GOOD, "care_date": "2025-02-30"}, ["care_date"]),
        ({**GOOD, "care_date": "hier"}, ["care_date"]),
        ({**GOOD, "care_date": "99999-01-01"}, ["care_date"]),
        ({**GOOD, "care_date": "2001-01-01", "filing_date": "2001-01-02"}, ["care_date"]),
        ({**GOOD, "care_date": "2025-12-21"}, ["care_date"]),  # after the filing date
        ({**GOOD, "filing_date": "9999-12-31", "care_date": "9999-12-30"}, ["filing_date"]),
        ({**GOOD, "treatment_end_date": "2025-12-01"}, ["treatment_end_date"]),
        ({**GOOD, "beneficiary": None}, ["beneficiary"]),
        ({**GOOD, "beneficiary": ["assure"]}, ["beneficiary"]),
        ({**GOOD, "beneficiary": "assure"}, ["beneficiary"]),
        ({**GOOD, "beneficiary": {"relationship": None, "birth_date": None}}, ["beneficiary", "relationship"]),
        ({**GOOD, "beneficiary": {"relationship": "cousin", "birth_date": "1980-01-01"}},
         ["beneficiary", "relationship"]),
        ({**GOOD, "beneficiary": {"relationship": "enfant", "birth_date": "2030-01-01"}},
         ["beneficiary", "birth_date"]),
        ({**GOOD, "beneficiary": {**INSURED, "student": "peut-être"}}, ["beneficiary", "student"]),
        ({**GOOD, "lines": None}, ["lines"]),
        ({**GOOD, "lines": []}, ["lines"]),
        ({**GOOD, "lines": "Cs"}, ["lines"]),
        ({**GOOD, "lines": {"kind": "acte"}}, ["lines"]),
        ({**GOOD, "lines": [None]}, ["lines"]),
        ({**GOOD, "lines": ["Cs"]}, ["lines"]),
        ({**GOOD, "lines": [GOOD_LINE] * 51}, ["lines"]),
        (with_line(kind="radio"), ["lines", "0", "kind"]),
        (with_line(kind=None), ["lines", "0", "kind"]),
        (with_line(cotation=""), ["lines", "0", "cotation"]),
        (with_line(cotation=["C"]), ["lines", "0", "cotation"]),
        (with_line(kind="medicament", cotation="", code=""), ["lines", "0", "code"]),
        (with_line(paid=None), ["lines", "0", "paid"]),
        (with_line(paid="abc"), ["lines", "0", "paid"]),
        (with_line(paid="-5.00"), ["lines", "0", "paid"]),
        (with_line(paid="10.555"), ["lines", "0", "paid"]),
        (with_line(paid="1e30"), ["lines", "0", "paid"]),
        (with_line(paid="99999999999999999999"), ["lines", "0", "paid"]),
        (with_line(paid="NaN"), ["lines", "0", "paid"]),
        (with_line(paid="Infinity"), ["lines", "0", "paid"]),
        (with_line(paid=1e308), ["lines", "0", "paid"]),
        (with_line(paid={"montant": 80}), ["lines", "0", "paid"]),
        (with_line(quantity=0), ["lines", "0", "quantity"]),
        (with_line(quantity=-1), ["lines", "0", "quantity"]),
        (with_line(quantity=10**30), ["lines", "0", "quantity"]),
        (with_line(quantity="beaucoup"), ["lines", "0", "quantity"]),
        (with_line(quantity=None), ["lines", "0", "quantity"]),
        (with_line(ald="oui et non"), ["lines", "0", "ald"]),
        ({**GOOD, "etm": {"valid_from": "2026-01-01", "valid_to": "2025-01-01"}}, ["etm", "valid_to"]),
        ({**GOOD, "etm": {"valid_from": None}}, ["etm", "valid_from"]),
        ({**GOOD, "etm": "ETM1"}, ["etm"]),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(api, payload, path):
    # when
    response = api.post(URL, payload, format="json")
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "donnees_invalides"
    assert body["message"]
    node = body["extra"]["champs"]
    for step in path:
        node = node[step]
    assert node


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b'"texte"', b"42", b"{", b'{"lines": [1e400]}',
                                 b'{"mutuelle": "MGPAP", "lines": [{"kind": "acte", "cotation": "C", '
                                 b'"paid": "80", "quantity": 1e400}]}',
                                 b'{"mutuelle": NaN}', '{"mutuelle": "\ud800"}'.encode("utf-8", "surrogatepass")])
def test_body_that_is_not_a_json_object_is_a_400(api, raw):
    # when
    response = api.post(URL, raw, content_type="application/json")
    # then
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"message", "code", "extra"}


def test_ill_typed_quantity_far_beyond_any_integer_is_a_400(api):
    response = api.post(URL, b'{"mutuelle": "MGPAP", "care_date": "2025-12-15", "beneficiary": {"relationship": '
                             b'"assure", "birth_date": "1980-01-01"}, "lines": [{"kind": "acte", "cotation": "C", '
                             b'"paid": "80", "quantity": 1e400}]}', content_type="application/json")
    assert response.status_code == 400
    assert "quantity" in response.json()["extra"]["champs"]["lines"]["0"]
