"""Loading the coded reasons for rejecting a claim or a line (claims/data/rejection_reasons.csv).

The automatic codes are the ones the controls write (claims.services.checks.ClaimReason and
claims.services.pricing.LineReason); the agents' reasons follow the required content of a
dossier (domain.md §3.5, §5.1), since no official list of motifs de rejet was found.
"""
from pathlib import Path

from django.db import transaction

from amo_portal.reference_files import TableCounts, data_file, read_csv, table_label, upsert
from claims.models import RejectionReason


@transaction.atomic
def load_rejection_reasons(*, data_dir: Path) -> list[TableCounts]:
    """Upsert the reasons by code; `active` is left to the back office and never reset here."""
    counts = TableCounts(table_label(RejectionReason))
    path = data_file(data_dir, "claims", "rejection_reasons.csv")
    for rec in read_csv(path, base=data_dir, required=("code", "label", "scope", "automatic")):
        upsert(RejectionReason, lookup={"code": rec.text("code")}, where=rec.where, counts=counts,
               values={"label": rec.text("label"), "scope": rec.text("scope"), "automatic": rec.flag("automatic")})
    return [counts]
