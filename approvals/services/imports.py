"""Import of accords decided outside the portal, from a CSV file (`manage.py import_accords`, or the
admin's upload). All rows are checked first; one refused row and nothing is written. The key is
(organisme, mutuelle, number): an accord already recorded with the same values is left alone, so
importing the same file twice writes nothing.

Columns (separator « ; » or « , »): organisme, mutuelle, numero, type (ETM or entente),
immatriculation (of the insured person at the organisme), ayant_droit_prenom and
ayant_droit_naissance (empty: the insured person), declinaison (ETM), actes (entente, codes separated
by « | »), quantite, debut, fin (AAAA-MM-JJ; empty end: for life).
"""
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amo_portal.bulk import copy_rows
from amo_portal.exceptions import DomainError
from approvals.models import Accord, AccordKind, AccordStatus, AccordStatusChange
from approvals.services import import_lookups as lookups

COLUMNS = ("organisme", "mutuelle", "numero", "type", "immatriculation", "ayant_droit_prenom",
           "ayant_droit_naissance", "declinaison", "actes", "quantite", "debut", "fin")
REQUIRED = ("organisme", "mutuelle", "numero", "type", "immatriculation", "debut")
KINDS = {"ETM": AccordKind.ETM, "ENTENTE": AccordKind.PRIOR_APPROVAL}
FIELDS = lookups.FIELDS


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return _("Accords créés : %(created)s, déjà enregistrés : %(unchanged)s.") % {
            "created": self.created, "unchanged": self.unchanged}


class AccordImportRefused(DomainError):
    code = "import_accords_refuse"

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        lines = "\n".join(_("Ligne %(line)s : %(reason)s") % {"line": n, "reason": r} for n, r in errors[:200])
        more = len(errors) - 200
        super().__init__(_("%(count)s ligne(s) refusée(s), rien n'a été enregistré.") % {"count": len(errors)}
                         + "\n" + lines + (f"\n… (+{more})" if more > 0 else ""))


def read_rows(content: str) -> list[tuple[int, dict[str, str]]]:
    header = content.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(content, newline=""),
                            delimiter=";" if header.count(";") >= header.count(",") else ",")
    reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in reader.fieldnames]
    if missing:
        raise AccordImportRefused([(1, _("colonnes manquantes : %(cols)s.") % {"cols": ", ".join(missing)})])
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
            for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("%(what)s : date invalide « %(text)s » (AAAA-MM-JJ).") % {"what": what, "text": text}) \
            from None


def _quantity(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise ValueError(_("quantite : nombre entier positif attendu, « %(text)s ».") % {"text": text})
    return int(text)


def parse_row(row: dict[str, str], world: "lookups.World") -> tuple[tuple, dict]:
    """The key and the values of one row, or ValueError with the French reason."""
    for name in REQUIRED:
        if not row.get(name):
            raise ValueError(_("%(col)s : valeur obligatoire manquante.") % {"col": name})
    fund_id = world.fund(row["organisme"])
    mutuelle_id = world.mutuelle(row["mutuelle"])
    kind = KINDS.get(row["type"].upper())
    if kind is None:
        raise ValueError(_("type : « %(text)s » inconnu (ETM ou entente).") % {"text": row["type"]})
    insured_id, dependent_id = world.beneficiary(fund_id, mutuelle_id, row)
    declination_id, ald_id = world.declination(row.get("declinaison", "")) if kind == AccordKind.ETM else (None, None)
    acts = ",".join(a.strip().upper() for a in row.get("actes", "").split("|") if a.strip())
    if kind == AccordKind.PRIOR_APPROVAL and not acts:
        raise ValueError(_("actes : une entente préalable nomme au moins un acte ou appareil."))
    valid_from = _day(row["debut"], "debut")
    valid_until = _day(row["fin"], "fin") if row.get("fin") else None
    if valid_until is not None and valid_until < valid_from:
        raise ValueError(_("fin : antérieure au début."))
    values = {"insured_id": insured_id, "dependent_id": dependent_id, "kind": kind, "ald_id": ald_id,
              "declination_id": declination_id, "acts": acts, "quantity_granted": _quantity(row.get("quantite", "")),
              "valid_from": valid_from, "valid_until": valid_until}
    return (fund_id, mutuelle_id, row["numero"]), values


def check_rows(rows: list[tuple[int, dict[str, str]]], *, mutuelle_id: int | None) -> tuple[dict, ImportReport]:
    """Every row checked, nothing written: the new accords by key, and the report."""
    world = lookups.World.for_rows([r for _line, r in rows])
    report, new = ImportReport(), {}
    seen: dict[tuple, int] = {}  # key -> the line that gave it first
    existing = world.existing_accords(world.payers([r for _line, r in rows]))
    for line, row in rows:
        try:
            key, values = parse_row(row, world)
        except (ValueError, LookupError) as error:
            report.errors.append((line, str(error.args[0])))
            continue
        if mutuelle_id is not None and key[1] != mutuelle_id:
            report.errors.append((line, _("mutuelle : cet accord n'est pas de votre mutuelle.")))
        elif key in seen:
            report.errors.append((line, _("numero : accord déjà donné ligne %(line)s.") % {"line": seen[key]}))
        elif key in existing and existing[key] != tuple(values[f] for f in FIELDS):
            report.errors.append((line, _("numero : accord déjà enregistré avec d'autres valeurs (le modifier "
                                          "dans l'administration).")))
        elif key in existing:
            report.unchanged += 1
        else:
            new[key] = values
        seen.setdefault(key, line)
    return new, report


@transaction.atomic(durable=True)
def import_accords(*, content: str, file_name: str, by, mutuelle_id: int | None = None) -> ImportReport:
    """Check every row, then write the new accords and their first history row, or nothing."""
    new, report = check_rows(read_rows(content), mutuelle_id=mutuelle_id)
    if report.errors:
        raise AccordImportRefused(report.errors)
    _write(new, file_name=file_name, by=by)
    report.created = len(new)
    return report


def _write(new: dict[tuple, dict], *, file_name: str, by) -> None:
    now = timezone.now()
    columns = ("fund_id", "mutuelle_id", "accord_number", "status", "quantity_consumed", "refusal_code",
               "created_at", "updated_at", "document", *FIELDS)
    copy_rows(Accord, columns, [(*key, AccordStatus.GRANTED, 0, "", now, now, "", *(v[f] for f in FIELDS))
                                for key, v in new.items()])
    reason = _("Accord importé du fichier %(name)s.") % {"name": file_name}
    ids = lookups.accord_ids(new.keys())
    copy_rows(AccordStatusChange, ("accord_id", "from_status", "to_status", "changed_by_id", "reason", "created_at",
                                   "updated_at"),
              [(pk, "", AccordStatus.GRANTED, by.pk if by else None, reason, now, now) for pk in ids])


def import_report_lines(errors: Iterable[tuple[int, str]]) -> list[str]:
    return [_("Ligne %(line)s : %(reason)s") % {"line": n, "reason": r} for n, r in errors]
