"""Dental care: D for soins, DP for prothèses; the MGPAP 2026 flat on dental care and its 360 DH per
ceramic crown (a dated per-act complement, capped at what the person paid beyond the AMO share)."""
from datetime import date
from decimal import Decimal

import pytest

from claims.services.pricing import ClaimContext, LineInput, price_line
from mutuelles.models import ActComplement, Mutuelle, Regime
from tariffs.models import LetterKey, LetterKeyValue
from tariffs.selectors import TariffBook

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def crown_forfait(db):
    """A TNR value for the ceramic crown, for the test only: no public source gives one (domain.md §1.5)."""
    LetterKeyValue.objects.create(key=LetterKey.objects.get(code="CCC"), regime=Regime.objects.get(code="AMO-PUBLIC"),
                                  value=D("2500.00"), valid_from=date(2006, 9, 1), source="test")


def price(cotation: str, paid: str, *, mutuelle: str = "MGPAP", on: date = date(2026, 2, 2), quantity: int = 1):
    ctx = ClaimContext(regime_id=Regime.objects.get(code="AMO-PUBLIC").pk,
                       mutuelle_id=Mutuelle.objects.get(code=mutuelle).pk, care_date=on, etm_valid=False)
    line = LineInput(kind="acte", cotation=cotation, amount_paid=D(paid), quantity=quantity)
    return price_line(line, ctx, TariffBook.load())


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_soins_and_protheses_have_their_own_values():
    assert price("D 10", "500.00", mutuelle="MGEN").amounts.tariff == D("175.00")
    assert price("DP 10", "500.00", mutuelle="MGEN").amounts.tariff == D("125.00")
    public = Regime.objects.get(code="AMO-PUBLIC")
    assert all("DOMAIN-UNCERTAIN" in v.source
               for v in LetterKeyValue.objects.filter(key__code__in=["D", "DP"], regime=public))


@pytest.mark.parametrize(("on", "complementary"), [(date(2025, 12, 31), "35.00"), (date(2026, 1, 1), "45.00")])
def test_the_mgpap_flat_goes_to_dental_care_from_2026_not_to_prostheses(on, complementary):
    soins = price("D 10", "500.00", on=on)  # 175: AMO 140, 20 % = 35 (+ 10 from 2026)
    assert (soins.amounts.amo, soins.amounts.complementary) == (D("140.00"), D(complementary))
    assert ("forfait 10,00 DH" in plain(soins.explanation)) == (on.year == 2026)
    assert "forfait" not in price("DP 10", "500.00", on=on).explanation


def test_the_flat_on_dental_care_is_data():
    assert dict(LetterKey.objects.filter(code__in=["D", "DP", "C"]).values_list("code", "takes_consultation_flat")) == {
        "D": True, "DP": False, "C": True}


def test_the_crown_complement_is_dated_data_of_the_mutuelle():
    row = ActComplement.objects.get(mutuelle__code="MGPAP", act_code="CCC")
    assert (row.amount, row.valid_from, row.valid_to) == (D("360.00"), date(2026, 1, 1), None)
    assert "Libération" in row.source


def test_mgpap_adds_360_dirhams_per_ceramic_crown_from_2026(crown_forfait):
    # 2 crowns, 6000 paid: tariff 5000, AMO 80 % = 4000, MGPAP 20 % = 1000 + 2 × 360
    line = price("CCC", "6000.00", quantity=2)
    assert (line.amounts.amo, line.amounts.complementary, line.amounts.patient) == (
        D("4000.00"), D("1720.00"), D("280.00"))
    text = plain(line.explanation)
    assert "complément MGPAP couronne céramo-céramique 360.00 DH" in text and "× 2 = 720,00 DH" in text
    before = price("CCC", "6000.00", quantity=2, on=date(2025, 12, 31))
    assert before.amounts.complementary == D("1000.00")
    assert price("CCC", "6000.00", quantity=2, mutuelle="MGEN").amounts.complementary == D("1000.00")


def test_the_crown_complement_never_exceeds_what_was_paid_beyond_the_amo_share(crown_forfait):
    line = price("CCC", "2600.00")  # base 2500: AMO 2000, rate 500 + 360 wanted, 600 left to pay
    assert (line.amounts.amo, line.amounts.complementary, line.amounts.patient) == (
        D("2000.00"), D("600.00"), D("0.00"))
    assert "plafonnée" in line.explanation
