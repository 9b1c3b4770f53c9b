"""The reader of reference data files (CSV, YAML) and the upsert every app's loader uses: each row
goes through `full_clean()` (named constraints, `DatedModel.clean`'s no-overlap rule) before it is
written, and a bad row raises `ReferenceDataError` naming the file, the line and the field."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q

from amo_portal.exceptions import DomainError

_LINE = "__ligne__"
_TRUE = {"true", "vrai", "oui", "1", "yes"}
_FALSE = {"false", "faux", "non", "0", "no"}

M = TypeVar("M", bound=models.Model)


class ReferenceDataError(DomainError):
    """A reference data file is unreadable or one of its rows is refused."""

    code = "donnees_reference_invalides"


@dataclass
class TableCounts:
    """What a load did to one table."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    #: Natural keys met in this load, with their line: a key given twice is an error, not an update.
    seen: dict[tuple, int] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        return (f"{self.label} : créés {self.created}, modifiés {self.updated}, inchangés {self.unchanged}"
                + (f", retirés {self.removed}" if self.removed else ""))


@dataclass(frozen=True)
class Where:
    """A line of a data file; `columns` maps model fields to the file's column names."""

    file: str
    line: int
    columns: Mapping[str, str] = field(default_factory=dict)

    def fail(self, errors: Mapping[str, Iterable[str]]) -> ReferenceDataError:
        parts = []
        for name, messages in errors.items():
            text = " ".join(str(m) for m in messages)
            if name == NON_FIELD_ERRORS:
                parts.append(text)
            else:
                parts.append(f"champ « {self.columns.get(name, name)} » : {text}")
        return ReferenceDataError(f"Fichier {self.file}, ligne {self.line}, " + " ; ".join(parts),
                                  extra={"file": self.file, "line": self.line, "fields": list(errors)})

    def error(self, name: str, message: str) -> ReferenceDataError:
        return self.fail({name: [message]})


@dataclass(frozen=True)
class Record:
    """One row of a data file, read as text and converted field by field with French errors."""

    where: Where
    data: Mapping[str, Any]

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.data.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            raise self.where.error(name, "valeur obligatoire manquante.")
        return text

    def decimal(self, name: str, *, required: bool = True) -> Decimal | None:
        if isinstance(self.data.get(name), float):
            raise self.where.error(name, "écrire le montant entre guillemets (pas de nombre flottant).")
        text = self.text(name, required=required)
        if not text:
            return None
        try:
            return parse_decimal(text)
        except ValueError:
            raise self.where.error(name, f"nombre décimal invalide : « {text} ».") from None

    def integer(self, name: str) -> int:
        value = self.decimal(name)
        if value != value.to_integral_value():
            raise self.where.error(name, f"nombre entier attendu : « {value} ».")
        return int(value)

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.data.get(name)
        if isinstance(value, date):
            return value
        text = self.text(name, required=required)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.where.error(name, f"date invalide : « {text} » (format attendu AAAA-MM-JJ).") from None

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        text = self.text(name).lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise self.where.error(name, f"valeur booléenne invalide : « {text} » (true ou false).")

    def pick(self, name: str, known: Mapping[str, M], what: str) -> M:
        code = self.text(name)
        if code not in known:
            raise self.where.error(name, f"{what} inconnu(e) : « {code} ».")
        return known[code]

    def children(self, name: str) -> list[Record]:
        items = self.data.get(name) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.where.error(name, "liste d'éléments attendue.")
        return [Record(Where(self.where.file, i.get(_LINE, self.where.line)), i) for i in items]


def parse_decimal(text: str) -> Decimal:
    """'1 234,50', '1.234,50', '12,5' and '12.50' are all read; floats never enter."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def display_name(path: Path, base: Path) -> str:
    """The file as named in messages: relative to the data directory when it lies inside it."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _read_text(path: Path, name: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReferenceDataError(f"Fichier {name} illisible : {exc.strerror}.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # Excel's "CSV" on Windows; cp1252 maps nearly every byte


def read_csv(path: Path, *, base: Path, required: Iterable[str], upper: bool = False,
             columns: Mapping[str, str] | None = None) -> list[Record]:
    """Rows of a CSV file; the delimiter (`;` or `,`) is taken from the header line."""
    name = display_name(path, base)
    text = _read_text(path, name)
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if header.count(";") > header.count(",")
                            else ",")
    reader.fieldnames = [(h or "").strip().upper() if upper else (h or "").strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in reader.fieldnames]
    if missing:
        raise ReferenceDataError(f"Fichier {name}, ligne 1 : colonnes manquantes : {', '.join(missing)}.")
    records = []
    for row in reader:
        where = Where(name, reader.line_num, columns or {})
        if row.get(None):
            raise where.fail({NON_FIELD_ERRORS: ["plus de valeurs que de colonnes."]})
        if any((v or "").strip() for v in row.values()):
            records.append(Record(where, row))
    return records


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line of every mapping, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_yaml(path: Path, *, base: Path, section: str) -> list[Record]:
    """The items of the top-level list `section` of a YAML file."""
    name = display_name(path, base)
    try:
        document = yaml.load(_read_text(path, name), Loader=_LineLoader)  # noqa: S506 — a SafeLoader subclass
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else 1
        raise ReferenceDataError(f"Fichier {name}, ligne {line} : YAML invalide ({exc}).") from exc
    top = Record(Where(name, 1), document if isinstance(document, dict) else {})
    return top.children(section)


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _condition_fields(condition: Q | None) -> list[str]:
    names: list[str] = []
    for child in condition.children if condition is not None else ():
        names += _condition_fields(child) if isinstance(child, Q) else [child[0].split("__")[0]]
    return names


def _validate(obj: models.Model, where: Where) -> None:
    """full_clean(); a violated named constraint is reported on the first field its condition names."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = dict(exc.message_dict)
        for constraint in obj._meta.constraints if NON_FIELD_ERRORS in errors else ():
            try:
                constraint.validate(type(obj), obj)
            except ValidationError:
                names = _condition_fields(getattr(constraint, "condition", None)) or list(constraint.fields)
                errors.setdefault(names[0], []).extend(errors.pop(NON_FIELD_ERRORS, []))
        raise where.fail(errors) from exc


def _claim_key(lookup: dict[str, Any], where: Where, counts: TableCounts) -> None:
    key = tuple(sorted((k, v.pk if isinstance(v, models.Model) else v) for k, v in lookup.items()))
    if key in counts.seen:
        raise where.fail({NON_FIELD_ERRORS: [f"ligne en double : même clé que la ligne {counts.seen[key]}."]})
    counts.seen[key] = where.line


def upsert(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any], where: Where,
           counts: TableCounts, existing: M | None = None, fetch: bool = True) -> M:
    """Create the row with natural key `lookup`, or bring it to `values`; an unchanged row is not written.
    `existing`/`fetch=False` let a caller that preloaded the table skip the lookup query."""
    if lookup:
        _claim_key(lookup, where, counts)
    obj = model.objects.filter(**lookup).first() if fetch and existing is None else existing
    if obj is None:
        obj = model(**lookup, **values)
        _validate(obj, where)
        obj.save()
        counts.created += 1
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if not changed:
        counts.unchanged += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    _validate(obj, where)
    obj.save()
    counts.updated += 1
    return obj


def upsert_dated(model: type[models.Model], rows: list[tuple[Where, dict[str, Any], dict[str, Any]]],
                 counts: TableCounts) -> None:
    """Upsert dated rows (lookup includes valid_from) in date order, so that closing an open row
    comes before inserting its successor and the no-overlap check sees the final periods."""
    for where, lookup, values in sorted(rows, key=lambda row: row[1]["valid_from"]):
        upsert(model, lookup=lookup, values=values, where=where, counts=counts)


def data_file(data_dir: Path, app: str, name: str) -> Path:
    return data_dir / app / "data" / name


def table_label(model: type[models.Model]) -> str:
    """The French plural name of a table, as the summary line shows it."""
    label = str(model._meta.verbose_name_plural)
    return label[:1].upper() + label[1:]
