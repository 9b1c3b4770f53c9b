"""Read side of the reference tariffs: the only place that asks "what was in force on date D".

`TariffBook` loads the (small) reference tables once and answers in memory, so that a worker
liquidating thousands of lines does not query the tariffs line by line. `TariffBook.current()`
keeps one book per process and reloads it when a cheap fingerprint of the tables changes.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import QuerySet

from amo_portal.periods import covers
from mutuelles.models import ActComplement, ComplementaryRate
from tariffs.models import (
    AMORate,
    DeadlineSuspension,
    EligibilityRule,
    FilingDeadlineRule,
    LetterKey,
    LetterKeyValue,
    Medicine,
    MedicinePrice,
)
from tariffs.services.deadlines import Suspension


@dataclass(frozen=True)
class Dated:
    """One dated row, reduced to what liquidation needs, plus a label naming its version."""

    valid_from: date
    valid_to: date | None
    value: tuple
    ref: str

    def covers(self, on: date) -> bool:
        return covers(self.valid_from, self.valid_to, on)


class _Timeline:
    """Non-overlapping dated rows for one key, searchable by date."""

    def __init__(self) -> None:
        self.rows: list[Dated] = []
        self.starts: list[date] = []

    def add(self, row: Dated) -> None:
        self.rows.append(row)

    def freeze(self) -> None:
        self.rows.sort(key=lambda r: r.valid_from)
        self.starts = [r.valid_from for r in self.rows]

    def at(self, on: date) -> Dated | None:
        index = bisect_right(self.starts, on) - 1
        if index < 0:
            return None
        row = self.rows[index]  # valid_from <= on by construction
        return row if row.valid_to is None or on < row.valid_to else None


@dataclass(frozen=True)
class MedicineInfo:
    code: str
    name: str
    is_generic: bool
    reimbursable_from: date | None
    reimbursable_to: date | None

    def reimbursable_on(self, on: date) -> bool:
        if self.reimbursable_from is None or on < self.reimbursable_from:
            return False
        return self.reimbursable_to is None or on < self.reimbursable_to


@dataclass(frozen=True)
class KeyInfo:
    code: str
    group: str
    is_consultation: bool
    requires_prior_approval: bool
    per_session: bool = False
    max_sessions: int | None = None
    takes_consultation_flat: bool = False


#: Tables whose content the book holds; any write to them must reach the workers' books.
BOOK_MODELS = (LetterKey, LetterKeyValue, Medicine, MedicinePrice, AMORate, ComplementaryRate, FilingDeadlineRule,
               DeadlineSuspension, EligibilityRule, ActComplement)


@dataclass(frozen=True)
class EligibilityLimits:
    """The rights rules of one régime on one date (tariffs.models_eligibility), as the pure rules of
    beneficiaries.services.entitlement read them; None where no row is in force."""

    child_age: int | None
    student_age: int | None
    dependents_days_after_death: int | None


def reference_version() -> tuple | None:
    """A fingerprint of the tariff tables that changes with any insert, update or delete.

    On PostgreSQL: the row count and the newest row version (xmin) of each table, in one query
    of a few index-free scans over small tables. Elsewhere None: no cache, load every time.
    """
    if connection.vendor != "postgresql":
        return None
    # table names come from model metadata, not from input
    parts = [f'SELECT count(*), max(xmin::text::bigint) FROM "{m._meta.db_table}"' for m in BOOK_MODELS]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"({part})" for part in parts))
        return tuple(cursor.fetchall())


_current: tuple[tuple | None, TariffBook | None] = (None, None)


class TariffBook:
    """An in-memory snapshot of every dated tariff table."""

    @classmethod
    def current(cls) -> TariffBook:
        """This process's book, reloaded when the reference tables changed since it was loaded."""
        global _current
        version = reference_version()
        cached_version, book = _current
        if book is None or version is None or version != cached_version:
            book = cls.load()
            _current = (version, book)
        return book

    def __init__(self) -> None:
        self.keys: dict[str, KeyInfo] = {}
        #: (code, régime, sector): the sector is "" for a value of both sectors.
        self.key_values: dict[tuple[str, int, str], _Timeline] = defaultdict(_Timeline)
        self.medicines: dict[str, MedicineInfo] = {}
        self.medicine_prices: dict[str, _Timeline] = defaultdict(_Timeline)
        self.amo_rates: dict[tuple[int, str, bool], _Timeline] = defaultdict(_Timeline)
        self.complementary: dict[tuple[int, str, bool], _Timeline] = defaultdict(_Timeline)
        self.act_complements: dict[tuple[int, str], _Timeline] = defaultdict(_Timeline)
        self.deadline_rules: dict[tuple[int, str], _Timeline] = defaultdict(_Timeline)
        self.suspensions: dict[int, tuple[Suspension, ...]] = {}
        self.eligibility_rules: dict[tuple[int, str], _Timeline] = defaultdict(_Timeline)

    @classmethod
    def load(cls) -> TariffBook:
        book = cls()
        for k in LetterKey.objects.all():
            book.keys[k.code.upper()] = KeyInfo(k.code, k.group, k.is_consultation, k.requires_prior_approval,
                                                k.per_session, k.max_sessions,
                                                k.takes_consultation_flat or k.is_consultation)
        for v in LetterKeyValue.objects.select_related("key", "regime"):
            sector = f" secteur {v.get_sector_display()}" if v.sector else ""
            ref = f"TNR {v.regime.code}{sector} {v.key.code} = {v.value} DH du {v.valid_from:%d/%m/%Y}"
            book.key_values[(v.key.code.upper(), v.regime_id, v.sector)].add(
                Dated(v.valid_from, v.valid_to, (v.value,), ref))
        for m in Medicine.objects.all():
            book.medicines[m.code] = MedicineInfo(m.code, m.name, m.is_generic, m.reimbursable_from, m.reimbursable_to)
        for p in MedicinePrice.objects.select_related("medicine"):
            ref = f"PBR {p.pbr} DH (PPV {p.ppv} DH) du {p.valid_from:%d/%m/%Y}"
            book.medicine_prices[p.medicine.code].add(Dated(p.valid_from, p.valid_to, (p.ppv, p.pbr), ref))
        for r in AMORate.objects.select_related("regime"):
            ref = f"taux AMO {r.regime.code} du {r.valid_from:%d/%m/%Y}"
            book.amo_rates[(r.regime_id, r.group, r.ald_linked)].add(Dated(r.valid_from, r.valid_to, (r.rate,), ref))
        for c in ComplementaryRate.objects.select_related("mutuelle"):
            ref = f"régime complémentaire {c.mutuelle.code} du {c.valid_from:%d/%m/%Y}"
            book.complementary[(c.mutuelle_id, c.group, c.ald_linked)].add(
                Dated(c.valid_from, c.valid_to, (c.rate, c.flat_per_consultation), ref)
            )
        for a in ActComplement.objects.select_related("mutuelle"):
            ref = f"complément {a.mutuelle.code} {a.label} {a.amount} DH par unité du {a.valid_from:%d/%m/%Y}"
            book.act_complements[(a.mutuelle_id, a.act_code.upper())].add(
                Dated(a.valid_from, a.valid_to, (a.amount,), ref))
        for d in FilingDeadlineRule.objects.all():
            book.deadline_rules[(d.regime_id, d.filer)].add(
                Dated(d.valid_from, d.valid_to, (d.days,), f"{d.days} jours"))
        suspensions: dict[int, list[Suspension]] = defaultdict(list)
        for s in DeadlineSuspension.objects.all():
            suspensions[s.regime_id].append(Suspension(s.first_day, s.last_day))
        book.suspensions = {regime: tuple(rows) for regime, rows in suspensions.items()}
        for e in EligibilityRule.objects.all():
            book.eligibility_rules[(e.regime_id, e.rule)].add(
                Dated(e.valid_from, e.valid_to, (e.value,), f"{e.get_rule_display()} = {e.value}"))
        for table in (book.key_values, book.medicine_prices, book.amo_rates, book.complementary, book.deadline_rules,
                      book.act_complements, book.eligibility_rules):
            for timeline in table.values():
                timeline.freeze()
        return book

    # --- lookups ---------------------------------------------------------------
    def key(self, code: str) -> KeyInfo | None:
        return self.keys.get(code.upper())

    def key_value(self, *, code: str, regime_id: int, on: date, sector: str = "") -> Dated | None:
        """The value for the provider's sector when the grid has one, else the value of both sectors."""
        for wanted in ((sector, "") if sector else ("",)):
            timeline = self.key_values.get((code.upper(), regime_id, wanted))
            found = timeline.at(on) if timeline else None
            if found is not None:
                return found
        return None

    def medicine(self, code: str) -> MedicineInfo | None:
        return self.medicines.get(code)

    def medicine_price(self, *, code: str, on: date) -> Dated | None:
        timeline = self.medicine_prices.get(code)
        return timeline.at(on) if timeline else None

    def amo_rate(self, *, regime_id: int, group: str, ald_linked: bool, on: date) -> Dated | None:
        timeline = self.amo_rates.get((regime_id, group, ald_linked))
        return timeline.at(on) if timeline else None

    def complementary_rate(self, *, mutuelle_id: int, group: str, ald_linked: bool, on: date) -> Dated | None:
        timeline = self.complementary.get((mutuelle_id, group, ald_linked))
        return timeline.at(on) if timeline else None

    def act_complement(self, *, mutuelle_id: int, code: str, on: date) -> Dated | None:
        """The mutuelle's amount per unit of the act `code` in force on `on` (None: none)."""
        timeline = self.act_complements.get((mutuelle_id, code.upper()))
        return timeline.at(on) if timeline else None

    def deadline_days(self, *, regime_id: int, filer: str, on: date) -> Dated | None:
        timeline = self.deadline_rules.get((regime_id, filer))
        return timeline.at(on) if timeline else None

    def suspensions_for(self, regime_id: int) -> tuple[Suspension, ...]:
        return self.suspensions.get(regime_id, ())

    def eligibility(self, *, regime_id: int, rule: str, on: date) -> Dated | None:
        """The rights rule `rule` (EligibilityRule.Rule) of the régime in force on `on`."""
        timeline = self.eligibility_rules.get((regime_id, rule))
        return timeline.at(on) if timeline else None

    def eligibility_limits(self, *, regime_id: int, on: date) -> EligibilityLimits:
        """Every rights rule of the régime on `on`, for beneficiaries.services.entitlement."""
        def value(rule: str) -> int | None:
            row = self.eligibility(regime_id=regime_id, rule=rule, on=on)
            return row.value[0] if row else None

        return EligibilityLimits(child_age=value(EligibilityRule.Rule.CHILD_AGE_LIMIT),
                                 student_age=value(EligibilityRule.Rule.STUDENT_AGE_LIMIT),
                                 dependents_days_after_death=value(EligibilityRule.Rule.DEPENDENTS_DAYS_AFTER_DEATH))


def medicines_search(*, text: str = "") -> QuerySet[Medicine]:
    """The medicine list, searchable by name, DCI or code, with current prices prefetched."""
    qs = Medicine.objects.all().prefetch_related("prices")
    text = text.strip()
    if text:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=text) | Q(dci__icontains=text) | Q(code__iexact=text))
    return qs.order_by("name", "code")


def medicine_price_on(*, medicine: Medicine, on: date) -> MedicinePrice | None:
    """The price row in force on `on`, using prefetched prices when present."""
    for price in medicine.prices.all():
        if price.covers(on):
            return price
    return None


__all__ = ["Dated", "EligibilityLimits", "KeyInfo", "MedicineInfo", "TariffBook", "medicines_search",
           "medicine_price_on"]
