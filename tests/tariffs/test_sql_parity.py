"""tariffs.selectors.reference_version: the fingerprint query (UNION ALL of count and newest row
version per tariff table) decides whether a worker prices claims with the book it holds or reads
the tariffs again, so it decides money: after any write to a tariff table, the book it keeps must
price as a book read afresh."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from mutuelles.models import ComplementaryRate
from tariffs.models import AMORate, DeadlineSuspension, FilingDeadlineRule, LetterKeyValue, MedicinePrice
from tariffs.selectors import TariffBook
from tests.parity_support import PARITY, rolled_back

pytestmark = pytest.mark.django_db
D = Decimal


def view(book: TariffBook) -> dict:
    """Everything a book answers, as plain values."""
    dated = {name: {key: [(r.valid_from, r.valid_to, r.value, r.ref) for r in timeline.rows]
                    for key, timeline in getattr(book, name).items() if timeline.rows}
             for name in ("key_values", "medicine_prices", "amo_rates", "complementary", "deadline_rules")}
    return {**dated, "keys": book.keys, "medicines": book.medicines, "suspensions": book.suspensions}


def _first(model):
    return model.objects.order_by("pk").first()


#: Writes an administrator makes to the reference tables, each in its own transaction.
WRITES = {
    "key value": lambda n: LetterKeyValue.objects.filter(pk=_first(LetterKeyValue).pk).update(value=D(n) + D("0.50")),
    "AMO rate": lambda n: AMORate.objects.filter(pk=_first(AMORate).pk).update(rate=D(n % 100) / 100),
    "medicine price": lambda n: MedicinePrice.objects.filter(pk=_first(MedicinePrice).pk).update(
        pbr=D(n % 150 + 1) / 10),
    "complementary rate": lambda n: ComplementaryRate.objects.filter(pk=_first(ComplementaryRate).pk).update(
        rate=D(n % 100) / 100),
    "deadline": lambda n: FilingDeadlineRule.objects.filter(pk=_first(FilingDeadlineRule).pk).update(days=n % 90 + 1),
    "suspension added": lambda n: DeadlineSuspension.objects.create(
        regime_id=_first(FilingDeadlineRule).regime_id, first_day=date(2030, 1, 1 + n % 28),
        last_day=date(2030, 2, 1), reason="essai"),
    "suspension removed": lambda n: DeadlineSuspension.objects.filter(
        pk=getattr(DeadlineSuspension.objects.order_by("-pk").first(), "pk", None)).delete(),
}


def test_the_book_kept_prices_as_the_book_read_afresh_after_every_write():
    """The fingerprint of reference_version (PostgreSQL; None elsewhere: no book kept) against a
    plain reading of the same tariff rows (TariffBook.load): after every write, in any order,
    TariffBook.current() answers what TariffBook.load() answers."""

    @PARITY
    @given(st.lists(st.tuples(st.sampled_from(sorted(WRITES)), st.integers(1, 500)), min_size=1, max_size=6))
    def check(writes):
        with rolled_back():
            assert view(TariffBook.current()) == view(TariffBook.load())
            for name, n in writes:
                with transaction.atomic():
                    WRITES[name](n)
                assert view(TariffBook.current()) == view(TariffBook.load()), name

    check()
