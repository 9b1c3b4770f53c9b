"""Set-based lookups of an accords import: organismes, mutuelles, declinations, beneficiaries and the
accords already recorded are read in a few queries for the whole file, never one per row."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.db import connection
from django.utils.translation import gettext as _

from approvals.models import Accord, ALDDeclination
from beneficiaries.models import Dependent, Insured
from mutuelles.models import AMOFund, Mutuelle

CHUNK = 5000
#: Positions in a row as imports.read_rows gives it (imports.COLUMNS order).
ORG, MUT, REG, DEP_FIRST, DEP_BORN = 0, 1, 4, 5, 6
#: The fields an imported row sets, compared with an accord already recorded under the same key.
FIELDS = ("insured_id", "dependent_id", "kind", "ald_id", "declination_id", "acts", "quantity_granted",
          "valid_from", "valid_until")


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class World:
    funds: dict[str, int]
    mutuelles: dict[str, int]
    declinations: dict[str, tuple[int, int]]
    insured: dict[tuple[int, str], tuple[int, int]]  # (fund, registration) -> (insured, its mutuelle)
    dependents: dict[tuple[int, date, str], int]  # (insured, birth date, first name) -> dependent

    @classmethod
    def for_rows(cls, rows: list[tuple[str, ...]]) -> "World":
        """Rows in the import's column order (imports.COLUMNS)."""
        funds = dict(AMOFund.objects.values_list("code", "pk"))
        wanted: dict[int, set[str]] = {}
        for row in rows:
            fund_id = funds.get(row[ORG].upper())
            if fund_id is not None and row[REG]:
                wanted.setdefault(fund_id, set()).add(row[REG])
        insured = {}
        for fund_id, numbers in wanted.items():
            for pk, number, mutuelle_id in insured_by_registration(fund_id, numbers):
                insured[(fund_id, number)] = (pk, mutuelle_id)
        return cls(funds=funds, mutuelles=dict(Mutuelle.objects.values_list("code", "pk")),
                   declinations={c: (pk, h) for pk, c, h in ALDDeclination.objects.values_list("pk", "code",
                                                                                              "heading_id")},
                   insured=insured, dependents=_dependents(rows, funds, insured))

    def fund(self, code: str) -> int:
        if code.upper() not in self.funds:
            raise LookupError(_("organisme : « %(code)s » inconnu.") % {"code": code})
        return self.funds[code.upper()]

    def mutuelle(self, code: str) -> int:
        if code.upper() not in self.mutuelles:
            raise LookupError(_("mutuelle : « %(code)s » inconnue.") % {"code": code})
        return self.mutuelles[code.upper()]

    def declination(self, code: str) -> tuple[int, int]:
        code = "".join(code.split()).upper()
        if code not in self.declinations:
            raise LookupError(_("declinaison : code ALD « %(code)s » inconnu.") % {"code": code})
        return self.declinations[code]

    def beneficiary(self, fund_id: int, mutuelle_id: int, registration: str, first_name: str,
                    born_text: str) -> tuple[int, int | None]:
        found = self.insured.get((fund_id, registration))
        if found is None:
            raise LookupError(_("immatriculation : aucun assuré n°%(n)s à cet organisme.") % {"n": registration})
        insured_id, insured_mutuelle = found
        if insured_mutuelle != mutuelle_id:
            raise LookupError(_("mutuelle : l'assuré n°%(n)s n'est pas adhérent de cette mutuelle.")
                              % {"n": registration})
        if not born_text and not first_name:
            return insured_id, None
        try:
            born = date.fromisoformat(born_text)
        except ValueError:
            raise LookupError(_("ayant_droit_naissance : date invalide (AAAA-MM-JJ).")) from None
        dependent_id = self.dependents.get((insured_id, born, first_name.lower()))
        if dependent_id is None:
            raise LookupError(_("ayant droit : aucun ayant droit de cet assuré avec ce prénom et cette date de "
                                "naissance."))
        return insured_id, dependent_id

    def existing_accords(self, payers: set[tuple[int, int]]) -> dict[tuple, tuple]:
        """Every accord already recorded for these (organisme, mutuelle) pairs, by key: one pass per
        pair, served by the unique index, instead of one lookup per number."""
        found = {}
        for fund_id, mutuelle_id in payers:
            for row in Accord.objects.filter(fund_id=fund_id, mutuelle_id=mutuelle_id).exclude(accord_number="") \
                    .values_list("fund_id", "mutuelle_id", "accord_number", *FIELDS).iterator(chunk_size=CHUNK):
                found[row[:3]] = row[3:]
        return found

    def payers(self, rows: list[tuple[str, ...]]) -> set[tuple[int, int]]:
        return {(self.funds[f], self.mutuelles[m]) for f, m in {(row[ORG].upper(), row[MUT].upper()) for row in rows}
                if f in self.funds and m in self.mutuelles}


def insured_by_registration(fund_id: int, numbers: set[str]) -> Iterator[tuple[int, str, int]]:
    """(id, registration number, mutuelle) of the insured persons of `fund_id` among `numbers`: on
    PostgreSQL one query with the numbers as one array parameter (no statement of thousands of
    placeholders to build), elsewhere by chunks."""
    if connection.vendor != "postgresql":
        for chunk in chunks(numbers):
            yield from Insured.objects.filter(fund_id=fund_id, registration_number__in=chunk).values_list(
                "pk", "registration_number", "mutuelle_id")
        return
    meta = Insured._meta
    # names from the model's meta; every value is bound
    sql = (f'SELECT "{meta.pk.column}", registration_number, mutuelle_id FROM "{meta.db_table}" '  # noqa: S608
           "WHERE fund_id = %s AND registration_number = ANY(%s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [fund_id, list(numbers)])
        yield from cursor.fetchall()

def _dependents(rows, funds, insured) -> dict[tuple[int, date, str], int]:
    owners = {insured[key][0] for row in rows if row[DEP_BORN] or row[DEP_FIRST]
              if (key := (funds.get(row[ORG].upper()), row[REG])) in insured}
    found = {}
    for chunk in chunks(owners):
        for pk, insured_id, born, first in Dependent.objects.filter(insured_id__in=chunk).values_list(
                "pk", "insured_id", "birth_date", "first_name"):
            found[(insured_id, born, first.lower())] = pk
    return found
