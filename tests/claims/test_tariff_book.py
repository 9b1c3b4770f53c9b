"""The workers' in-memory tariff book: kept per process, reloaded as soon as a tariff changes."""
from datetime import date
from decimal import Decimal

import pytest

from mutuelles.models import Regime
from tariffs.models import LetterKey, LetterKeyValue
from tariffs.selectors import TariffBook

pytestmark = pytest.mark.django_db


def cs_value(book: TariffBook) -> Decimal:
    regime = Regime.objects.get(code="AMO-PUBLIC")
    return book.key_value(code="Cs", regime_id=regime.pk, on=date(2025, 6, 1)).value[0]


def test_a_changed_tariff_reaches_the_current_book():
    # given
    before = TariffBook.current()
    value = LetterKeyValue.objects.get(key__code="Cs", regime__code="AMO-PUBLIC", valid_to__isnull=True)
    # when
    LetterKeyValue.objects.filter(pk=value.pk).update(value=Decimal("175.00"))
    after = TariffBook.current()
    # then
    assert cs_value(before) == Decimal("150.00")
    assert cs_value(after) == Decimal("175.00")


def test_a_new_letter_key_reaches_the_current_book():
    TariffBook.current()
    LetterKey.objects.create(code="ZZ", label="Clé de test")
    assert TariffBook.current().key("zz") is not None


def test_an_unchanged_book_is_reused_on_postgresql():
    from django.db import connection

    first, second = TariffBook.current(), TariffBook.current()
    assert (first is second) == (connection.vendor == "postgresql")
