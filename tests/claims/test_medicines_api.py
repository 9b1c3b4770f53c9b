"""The public medicine list: GET /api/v1/medicaments/?search= and /api/v1/medicaments/{code}/."""
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tariffs.models import Medicine, MedicinePrice

pytestmark = pytest.mark.django_db
URL = "/api/v1/medicaments/"


@pytest.fixture
def api():
    return APIClient()


def test_search_by_name_finds_the_medicine_with_its_current_prices(api):
    # when
    response = api.get(URL, {"search": "dolip"})
    # then
    assert response.status_code == 200
    body = response.json()
    found = {m["code"]: m for m in body["results"]}
    assert body["count"] == len(found) >= 1
    assert all("DOLIPRANE" in m["name"] for m in found.values())
    doliprane = found["6118000000001"]
    assert (doliprane["ppv"], doliprane["pbr"], doliprane["generic"], doliprane["reimbursable"]) == (
        "15.80", "11.50", False, True)


def test_search_by_dci_finds_princeps_and_generics(api):
    response = api.get(URL, {"search": "paracetamol"})
    results = response.json()["results"]
    assert {m["generic"] for m in results} == {True, False}
    assert all(m["dci"].upper() == "PARACETAMOL" for m in results)


def test_search_by_exact_code(api):
    response = api.get(URL, {"search": "6118000000002"})
    assert [m["code"] for m in response.json()["results"]] == ["6118000000002"]


def test_list_without_search_is_paginated(api):
    response = api.get(URL)
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == Medicine.objects.count()
    assert len(body["results"]) == min(20, body["count"])
    assert set(body) >= {"count", "next", "previous", "results"}


@pytest.mark.parametrize("search", ["%", "_", "'; DROP TABLE tariffs_medicine; --", "\\", "é" * 500, "\x00", "   "])
def test_odd_searches_answer_200_and_never_fail(api, search):
    # when
    response = api.get(URL, {"search": search})
    # then
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "results" in response.json()
    assert Medicine.objects.exists()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999999"])
def test_a_page_out_of_range_is_a_404_in_the_error_shape(api, page):
    response = api.get(URL, {"page": page})
    assert response.status_code == 404
    assert set(response.json()) == {"message", "code", "extra"}


def test_detail_gives_the_price_in_force_today(api):
    # given: a price that changed last year
    medicine = Medicine.objects.create(code="TEST-PRIX", name="TESTINE", dci="TESTINE",
                                       reimbursable_from=date(2010, 1, 1))
    MedicinePrice.objects.create(medicine=medicine, ppv=Decimal("50.00"), pbr=Decimal("40.00"),
                                 valid_from=date(2010, 1, 1), valid_to=date(2025, 1, 1))
    MedicinePrice.objects.create(medicine=medicine, ppv=Decimal("45.00"), pbr=Decimal("30.00"),
                                 valid_from=date(2025, 1, 1))
    # when
    response = api.get(f"{URL}TEST-PRIX/")
    # then
    assert response.status_code == 200
    assert (response.json()["ppv"], response.json()["pbr"]) == ("45.00", "30.00")


def test_medicine_no_longer_reimbursable_says_so_and_has_no_price(api):
    Medicine.objects.create(code="TEST-RETIRE", name="RETIRINE", reimbursable_from=date(2010, 1, 1),
                            reimbursable_to=date(2020, 1, 1))
    body = api.get(f"{URL}TEST-RETIRE/").json()
    assert (body["reimbursable"], body["ppv"], body["pbr"]) == (False, None, None)


def test_unknown_code_is_a_404_in_the_error_shape(api):
    response = api.get(f"{URL}0000000000000/")
    assert response.status_code == 404
    assert response.json() == {"message": "Introuvable.", "code": "not_found", "extra": {}}


def test_the_list_is_public_and_read_only(api):
    assert api.get(URL).status_code == 200
    assert api.post(URL, {"code": "X"}, format="json").status_code == 405
    assert api.delete(f"{URL}6118000000001/").status_code == 405
