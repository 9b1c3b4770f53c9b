"""Loading the accords' reference files (approvals/data) with the shared reader and upsert
(mutuelles.reference), called by `manage.py load_reference_data` after the ALD headings.

- `ald_declinations.csv`: the declination codes printed on ETM accords, under their ALD heading,
  with their default coverage ("6 mois" … "5 ans", or "à vie") and automatic renewal (domain.md §8.1).
- `decision_deadlines.csv`: the days allowed to decide a request, per kind of accord, dated.
"""
import re
from pathlib import Path

from django.db import transaction

from amo_portal.reference_files import Record, TableCounts, data_file, read_csv, table_label, upsert, upsert_dated
from approvals.models import AccordKind, ALDDeclination, DecisionDeadline
from tariffs.models import ALDCondition

LIFETIME = {"à vie", "a vie", "vie"}
_PERIOD = re.compile(r"^(\d+)\s*(mois|ans?)$")


def validity_months(rec: Record, name: str = "validity") -> int | None:
    """"6 mois" -> 6, "1 an" -> 12, "5 ans" -> 60, "à vie" -> None."""
    text = rec.text(name).lower()
    if text in LIFETIME:
        return None
    match = _PERIOD.match(text)
    if match is None:
        raise rec.where.error(name, f"durée invalide : « {text} » (par exemple « 6 mois », « 5 ans » ou « à vie »).")
    count = int(match.group(1))
    return count if match.group(2) == "mois" else count * 12


def load_ald_declinations(*, data_dir: Path) -> TableCounts:
    counts = TableCounts(table_label(ALDDeclination))
    headings = {h.code: h for h in ALDCondition.objects.all()}
    path = data_file(data_dir, "approvals", "ald_declinations.csv")
    for rec in read_csv(path, base=data_dir, required=("code", "heading", "label", "validity", "automatic_renewal",
                                                       "valid_from")):
        upsert(ALDDeclination, lookup={"code": rec.text("code").upper()}, where=rec.where, counts=counts,
               values={"heading": rec.pick("heading", headings, "ALD"), "label": rec.text("label"),
                       "validity_months": validity_months(rec), "automatic_renewal": rec.flag("automatic_renewal"),
                       "valid_from": rec.day("valid_from"), "source": rec.text("source", required=False)})
    return counts


def load_decision_deadlines(*, data_dir: Path) -> TableCounts:
    counts = TableCounts(table_label(DecisionDeadline))
    path = data_file(data_dir, "approvals", "decision_deadlines.csv")
    kinds = {kind: kind for kind in AccordKind.values}
    rows = [(rec.where, {"kind": rec.pick("kind", kinds, "type d'accord"), "valid_from": rec.day("valid_from")},
             {"days": rec.integer("days"), "valid_to": rec.day("valid_to", required=False),
              "source": rec.text("source", required=False)})
            for rec in read_csv(path, base=data_dir, required=("kind", "days", "valid_from"))]
    upsert_dated(DecisionDeadline, rows, counts)
    return counts


@transaction.atomic
def load_approvals_reference(*, data_dir: Path) -> list[TableCounts]:
    return [load_ald_declinations(data_dir=data_dir), load_decision_deadlines(data_dir=data_dir)]
