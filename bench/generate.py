"""Synthetic claims for benchmarks and load tests, written with PostgreSQL COPY.

    generate(claims=100_000)                       # submitted claims, waiting for liquidation
    generate(claims=1_000_000, status="liquide", liquidate=True)   # liquidated, for admin pages

Writes insured persons (about one per three claims, valid RIB and CNIE), some dependants,
claims with their numbers and fingerprints, lines (acts by cotation, medicines of the reference
list, amounts paid), one document row per claim (distinct fake SHA-256, no file on disk) and one
status-change row per claim. Every row satisfies the model constraints; every claim is admissible
(filed on time, beneficiary entitled, no duplicate), so that its liquidation depends only on the
tariffs. Ids follow the existing rows, so the function can run several times on one database.

The API (keyword arguments and their meaning) is used by other benchmarks: keep it stable.
"""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

#: Claims written per COPY batch (bounds the memory held at once).
BATCH = 20_000
#: Care dates are drawn over this many days before the filing window closes.
CARE_SPAN_DAYS = 420

FIRST_NAMES = ["Karim", "Salma", "Youssef", "Nadia", "Omar", "Laila", "Hicham", "Meryem", "Amine", "Khadija",
               "Rachid", "Fatima", "Mehdi", "Imane", "Said", "Zineb", "Hamza", "Sanaa", "Anas", "Hajar"]
LAST_NAMES = ["Alaoui", "Bennani", "Idrissi", "Tazi", "Chraibi", "Berrada", "Fassi", "Benjelloun", "Kettani",
              "El Amrani", "Ouazzani", "Lahlou", "Sqalli", "Bouzidi", "Naciri", "Cherkaoui", "Amrani", "Ziani"]
ADMINISTRATIONS = ["Ministère de l'Éducation nationale", "Ministère de la Santé", "Ministère de l'Intérieur",
                   "Ministère des Finances", "Ministère de la Justice", "Collectivités territoriales"]
CITIES = ["Rabat", "Casablanca", "Fès", "Marrakech", "Tanger", "Agadir", "Oujda", "Meknès", "Kénitra", "Tétouan"]

#: (cotation, quantity choices, weight): the acts most often found on ambulatory claims.
ACTS = [("C", (1,), 14), ("Cs", (1,), 18), ("CNPSY", (1,), 2), ("CsC", (1,), 2), ("V", (1,), 2),
        ("B 60", (1,), 8), ("B 120", (1,), 6), ("B 250", (1,), 3), ("Z 40", (1,), 4), ("Z 60", (1,), 2),
        ("K 20", (1,), 2), ("P 100", (1,), 1), ("AMM", (5, 10, 15), 3), ("D 10", (1,), 2)]
#: What the insured person paid, as a multiple of the line's tariff (fees above the TNR are common).
PAID_FACTORS = [Decimal(x) for x in ("1", "1", "1", "1.2", "1.5", "1.6667", "2", "0.9")]


@dataclass(frozen=True)
class _Table:
    """Column order of one model's table and a template row of defaults."""

    model: type[models.Model]
    fields: list[models.Field]
    columns: list[str]
    index: dict[str, int]
    template: list
    json_names: list[str]

    @classmethod
    def of(cls, model: type[models.Model], now: datetime) -> _Table:
        fields = list(model._meta.concrete_fields)
        columns = [f.column for f in fields]
        template = []
        for f in fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                template.append(now)
            else:  # the model default, "" for text fields without one, else None
                template.append(_db_value(f.get_default()))
        return cls(model, fields, columns, {f.attname: i for i, f in enumerate(fields)}, template,
                   [f.attname for f in fields if isinstance(f, models.JSONField)])

    def row(self, values: dict) -> list:
        row = self.template.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        for name in self.json_names:
            if name in values:
                row[index[name]] = _db_value(values[name])
        return row

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


def _db_value(value):
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def _copy(table: _Table, rows: Sequence[list]) -> None:
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table.db_table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)  # formatted in C by psycopg
        else:  # SQLite (small volumes only): plain parameterised inserts
            marks = ", ".join(["%s"] * len(table.columns))
            prepared = [[f.get_db_prep_save(v, connection) if not isinstance(f, models.JSONField) else v
                         for f, v in zip(table.fields, row, strict=True)] for row in rows]
            cursor.executemany(f'INSERT INTO "{table.db_table}" ({cols}) VALUES ({marks})', prepared)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"
            )


def _rib(rng: random.Random) -> str:
    from beneficiaries.validators import rib_key

    prefix = f"{rng.choice(['011', '007', '145', '230', '050'])}{rng.randrange(10**19):019d}"
    return prefix + rib_key(prefix)


def _years_before(day: date, years: int, extra_days: int) -> date:
    try:
        born = day.replace(year=day.year - years)
    except ValueError:
        born = date(day.year - years, 3, 1)
    return born - timedelta(days=extra_days)


@dataclass
class _Person:
    insured_id: int
    mutuelle_id: int
    regime_id: int
    fund_id: int
    dependents: list[tuple[int, str, date]]  # (id, relationship, birth date)


class _Generator:
    def __init__(self, *, claims: int, lines_per_claim: float, status: str, mutuelles: tuple[str, ...],
                 seed: int, liquidate: bool) -> None:
        from beneficiaries.models import Dependent, Insured
        from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange
        from mutuelles.models import Mutuelle
        from mutuelles.selectors import payer_on
        from mutuelles.services import system_user
        from tariffs.models import Medicine
        from tariffs.selectors import TariffBook

        if status not in ClaimStatus.values or status == ClaimStatus.DRAFT:
            raise ValueError(f"statut inconnu ou non déposé : {status!r}")
        self.rng = random.Random(seed)
        self.claims, self.status, self.liquidate = claims, status, liquidate
        self.lines_per_claim = max(1.0, min(float(lines_per_claim), 50.0))
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.seed = seed
        self.system = system_user()
        self.book = TariffBook.load()
        found = {m.code: m for m in Mutuelle.objects.filter(code__in=mutuelles)}
        missing = set(mutuelles) - set(found)
        if missing:
            raise ValueError(f"mutuelles inconnues : {', '.join(sorted(missing))} (chargez les données de référence)")
        self.mutuelles = [found[c] for c in mutuelles]
        self.fund_of = {}  # the payer of each mutuelle's members' régime today, as the filing asks it
        for m in self.mutuelles:
            payer_id = payer_on(regime_id=m.regime_id, on=self.today)
            if payer_id is None:
                raise ValueError(f"le régime des adhérents de {m.code} n'a pas d'organisme payeur aujourd'hui")
            self.fund_of[m.pk] = payer_id
        self.medicines = [code for code, info in self.book.medicines.items()
                          if info.reimbursable_on(self.today - timedelta(days=CARE_SPAN_DAYS + 60))
                          and info.reimbursable_on(self.today)
                          and self.book.medicine_price(code=code, on=self.today) is not None]
        self.medicine_ids = dict(Medicine.objects.values_list("code", "pk"))
        self.acts = [(c, q) for c, q, w in ACTS for _ in range(w) if self.book.key(c.split()[0])]
        self.t_insured, self.t_dependent = _Table.of(Insured, self.now), _Table.of(Dependent, self.now)
        self.t_claim, self.t_line = _Table.of(Claim, self.now), _Table.of(ClaimLine, self.now)
        self.t_document, self.t_change = _Table.of(ClaimDocument, self.now), _Table.of(ClaimStatusChange, self.now)
        self.models = (Insured, Dependent, Claim, ClaimLine, ClaimDocument, ClaimStatusChange)
        self.ids = {m: _next_id(m) for m in self.models}

    def _take_id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] += 1
        return value

    # --- people ---------------------------------------------------------------
    def people(self, count: int) -> tuple[list[_Person], list[list], list[list]]:
        from beneficiaries.models import Insured

        rng, persons, insured_rows, dependent_rows = self.rng, [], [], []
        for _ in range(count):
            pk = self._take_id(Insured)
            mutuelle = self.mutuelles[pk % len(self.mutuelles)]
            last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
            born = date(rng.randint(1962, 1998), rng.randint(1, 12), rng.randint(1, 28))
            affiliated = max(date(2005, 9, 1), _years_before(born, -23, 0))
            insured_rows.append(self.t_insured.row({
                "id": pk, "registration_number": f"B{pk:011d}", "affiliation_number": f"B{pk:011d}",
                "cnie": f"ZB{pk:08d}", "last_name": last, "first_name": first, "birth_date": born,
                "sex": rng.choice("MF"), "status": "actif", "status_since": affiliated, "affiliated_on": affiliated,
                "administration": rng.choice(ADMINISTRATIONS), "rib": _rib(rng),
                "email": f"assure{pk}@example.ma", "city": rng.choice(CITIES),
                "mutuelle_id": mutuelle.pk, "fund_id": self.fund_of[mutuelle.pk], "regime_id": mutuelle.regime_id,
            }))
            person = _Person(pk, mutuelle.pk, mutuelle.regime_id, self.fund_of[mutuelle.pk], [])
            if rng.random() < 0.35:
                person.dependents.append(self._dependent(dependent_rows, person, last, "conjoint",
                                                         _years_before(self.today, rng.randint(25, 60), 30),
                                                         affiliated))
            if rng.random() < 0.45:
                # a child young enough to stay entitled over the whole care window
                child_born = _years_before(self.today, rng.randint(2, 18), rng.randint(0, 300))
                person.dependents.append(self._dependent(dependent_rows, person, last, "enfant", child_born,
                                                         affiliated))
            persons.append(person)
        return persons, insured_rows, dependent_rows

    def _dependent(self, rows: list, person: _Person, last: str, relationship: str, born: date,
                   affiliated: date) -> tuple[int, str, date]:
        from beneficiaries.models import Dependent

        pk = self._take_id(Dependent)
        rows.append(self.t_dependent.row({
            "id": pk, "insured_id": person.insured_id, "relationship": relationship, "last_name": last,
            "first_name": self.rng.choice(FIRST_NAMES), "birth_date": born, "sex": self.rng.choice("MF"),
            "registered_on": max(born, affiliated),
        }))
        return pk, relationship, born

    # --- claims ---------------------------------------------------------------
    def line_count(self) -> int:
        m = self.lines_per_claim
        return max(1, min(50, round(self.rng.triangular(0.5, 2 * m - 0.5, m))))

    def draw_lines(self, care_date: date) -> list:
        from claims.services.pricing import LineInput, parse_cotation

        rng, lines = self.rng, []
        for _ in range(self.line_count()):
            if self.medicines and rng.random() < 0.45:
                code = rng.choice(self.medicines)
                quantity = rng.choice((1, 1, 1, 2, 3))
                ppv = self.book.medicine_price(code=code, on=care_date).value[0]
                lines.append(LineInput(kind="medicament", medicine_code=code, quantity=quantity,
                                       amount_paid=ppv * quantity))
                continue
            cotation, quantities = rng.choice(self.acts)
            quantity = rng.choice(quantities)
            parsed = parse_cotation(cotation)
            value = Decimal("10.00")
            for regime_id in {m.regime_id for m in self.mutuelles}:
                found = self.book.key_value(code=parsed.key, regime_id=regime_id, on=care_date, sector="prive")
                if found:
                    value = found.value[0]
                    break
            tariff = value * parsed.coefficient * quantity
            paid = (tariff * rng.choice(PAID_FACTORS)).quantize(Decimal("0.01"))
            lines.append(LineInput(kind="acte", cotation=cotation, quantity=quantity, amount_paid=paid))
        return lines

    def batch(self, persons: list[_Person], count: int) -> dict[str, list[list]]:
        from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange
        from claims.services.checks import duplicate_key

        rng = self.rng
        out: dict[str, list[list]] = {"claim": [], "line": [], "document": [], "change": []}
        seen: set[tuple[int, int, date]] = set()
        latest_care = self.today - timedelta(days=1)
        for _ in range(count):
            person = rng.choice(persons)
            dependent = rng.choice(person.dependents) if person.dependents and rng.random() < 0.4 else None
            care_date = latest_care - timedelta(days=rng.randrange(CARE_SPAN_DAYS))
            while (person.insured_id, dependent[0] if dependent else 0, care_date) in seen:
                care_date -= timedelta(days=1)
            seen.add((person.insured_id, dependent[0] if dependent else 0, care_date))
            filed_on = min(self.today, care_date + timedelta(days=rng.randrange(1, 50)))
            lines = self.draw_lines(care_date)
            pk = self._take_id(Claim)
            mutuelle_code = next(m.code for m in self.mutuelles if m.pk == person.mutuelle_id)
            inpe = f"{rng.randrange(10**8, 10**9)}"
            values = {
                "id": pk, "number": f"{mutuelle_code}-{filed_on.year}-{pk:08d}", "insured_id": person.insured_id,
                "dependent_id": dependent[0] if dependent else None, "mutuelle_id": person.mutuelle_id,
                "fund_id": person.fund_id, "status": self.status, "care_date": care_date, "filed_on": filed_on,
                "submitted_at": timezone.make_aware(datetime.combine(filed_on, time(9, 0))),
                "prescriber_inpe": inpe,
                "total_paid": sum((line.amount_paid for line in lines), Decimal("0.00")),
                "duplicate_key": duplicate_key(
                    insured_id=person.insured_id, dependent_id=dependent[0] if dependent else None,
                    care_date=care_date, prescriber_inpe=inpe,
                    lines=[(l.kind, l.cotation or l.medicine_code, l.quantity, str(l.amount_paid)) for l in lines]),
            }
            line_values = [{
                "id": self._take_id(ClaimLine), "claim_id": pk, "position": i + 1, "kind": line.kind,
                "cotation": line.cotation, "medicine_id": self.medicine_ids.get(line.medicine_code),
                "medicine_code": line.medicine_code,
                "quantity": line.quantity, "amount_paid": line.amount_paid, "care_date": care_date,
            } for i, line in enumerate(lines)]
            if self.liquidate:
                self.fill_liquidation(values, line_values, lines, person, care_date)
            out["claim"].append(self.t_claim.row(values))
            out["line"].extend(self.t_line.row(v) for v in line_values)
            sha = hashlib.sha256(f"bench-{self.seed}-{pk}".encode()).hexdigest()
            out["document"].append(self.t_document.row({
                "id": self._take_id(ClaimDocument), "claim_id": pk, "kind": "feuille_soins",
                "file": f"claims/{pk}/{sha}.pdf", "original_name": "feuille_de_soins.pdf",
                "content_type": "application/pdf", "extension": "pdf", "size": rng.randrange(40_000, 900_000),
                "sha256": sha,
            }))
            previous = ClaimStatus.DRAFT if self.status == ClaimStatus.SUBMITTED else ClaimStatus.SUBMITTED
            out["change"].append(self.t_change.row({
                "id": self._take_id(ClaimStatusChange), "claim_id": pk, "from_status": previous,
                "to_status": self.status, "changed_by_id": self.system.pk, "changed_at": self.now,
                "notified_at": self.now, "reason": "Données de test générées.",
            }))
        return out

    def fill_liquidation(self, values: dict, line_values: list[dict], lines: list, person: _Person,
                         care_date: date) -> None:
        """The columns the real liquidation writes, computed by the same pricing code."""
        from claims.models import ClaimStatus
        from claims.services.liquidation import add_up
        from claims.services.pricing import ClaimContext, price_line

        ctx = ClaimContext(regime_id=person.regime_id, mutuelle_id=person.mutuelle_id, care_date=care_date,
                           etm_valid=False)
        priced = [price_line(line, ctx, self.book) for line in lines]
        for row, p in zip(line_values, priced, strict=True):
            row.update({"letter_key": p.letter_key, "coefficient": p.coefficient, "tariff": p.amounts.tariff,
                        "base": p.amounts.base, "amo_amount": p.amounts.amo,
                        "complementary_amount": p.amounts.complementary, "patient_amount": p.amounts.patient,
                        "reason_code": p.reason_code, "explanation": p.explanation})
        totals = add_up([(line.amount_paid, p.amounts) for line, p in zip(lines, priced, strict=True)])
        values.update({"total_amo": totals.amo, "total_complementary": totals.complementary,
                       "total_patient": totals.patient, "liquidation_count": 1})
        if self.status in {ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH, ClaimStatus.PAID,
                           ClaimStatus.PAYMENT_REJECTED}:
            values["liquidated_at"] = timezone.make_aware(datetime.combine(values["filed_on"], time(18, 0)))

    def run(self) -> None:
        people_count = max(1, -(-self.claims // 3))
        persons, insured_rows, dependent_rows = self.people(people_count)
        _copy(self.t_insured, insured_rows)
        _copy(self.t_dependent, dependent_rows)
        del insured_rows, dependent_rows
        for start in range(0, self.claims, BATCH):
            rows = self.batch(persons, min(BATCH, self.claims - start))
            _copy(self.t_claim, rows["claim"])
            _copy(self.t_line, rows["line"])
            _copy(self.t_document, rows["document"])
            _copy(self.t_change, rows["change"])
        _reset_sequences(self.models)


def generate(*, claims: int, lines_per_claim: float = 3.0, status: str = "depose",
             mutuelles: tuple[str, ...] = ("MGPAP", "MGEN", "OMFAM", "MGPT"), seed: int = 42,
             liquidate: bool = False) -> None:
    """Write `claims` synthetic claims (and their insured persons, lines, documents, audit rows).

    `status` is the status every claim gets ("depose" by default: waiting for liquidation);
    `liquidate=True` also fills the liquidation columns as the real liquidation would.
    Needs the reference data (`manage.py load_reference_data`). Same seed, same data.
    """
    if claims <= 0:
        return
    _Generator(claims=claims, lines_per_claim=lines_per_claim, status=status, mutuelles=tuple(mutuelles),
               seed=seed, liquidate=liquidate).run()

