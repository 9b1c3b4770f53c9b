"""Import of accords decided outside the portal, from a CSV file (`manage.py import_accords`, or the
admin's upload). All rows are checked first; one refused row and nothing is written. The key is
(organisme, mutuelle, number): an accord already recorded with the same values is left alone, so
importing the same file twice writes nothing.

Columns (separator « ; » or « , »): organisme, mutuelle, numero, type (ETM or entente),
immatriculation (of the insured person at the organisme), ayant_droit_prenom and
ayant_droit_naissance (empty: the insured person), declinaison (ETM), actes (entente, codes separated
by « | »), quantite, debut, fin (AAAA-MM-JJ; empty end: for life).

Speed (bench/accords_import.py, 200,000 rows): the file is read once into tuples in column order;
the values repeated down a column (organismes, codes, dates, quantities) are converted once each
(memo per column); the beneficiaries and the accords already recorded are read set-based
(import_lookups); the new accords go in by COPY and their first history rows by one INSERT … SELECT.
"""
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from django.db import connection, transaction
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
#: Positions in a row as read_rows gives it (COLUMNS order).
ORG, MUT, NUM, TYPE, REG, DEP_FIRST, DEP_BORN, DECL, ACTS, QTY, START, END = range(len(COLUMNS))
_REQUIRED_AT = tuple(COLUMNS.index(c) for c in REQUIRED)


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


def read_rows(content: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line number, the row's values stripped, in COLUMNS order) for each non-empty row, in one pass."""
    header = content.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=";" if header.count(";") >= header.count(",")
                        else ",")
    names = [name.strip().lower() for name in next(reader, [])]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise AccordImportRefused([(1, _("colonnes manquantes : %(cols)s.") % {"cols": ", ".join(missing)})])
    width = len(names)  # an absent optional column reads the empty cell added past the row's end
    pick = itemgetter(*(names.index(c) if c in names else width for c in COLUMNS))
    rows, strip, padding = [], str.strip, [""] * (width + 1)
    for raw in reader:
        values = tuple(map(strip, pick(raw + padding[len(raw):] if len(raw) <= width else raw[:width] + [""])))
        if any(values) or any(map(strip, raw)):
            rows.append((reader.line_num, values))
    return rows


class _Memo(dict):
    """A column's conversions, one per distinct text: a value, or the ValueError/LookupError it raised."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, text: str):
        try:
            value = self.convert(text)
        except (ValueError, LookupError) as error:
            value = error
        self[text] = value
        return value

    def get_value(self, text: str):
        value = self[text]
        if isinstance(value, Exception):
            raise type(value)(*value.args)  # a fresh one: a kept error raised again would grow its traceback
        return value


def _day(what: str):
    def convert(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("%(what)s : date invalide « %(text)s » (AAAA-MM-JJ).") % {"what": what, "text": text}) \
                from None
    return convert


def _quantity(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise ValueError(_("quantite : nombre entier positif attendu, « %(text)s ».") % {"text": text})
    return int(text)


def _kind(text: str) -> str:
    kind = KINDS.get(text.upper())
    if kind is None:
        raise ValueError(_("type : « %(text)s » inconnu (ETM ou entente).") % {"text": text})
    return kind


def _acts(text: str) -> str:
    return ",".join(a.strip().upper() for a in text.split("|") if a.strip())


class RowParser:
    """parse(row) -> (key, values in FIELDS order), or ValueError/LookupError with the French reason."""

    def __init__(self, world: "lookups.World"):
        self.world = world
        self.funds, self.mutuelles = _Memo(world.fund), _Memo(world.mutuelle)
        self.kinds, self.declinations, self.acts = _Memo(_kind), _Memo(world.declination), _Memo(_acts)
        self.starts, self.ends, self.quantities = _Memo(_day("debut")), _Memo(_day("fin")), _Memo(_quantity)

    def parse(self, row: tuple[str, ...]) -> tuple[tuple, tuple]:
        for at in _REQUIRED_AT:
            if not row[at]:
                raise ValueError(_("%(col)s : valeur obligatoire manquante.") % {"col": COLUMNS[at]})
        fund_id, mutuelle_id = self.funds.get_value(row[ORG]), self.mutuelles.get_value(row[MUT])
        kind = self.kinds.get_value(row[TYPE])
        insured_id, dependent_id = self.world.beneficiary(fund_id, mutuelle_id, row[REG], row[DEP_FIRST],
                                                          row[DEP_BORN])
        declination_id, ald_id = self.declinations.get_value(row[DECL]) if kind == AccordKind.ETM else (None, None)
        acts = self.acts.get_value(row[ACTS])
        if kind == AccordKind.PRIOR_APPROVAL and not acts:
            raise ValueError(_("actes : une entente préalable nomme au moins un acte ou appareil."))
        valid_from = self.starts.get_value(row[START])
        valid_until = self.ends.get_value(row[END]) if row[END] else None
        if valid_until is not None and valid_until < valid_from:
            raise ValueError(_("fin : antérieure au début."))
        values = (insured_id, dependent_id, kind, ald_id, declination_id, acts, self.quantities.get_value(row[QTY]),
                  valid_from, valid_until)
        return (fund_id, mutuelle_id, row[NUM]), values


def check_rows(rows: list[tuple[int, tuple[str, ...]]], *, mutuelle_id: int | None) -> tuple[dict, ImportReport]:
    """Every row checked, nothing written: the new accords by key (values in FIELDS order), and the report."""
    world = lookups.World.for_rows([r for _line, r in rows])
    parser, report, new = RowParser(world), ImportReport(), {}
    seen: dict[tuple, int] = {}  # key -> the line that gave it first
    existing = world.existing_accords(world.payers([r for _line, r in rows]))
    for line, row in rows:
        try:
            key, values = parser.parse(row)
        except (ValueError, LookupError) as error:
            report.errors.append((line, str(error.args[0])))
            continue
        if mutuelle_id is not None and key[1] != mutuelle_id:
            report.errors.append((line, _("mutuelle : cet accord n'est pas de votre mutuelle.")))
        elif key in seen:
            report.errors.append((line, _("numero : accord déjà donné ligne %(line)s.") % {"line": seen[key]}))
        elif key in existing and existing[key] != values:
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


def _write(new: dict[tuple, tuple], *, file_name: str, by) -> None:
    now = timezone.now()
    columns = ("fund_id", "mutuelle_id", "accord_number", "status", "quantity_consumed", "refusal_code",
               "created_at", "updated_at", "document", "language", *FIELDS)
    fixed = (AccordStatus.GRANTED, 0, "", now, now, "", "")
    copy_rows(Accord, columns, [(*key, *fixed, *values) for key, values in new.items()])
    reason = _("Accord importé du fichier %(name)s.") % {"name": file_name}
    written = _write_first_history(created_at=now, by_id=by.pk if by else None, reason=reason)
    if written != len(new):  # another import of the same instant: refuse rather than guess
        raise DomainError(_("Import interrompu : %(written)s historiques écrits pour %(count)s accords.")
                          % {"written": written, "count": len(new)})


def _write_first_history(*, created_at, by_id: int | None, reason: str) -> int:
    """One INSERT … SELECT: a "granted" history row for each accord just written, found by its stamp.

    On PostgreSQL, COPY wrote `created_at` as given: the rows of this import carry this very
    microsecond. Elsewhere (SQLite) the rows were stamped on creation, after `created_at`, while this
    transaction held the database's write lock (nobody else wrote meanwhile). The caller checks the
    count. (No anti-join on the history table: it would scan the table being written, once per row.)"""
    if connection.vendor == "postgresql":
        new_ids = Accord.objects.filter(created_at=created_at).values("pk")
    else:
        new_ids = Accord.objects.filter(created_at__gte=created_at).values("pk")
    select_sql, select_params = new_ids.query.sql_with_params()
    table = AccordStatusChange._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(created_at)
    # names from the models' meta; every value is bound
    sql = (f'INSERT INTO "{table}" (accord_id, from_status, to_status, changed_by_id, reason, created_at, '  # noqa: S608
           f'updated_at) SELECT new."pk", %s, %s, %s, %s, %s, %s FROM ({select_sql}) AS new')
    with connection.cursor() as cursor:
        cursor.execute(sql, ["", AccordStatus.GRANTED, by_id, reason, stamp, stamp, *select_params])
        return cursor.rowcount


def import_report_lines(errors: Iterable[tuple[int, str]]) -> list[str]:
    return [_("Ligne %(line)s : %(reason)s") % {"line": n, "reason": r} for n, r in errors]
