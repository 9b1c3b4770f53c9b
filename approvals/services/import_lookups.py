"""Set-based lookups of an accords import: organismes, mutuelles, declinations, beneficiaries and the
accords already recorded are read in a few queries for the whole file, never one per row."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.utils.translation import gettext as _

from approvals.models import Accord, ALDDeclination
from beneficiaries.models import Dependent, Insured
from mutuelles.models import AMOFund, Mutuelle

CHUNK = 5000
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
    def for_rows(cls, rows: list[dict[str, str]]) -> "World":
        funds = dict(AMOFund.objects.values_list("code", "pk"))
        wanted: dict[int, set[str]] = {}
        for row in rows:
            fund_id = funds.get(row.get("organisme", "").upper())
            if fund_id is not None and row.get("immatriculation"):
                wanted.setdefault(fund_id, set()).add(row["immatriculation"])
        insured = {}
        for fund_id, numbers in wanted.items():
            for chunk in chunks(numbers):
                for pk, number, mutuelle_id in Insured.objects.filter(fund_id=fund_id, registration_number__in=chunk) \
                        .values_list("pk", "registration_number", "mutuelle_id"):
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

    def beneficiary(self, fund_id: int, mutuelle_id: int, row: dict[str, str]) -> tuple[int, int | None]:
        found = self.insured.get((fund_id, row["immatriculation"]))
        if found is None:
            raise LookupError(_("immatriculation : aucun assuré n°%(n)s à cet organisme.")
                              % {"n": row["immatriculation"]})
        insured_id, insured_mutuelle = found
        if insured_mutuelle != mutuelle_id:
            raise LookupError(_("mutuelle : l'assuré n°%(n)s n'est pas adhérent de cette mutuelle.")
                              % {"n": row["immatriculation"]})
        if not row.get("ayant_droit_naissance") and not row.get("ayant_droit_prenom"):
            return insured_id, None
        try:
            born = date.fromisoformat(row.get("ayant_droit_naissance", ""))
        except ValueError:
            raise LookupError(_("ayant_droit_naissance : date invalide (AAAA-MM-JJ).")) from None
        dependent_id = self.dependents.get((insured_id, born, row.get("ayant_droit_prenom", "").lower()))
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

    def payers(self, rows: list[dict[str, str]]) -> set[tuple[int, int]]:
        return {(self.funds[f], self.mutuelles[m]) for row in rows
                if (f := row.get("organisme", "").upper()) in self.funds
                and (m := row.get("mutuelle", "").upper()) in self.mutuelles}

def _dependents(rows, funds, insured) -> dict[tuple[int, date, str], int]:
    owners = {insured[key][0] for row in rows if row.get("ayant_droit_naissance") or row.get("ayant_droit_prenom")
              if (key := (funds.get(row.get("organisme", "").upper()), row.get("immatriculation"))) in insured}
    found = {}
    for chunk in chunks(owners):
        for pk, insured_id, born, first in Dependent.objects.filter(insured_id__in=chunk).values_list(
                "pk", "insured_id", "birth_date", "first_name"):
            found[(insured_id, born, first.lower())] = pk
    return found


def accord_ids(keys: Iterable[tuple]) -> list[int]:
    """The ids of the accords just written under these keys."""
    wanted = set(keys)
    ids = []
    for fund_id, mutuelle_id in {(f, m) for f, m, _n in wanted}:
        ids += [pk for pk, n in Accord.objects.filter(fund_id=fund_id, mutuelle_id=mutuelle_id)
                .exclude(accord_number="").values_list("pk", "accord_number").iterator(chunk_size=CHUNK)
                if (fund_id, mutuelle_id, n) in wanted]
    return ids
