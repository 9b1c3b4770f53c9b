"""Loading the tariffs' reference files (tariffs/data) into the dated tables.

Letter keys and their values per organisme (TNR, domain.md §2), AMO rates (§1.1, §1.3), filing
deadlines and their suspensions (§3.1), the ALD list (§1.3) and the medicines with their PPV/PBR
(§1.2). `letter_keys.csv` keeps a `requires_prior_approval` column although domain.md §3.4 found no
list of acts under entente préalable: every key is `false` until the mutuelles provide one.

Medicines file: the columns of the CNOPS/ANAM export of the reimbursable-medicines list
(CODE, NOM, DCI1, DOSAGE1, UNITE_DOSAGE1, FORME, PRESENTATION, PPV, PH, PRIX_BR,
PRINCEPS_GENERIQUE, TAUX_REMBOURSEMENT — the header of the public "ref-des-medicaments-cnops"
files), mapped as follows:

- CODE → Medicine.code; NOM → name; DCI1 → dci;
- DOSAGE1 + UNITE_DOSAGE1, FORME and PRESENTATION → presentation ("500 MG, COMPRIME, BOITE DE 16");
- PRINCEPS_GENERIQUE "G" → is_generic (P or empty → princeps);
- TAUX_REMBOURSEMENT ("70%", "70", "0", empty) > 0 → reimbursable from the start date, else not;
- PPV → MedicinePrice.ppv; PRIX_BR → pbr (PPV when empty); PH (hospital price) is not stored.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from amo_portal.periods import AMO_START
from amo_portal.reference_files import (
    Record,
    TableCounts,
    data_file,
    parse_decimal,
    read_csv,
    read_yaml,
    table_label,
    upsert,
    upsert_dated,
)
from amo_portal.reference_withdrawal import remove_unlisted
from mutuelles.models import ActComplement, Mutuelle, Regime
from tariffs.models import (
    ALDCondition,
    AMORate,
    DeadlineSuspension,
    FilingDeadlineRule,
    LetterKey,
    LetterKeyValue,
    Medicine,
    MedicinePrice,
    ProviderSector,
)

MEDICINE_COLUMNS = ("CODE", "NOM", "DCI1", "FORME", "PRESENTATION", "PPV", "PRIX_BR", "PRINCEPS_GENERIQUE",
                    "TAUX_REMBOURSEMENT")
#: Model fields named as the medicines file names them, for error messages.
MEDICINE_FIELDS = {"code": "CODE", "name": "NOM", "dci": "DCI1", "presentation": "PRESENTATION",
                   "is_generic": "PRINCEPS_GENERIQUE", "reimbursable_from": "TAUX_REMBOURSEMENT",
                   "ppv": "PPV", "pbr": "PRIX_BR", "valid_from": "--prices-from", "valid_to": "--prices-from"}
SAMPLE_MEDICINES = "medicines_sample.csv"


def _max_length(field_name: str) -> int:
    """A medicine text column's width, read from the model so that the loader and the table agree."""
    field = Medicine._meta.get_field(field_name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise ImproperlyConfigured(f"Medicine.{field_name} n'est pas un texte de longueur bornée")
    return field.max_length


_PRESENTATION_MAX = _max_length("presentation")


def _regimes() -> dict[str, Regime]:
    return {r.code: r for r in Regime.objects.all()}


def load_letter_keys(*, data_dir: Path) -> TableCounts:
    """The lettres clés of the TNR grid (domain.md §2.1)."""
    counts = TableCounts(table_label(LetterKey))
    required = ("code", "label", "group", "is_consultation", "requires_prior_approval", "default_coefficient")
    for rec in read_csv(data_file(data_dir, "tariffs", "letter_keys.csv"), base=data_dir, required=required):
        upsert(LetterKey, lookup={"code": rec.text("code")}, where=rec.where, counts=counts, values={
            "label": rec.text("label"), "group": rec.text("group"), "is_consultation": rec.flag("is_consultation"),
            "requires_prior_approval": rec.flag("requires_prior_approval"),
            "default_coefficient": rec.decimal("default_coefficient"),
            "per_session": rec.flag("per_session") if rec.text("per_session", required=False) else False,
            "max_sessions": rec.integer("max_sessions") if rec.text("max_sessions", required=False) else None,
            # empty: as is_consultation (the flat per consultation goes to consultations)
            "takes_consultation_flat": (rec.flag("consultation_flat") if rec.text("consultation_flat", required=False)
                                        else rec.flag("is_consultation")),
        })
    return counts


def _sector(rec: Record) -> str:
    """The optional `sector` column: public, prive, or empty for both sectors."""
    sector = rec.text("sector", required=False)
    if sector and sector not in ProviderSector.values:
        raise rec.where.error("sector", f"secteur inconnu : « {sector} » (public, prive ou vide pour les deux).")
    return sector


def load_letter_key_values(*, data_dir: Path) -> TableCounts:
    """Value of each key per régime, provider sector (empty: both) and period: 2006 grid, private sector's
    revision of 2020, public laboratories' B (domain.md §2.1-§2.2, §8.2-§8.3). A row the file no longer lists
    is withdrawn."""
    counts = TableCounts(table_label(LetterKeyValue))
    keys, regimes = {k.code: k for k in LetterKey.objects.all()}, _regimes()
    path = data_file(data_dir, "tariffs", "letter_key_values.csv")
    rows = [(rec.where, {
        "key": rec.pick("key", keys, "lettre clé"), "regime": rec.pick("regime", regimes, "régime"),
        "sector": _sector(rec), "valid_from": rec.day("valid_from"),
    }, {
        "value": rec.decimal("value"), "valid_to": rec.day("valid_to", required=False),
        "source": rec.text("source", required=False),
    }) for rec in read_csv(path, base=data_dir, required=("key", "regime", "value", "valid_from", "valid_to"))]
    upsert_dated(LetterKeyValue, rows, counts)
    remove_unlisted(LetterKeyValue, counts, key=("key", "regime", "sector", "valid_from"))
    return counts


def load_act_complements(*, data_dir: Path) -> TableCounts:
    """The mutuelles' dated per-act complements (mutuelles/data/act_complements.csv, domain.md §1.4):
    loaded here, after the letter keys, so that each act code is checked against them. A row the
    file no longer lists is withdrawn."""
    counts = TableCounts(table_label(ActComplement))
    mutuelles = {m.code: m for m in Mutuelle.objects.all()}
    keys = {k.code: k for k in LetterKey.objects.all()}
    path = data_file(data_dir, "mutuelles", "act_complements.csv")
    required = ("mutuelle", "act_code", "label", "amount", "valid_from", "valid_to", "source")
    rows = [(rec.where, {
        "mutuelle": rec.pick("mutuelle", mutuelles, "mutuelle"), "act_code": rec.pick("act_code", keys, "acte").code,
        "valid_from": rec.day("valid_from"),
    }, {
        "label": rec.text("label"), "amount": rec.decimal("amount"),
        "valid_to": rec.day("valid_to", required=False), "source": rec.text("source"),
    }) for rec in read_csv(path, base=data_dir, required=required)]
    upsert_dated(ActComplement, rows, counts)
    remove_unlisted(ActComplement, counts, key=("mutuelle", "act_code", "valid_from"))
    return counts


def load_amo_rates(*, data_dir: Path) -> TableCounts:
    """AMO share per régime, prestation group and ALD status (décret 2-05-736, domain.md §1.1, §1.3)."""
    counts = TableCounts(table_label(AMORate))
    regimes = _regimes()
    path = data_file(data_dir, "tariffs", "amo_rates.csv")
    required = ("regime", "group", "ald_linked", "rate", "valid_from", "valid_to")
    rows = [(rec.where, {
        "regime": rec.pick("regime", regimes, "régime"), "group": rec.text("group"),
        "ald_linked": rec.flag("ald_linked"), "valid_from": rec.day("valid_from"),
    }, {
        "rate": rec.decimal("rate"), "valid_to": rec.day("valid_to", required=False),
        "source": rec.text("source", required=False),
    }) for rec in read_csv(path, base=data_dir, required=required)]
    upsert_dated(AMORate, rows, counts)
    remove_unlisted(AMORate, counts, key=("regime", "group", "ald_linked", "valid_from"))
    return counts


def load_filing_deadlines(*, data_dir: Path) -> list[TableCounts]:
    """Filing deadlines (60 days assuré, 90 days tiers payant) and their suspensions (domain.md §3.1)."""
    rule_counts = TableCounts(table_label(FilingDeadlineRule))
    suspension_counts = TableCounts(table_label(DeadlineSuspension))
    regimes, path = _regimes(), data_file(data_dir, "tariffs", "filing_deadlines.yaml")
    rows = [(rec.where, {
        "regime": rec.pick("regime", regimes, "régime"), "filer": rec.text("filer"),
        "valid_from": rec.day("valid_from"),
    }, {
        "days": rec.integer("days"), "valid_to": rec.day("valid_to", required=False),
        "source": rec.text("source", required=False),
    }) for rec in read_yaml(path, base=data_dir, section="rules")]
    upsert_dated(FilingDeadlineRule, rows, rule_counts)
    remove_unlisted(FilingDeadlineRule, rule_counts, key=("regime", "filer", "valid_from"))
    for rec in read_yaml(path, base=data_dir, section="suspensions"):
        upsert(DeadlineSuspension, where=rec.where, counts=suspension_counts,
               lookup={"regime": rec.pick("regime", regimes, "régime"), "first_day": rec.day("first_day")},
               values={"last_day": rec.day("last_day"), "reason": rec.text("reason"),
                       "source": rec.text("source", required=False)})
    remove_unlisted(DeadlineSuspension, suspension_counts, key=("regime", "first_day"))
    return [rule_counts, suspension_counts]


def load_ald_conditions(*, data_dir: Path) -> TableCounts:
    """The 41 ALD of arrêté 2518-05 (domain.md §1.3); items 36-41 still to confirm on the ANAM list."""
    counts = TableCounts(table_label(ALDCondition))
    path = data_file(data_dir, "tariffs", "ald_conditions.csv")
    for rec in read_csv(path, base=data_dir, required=("rank", "code", "label")):
        upsert(ALDCondition, lookup={"code": rec.text("code")}, where=rec.where, counts=counts,
               values={"rank": rec.integer("rank"), "label": rec.text("label")})
    return counts


@dataclass(frozen=True)
class _PriceLoad:
    """How medicine prices of one file are dated: from `start`; `dated` when --prices-from was given."""

    start: date
    dated: bool
    is_sample: bool


def _presentation(rec: Record) -> str:
    dosage = f"{rec.text('DOSAGE1', required=False)} {rec.text('UNITE_DOSAGE1', required=False)}".strip()
    parts = [dosage, rec.text("FORME", required=False), rec.text("PRESENTATION", required=False)]
    text = ", ".join(p for p in parts if p)
    return text if len(text) <= _PRESENTATION_MAX else text[:_PRESENTATION_MAX - 1] + "…"


def _reimbursable(rec: Record) -> bool:
    text = rec.text("TAUX_REMBOURSEMENT", required=False).rstrip("%").strip()
    if not text:
        return False
    try:
        return parse_decimal(text) > 0
    except ValueError:
        raise rec.where.error("TAUX_REMBOURSEMENT", f"taux invalide : « {text} ».") from None


def _reimbursement_period(existing: Medicine | None, reimbursable: bool, load: _PriceLoad) -> dict[str, Any]:
    """The base list states the situation since AMO start; a dated list only moves the bounds
    (a re-listed medicine loses the gap: one period per medicine in the model)."""
    if existing is None or not load.dated:
        return {"reimbursable_from": load.start if reimbursable else None, "reimbursable_to": None}
    if reimbursable:
        return {"reimbursable_from": existing.reimbursable_from or load.start, "reimbursable_to": None}
    if existing.reimbursable_from is None or existing.reimbursable_to is not None:
        return {"reimbursable_from": existing.reimbursable_from, "reimbursable_to": existing.reimbursable_to}
    if existing.reimbursable_from >= load.start:
        return {"reimbursable_from": None, "reimbursable_to": None}
    return {"reimbursable_from": existing.reimbursable_from, "reimbursable_to": load.start}


def _upsert_price(medicine: Medicine, rec: Record, prices: list[MedicinePrice], load: _PriceLoad,
                  counts: TableCounts) -> None:
    """Same start: correct the row. Otherwise a changed price closes the open row at the start date."""
    ppv = rec.decimal("PPV", required=False)
    if ppv is None:
        return
    pbr = rec.decimal("PRIX_BR", required=False) or ppv
    values = {"ppv": ppv, "pbr": pbr}
    same_start = next((p for p in prices if p.valid_from == load.start), None)
    open_row = next((p for p in prices if p.valid_to is None), None)
    if same_start is None and open_row is not None and (open_row.ppv, open_row.pbr) == (ppv, pbr):
        counts.unchanged += 1
        return
    if same_start is None and open_row is not None and open_row.valid_from < load.start:
        upsert(MedicinePrice, lookup={}, values={"valid_to": load.start}, where=rec.where, counts=counts,
               existing=open_row, fetch=False)
    upsert(MedicinePrice, lookup={"medicine": medicine, "valid_from": load.start}, values=values,
           where=rec.where, counts=counts, existing=same_start, fetch=False)


def load_medicines(*, path: Path, data_dir: Path, load: _PriceLoad) -> list[TableCounts]:
    """Medicines and their PPV/PBR (domain.md §1.2) from a file in the official export format."""
    counts, price_counts = TableCounts(table_label(Medicine)), TableCounts(table_label(MedicinePrice))
    medicines = {m.code: m for m in Medicine.objects.all()}
    prices: dict[int, list[MedicinePrice]] = defaultdict(list)
    for price in MedicinePrice.objects.all():
        prices[price.medicine_id].append(price)
    for rec in read_csv(path, base=data_dir, required=MEDICINE_COLUMNS, upper=True, columns=MEDICINE_FIELDS):
        code = rec.text("CODE")
        kind = rec.text("PRINCEPS_GENERIQUE", required=False).upper()
        if kind not in {"", "P", "G"}:
            raise rec.where.error("PRINCEPS_GENERIQUE", f"valeur « {kind} » inconnue (P ou G).")
        existing = medicines.get(code)
        medicine = upsert(Medicine, lookup={"code": code}, where=rec.where, counts=counts, existing=existing,
                          fetch=False, values={
                              "name": rec.text("NOM"), "dci": rec.text("DCI1", required=False),
                              "presentation": _presentation(rec), "is_generic": kind == "G",
                              "is_sample": load.is_sample,
                              **_reimbursement_period(existing, _reimbursable(rec), load)})
        _upsert_price(medicine, rec, prices.get(medicine.pk, []), load, price_counts)
    return [counts, price_counts]


@transaction.atomic
def load_tariff_reference(*, data_dir: Path, medicines_path: Path | None = None,
                          prices_from: date | None = None) -> list[TableCounts]:
    """Every tariffs table, in dependency order. Without `medicines_path` the sample is loaded."""
    sample = data_file(data_dir, "tariffs", SAMPLE_MEDICINES)
    path = medicines_path or sample
    load = _PriceLoad(start=prices_from or AMO_START, dated=prices_from is not None,
                      is_sample=path.resolve() == sample.resolve())
    return [
        load_letter_keys(data_dir=data_dir),
        load_letter_key_values(data_dir=data_dir),
        load_act_complements(data_dir=data_dir),
        load_amo_rates(data_dir=data_dir),
        *load_filing_deadlines(data_dir=data_dir),
        load_ald_conditions(data_dir=data_dir),
        *load_medicines(path=path, data_dir=data_dir, load=load),
    ]

