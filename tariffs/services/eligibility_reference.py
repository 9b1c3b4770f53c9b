"""Loading tariffs/data/eligibility_rules.csv: the dated rights rules per régime (domain.md §3.2, §8.2).

A line whose first cell begins with `#` is a comment: the file keeps there the rows whose date is not
known yet (the student limit of law 54-23), written out so that adding them is removing the `#`.
"""
from pathlib import Path

from amo_portal.reference_files import TableCounts, data_file, read_csv, table_label, upsert_dated
from amo_portal.reference_withdrawal import remove_unlisted
from mutuelles.models import Regime
from tariffs.models import EligibilityRule

ELIGIBILITY_FILE = "eligibility_rules.csv"


def load_eligibility_rules(*, data_dir: Path) -> TableCounts:
    """Age limits of the dependants (loi 65-00 art. 5) and their rights after the insured person's
    death, per régime and period. A row the file no longer lists is withdrawn."""
    counts = TableCounts(table_label(EligibilityRule))
    regimes = {r.code: r for r in Regime.objects.all()}
    path = data_file(data_dir, "tariffs", ELIGIBILITY_FILE)
    required = ("regime", "rule", "value", "valid_from", "valid_to", "source")
    records = [rec for rec in read_csv(path, base=data_dir, required=required)
               if not rec.text("regime", required=False).startswith("#")]
    rows = [(rec.where, {
        "regime": rec.pick("regime", regimes, "régime"), "rule": rec.text("rule"),
        "valid_from": rec.day("valid_from"),
    }, {
        "value": rec.integer("value"), "valid_to": rec.day("valid_to", required=False),
        "source": rec.text("source"),
    }) for rec in records]
    upsert_dated(EligibilityRule, rows, counts)
    remove_unlisted(EligibilityRule, counts, key=("regime", "rule", "valid_from"))
    return counts
