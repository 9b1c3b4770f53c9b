"""The surgical key as the grid writes it (Ka, Kb, Kc; K still read) and the keys valued per session."""
from datetime import date
from decimal import Decimal

import pytest

from claims.services.pricing import ClaimContext, LineInput, parse_cotation, price_line
from mutuelles.models import Mutuelle, Regime
from tariffs.models import LetterKey
from tariffs.selectors import TariffBook

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def priced():
    book = TariffBook.load()
    ctx = ClaimContext(regime_id=Regime.objects.get(code="AMO-PUBLIC").pk,
                       mutuelle_id=Mutuelle.objects.get(code="MGEN").pk, care_date=date(2025, 6, 2), etm_valid=False)

    def run(cotation: str, quantity: int = 1, paid: str = "5000.00"):
        return price_line(LineInput(kind="acte", cotation=cotation, amount_paid=D(paid), quantity=quantity), ctx, book)

    return run


@pytest.mark.parametrize("cotation", ["KC 50", "Kc 50", "kc50", "KA 50", "KB 50", "K 50"])
def test_ka_kb_kc_are_read_whatever_the_case_and_k_keeps_its_value(priced, cotation):
    line = priced(cotation)
    assert line.reason_code == ""
    assert line.amounts.tariff == D("1125.00")  # 50 × 22.50
    assert line.letter_key.upper() == parse_cotation(cotation).key.upper()


def test_the_keys_per_session_are_stated_in_the_data():
    per_session = dict(LetterKey.objects.filter(per_session=True).values_list("code", "max_sessions"))
    assert per_session == {"AMM": 30, "AMY": 30, "AMO": 30}


def test_the_quantity_of_a_per_session_key_counts_sessions(priced):
    line = priced("AMM", quantity=10, paid="500.00")
    assert (line.reason_code, line.amounts.tariff) == ("", D("500.00"))
    assert "AMM × 10 séances" in line.explanation
    assert "AMY × 1 séance (" in priced("AMY", quantity=1, paid="50.00").explanation


@pytest.mark.parametrize(("cotation", "quantity"), [("AMM 10", 1), ("AMO", 31)])
def test_a_session_count_written_as_a_coefficient_or_too_many_sessions_pays_nothing(priced, cotation, quantity):
    line = priced(cotation, quantity=quantity)
    assert (line.reason_code, line.amounts.amo) == ("seances_invalides", D("0.00"))
    assert "par séance" in line.explanation
