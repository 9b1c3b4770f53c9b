"""Loading the mutuelles' reference files: organismes AMO, mutuelles, their dated fund links and
complementary rates, with the shared reader of amo_portal.reference_files.
"""
from __future__ import annotations

from pathlib import Path

from django.db import transaction

from amo_portal.reference_files import (
    TableCounts,
    data_file,
    read_csv,
    read_yaml,
    table_label,
    upsert,
    upsert_dated,
)
from amo_portal.reference_withdrawal import remove_unlisted
from mutuelles.models import AMOFund, ComplementaryRate, Mutuelle, MutuelleFundLink, Regime, RegimePayer


def load_organismes(*, data_dir: Path) -> TableCounts:
    """The AMO funds (CNOPS, CNSS): a configurable entity, not a constant (domain.md §0)."""
    counts = TableCounts(table_label(AMOFund))
    for rec in read_yaml(data_file(data_dir, "mutuelles", "organismes.yaml"), base=data_dir, section="organismes"):
        upsert(AMOFund, lookup={"code": rec.text("code")}, where=rec.where, counts=counts,
               values={"name_fr": rec.text("name_fr"), "name_ar": rec.text("name_ar", required=False)})
    return counts


def load_regimes(*, data_dir: Path) -> list[TableCounts]:
    """The régimes and the dated payer of each one's AMO share (domain.md §8.2)."""
    counts, payer_counts = TableCounts(table_label(Regime)), TableCounts(table_label(RegimePayer))
    funds = {f.code: f for f in AMOFund.objects.all()}
    payers = []
    for rec in read_yaml(data_file(data_dir, "mutuelles", "regimes.yaml"), base=data_dir, section="regimes"):
        regime = upsert(Regime, lookup={"code": rec.text("code")}, where=rec.where, counts=counts, values={
            "name_fr": rec.text("name_fr"), "name_ar": rec.text("name_ar", required=False),
            "source": rec.text("source", required=False),
        })
        for payer in rec.children("payers"):
            payers.append((payer.where, {"regime": regime, "valid_from": payer.day("valid_from")}, {
                "fund": payer.pick("fund", funds, "organisme"), "valid_to": payer.day("valid_to", required=False),
                "source": payer.text("source", required=False),
            }))
    upsert_dated(RegimePayer, payers, payer_counts)
    remove_unlisted(RegimePayer, payer_counts, key=("regime", "valid_from"))
    return [counts, payer_counts]


def load_mutuelles(*, data_dir: Path) -> list[TableCounts]:
    """The mutuelles, their review thresholds and their dated links to a fund (domain.md §0)."""
    counts = TableCounts(table_label(Mutuelle))
    link_counts = TableCounts(table_label(MutuelleFundLink))
    funds = {f.code: f for f in AMOFund.objects.all()}
    regimes = {r.code: r for r in Regime.objects.all()}
    links = []
    for rec in read_yaml(data_file(data_dir, "mutuelles", "mutuelles.yaml"), base=data_dir, section="mutuelles"):
        mutuelle = upsert(Mutuelle, lookup={"code": rec.text("code")}, where=rec.where, counts=counts, values={
            "name_fr": rec.text("name_fr"), "name_ar": rec.text("name_ar", required=False),
            "regime": rec.pick("regime", regimes, "régime"),
            "review_threshold": rec.decimal("review_threshold"),
            "four_eyes_threshold": rec.decimal("four_eyes_threshold"),
        })
        for link in rec.children("fund_links"):
            links.append((link.where, {"mutuelle": mutuelle, "valid_from": link.day("valid_from")}, {
                "fund": link.pick("fund", funds, "organisme"), "footing": link.text("footing"),
                "valid_to": link.day("valid_to", required=False), "source": link.text("source", required=False),
            }))
    upsert_dated(MutuelleFundLink, links, link_counts)
    return [counts, link_counts]


def load_complementary_rates(*, data_dir: Path) -> TableCounts:
    """The mutuelles' complementary share per prestation group and date (domain.md §1.4)."""
    counts = TableCounts(table_label(ComplementaryRate))
    mutuelles = {m.code: m for m in Mutuelle.objects.all()}
    path = data_file(data_dir, "mutuelles", "complementary_rates.csv")
    required = ("mutuelle", "group", "ald_linked", "rate", "flat_per_consultation", "valid_from", "valid_to", "source")
    rows = [(rec.where, {
        "mutuelle": rec.pick("mutuelle", mutuelles, "mutuelle"), "group": rec.text("group"),
        "ald_linked": rec.flag("ald_linked"), "valid_from": rec.day("valid_from"),
    }, {
        "rate": rec.decimal("rate"), "flat_per_consultation": rec.decimal("flat_per_consultation"),
        "valid_to": rec.day("valid_to", required=False), "source": rec.text("source", required=False),
    }) for rec in read_csv(path, base=data_dir, required=required)]
    upsert_dated(ComplementaryRate, rows, counts)
    remove_unlisted(ComplementaryRate, counts, key=("mutuelle", "group", "ald_linked", "valid_from"))
    return counts


@transaction.atomic
def load_mutuelle_reference(*, data_dir: Path) -> list[TableCounts]:
    """Organismes, régimes and their payers, mutuelles, fund links and complementary rates, in dependency order."""
    organismes = load_organismes(data_dir=data_dir)
    return [organismes, *load_regimes(data_dir=data_dir), *load_mutuelles(data_dir=data_dir),
            load_complementary_rates(data_dir=data_dir)]
