"""Biology in a public laboratory (B 0.90, then 0.70 from July 2013) apart from a private one (B 1.10)."""
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from claims.services.pricing import ClaimContext, LineInput, price_line
from mutuelles.models import Mutuelle, Regime
from tariffs.models import LetterKeyValue
from tariffs.selectors import TariffBook

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("sector", "on", "tariff"), [
    ("prive", date(2013, 6, 30), "66.00"), ("prive", date(2013, 7, 1), "66.00"),
    ("public", date(2013, 6, 30), "54.00"), ("public", date(2013, 7, 1), "42.00"),
])
def test_b_60_is_valued_by_the_laboratorys_sector_on_both_sides_of_july_2013(sector, on, tariff):
    book = TariffBook.load()
    mutuelle = Mutuelle.objects.get(code="MGPAP")
    ctx = ClaimContext(regime_id=Regime.objects.get(code="AMO-PUBLIC").pk, mutuelle_id=mutuelle.pk, care_date=on,
                       etm_valid=False)
    priced = price_line(LineInput(kind="acte", cotation="B 60", amount_paid=D("100.00"), provider_sector=sector),
                        ctx, book)
    assert priced.amounts.tariff == D(tariff)
    if sector == "public":
        assert "secteur public" in priced.explanation


def test_a_key_without_a_sector_value_serves_both_sectors():
    book = TariffBook.load()
    regime = Regime.objects.get(code="AMO-PUBLIC").pk
    public = book.key_value(code="Cs", regime_id=regime, on=date(2025, 1, 1), sector="public")
    private = book.key_value(code="Cs", regime_id=regime, on=date(2025, 1, 1), sector="prive")
    assert public == private and public.value[0] == D("150.00")


def test_the_file_cites_its_sources_and_marks_the_unknown_day():
    rows = LetterKeyValue.objects.filter(key__code="B", sector="public").order_by("valid_from")
    assert [(r.value, r.valid_from, r.valid_to) for r in rows] == [
        (D("0.90"), date(2006, 9, 1), date(2013, 7, 1)), (D("0.70"), date(2013, 7, 1), None)]
    assert all("DOMAIN-UNCERTAIN" in r.source and "lavieeco" in r.source for r in rows)


@pytest.mark.parametrize(("sector", "care", "tariff"), [("public", "2013-06-20", "54.00"),
                                                        ("public", "2013-07-10", "42.00"),
                                                        ("prive", "2013-07-10", "66.00")])
def test_the_simulator_takes_the_sector(sector, care, tariff):
    payload = {"mutuelle": "MGPAP", "care_date": care, "filing_date": care,
               "beneficiary": {"relationship": "assure", "birth_date": "1970-01-01"},
               "lines": [{"kind": "acte", "cotation": "B 60", "paid": "100.00", "provider_sector": sector}]}
    response = APIClient().post("/api/v1/simulations/", payload, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["lines"][0]["tariff"] == tariff
