"""The bordereau's lines as CSV for spreadsheets: ";" between fields, decimal points, UTF-8 with a
byte order mark so that Excel reads the accents, no cell a spreadsheet would run as a formula (a
payee named "=HYPERLINK(...)" reads as text; amounts stay numbers: amo_portal.spreadsheet).
Pure: rows in, text lines out."""
import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from amo_portal.spreadsheet import safe_row

BOM = "\ufeff"
HEADER = ["Bordereau", "Référence de paiement", "N° de dossier", "Bénéficiaire du virement", "Bénéficiaire des soins",
          "RIB", "Part AMO", "Part complémentaire", "Total", "État", "Payé le", "Motif banque"]
#: The amount columns (Part AMO, Part complémentaire, Total): numbers, left as such.
AMOUNT_COLUMNS = frozenset({6, 7, 8})


class _Line:
    """csv.writer writes into this and gets the line back (nothing is buffered)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(bordereau_number: str, rows: Iterable[tuple], state_labels: dict[str, str]) -> Iterator[str]:
    """`rows`: (reference, claim number, payee, patient, RIB, AMO, complementary, state, paid on, bank reason)."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow(HEADER)
    for reference, claim, payee, patient, rib, amo, complementary, state, paid_on, reason in rows:
        total: Decimal = amo + complementary
        yield writer.writerow(safe_row([bordereau_number, reference, claim, payee, patient, rib, f"{amo:.2f}",
                                        f"{complementary:.2f}", f"{total:.2f}", state_labels.get(state, state),
                                        paid_on.isoformat() if paid_on else "", reason], AMOUNT_COLUMNS))
