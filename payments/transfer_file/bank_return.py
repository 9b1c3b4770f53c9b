"""The bank return file (RBAMO1): the bank's answer for each transfer of an order, read (and written
for tests and demonstrations)."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from payments.exceptions import TransferFileError
from payments.transfer_file.records import (
    ACCEPTED,
    EOL,
    NAME_MAX,
    REJECTED,
    RETURN_FORMAT,
    SEP,
    amount_text,
    ascii_text,
    expect_record,
    fields,
    parse_amount,
    parse_date,
    split_lines,
)


class TransferResult(NamedTuple):
    """The bank's answer for one transfer (a NamedTuple: 200,000 of them per large return)."""

    transfer_id: str
    accepted: bool
    amount: Decimal
    reason_code: str = ""
    reason: str = ""
    booked_on: date | None = None


@dataclass(frozen=True)
class ParsedReturn:
    bordereau_number: str
    order_sha256: str
    processed_on: date
    results: list[TransferResult]
    accepted_total: Decimal = Decimal("0.00")
    rejected_total: Decimal = Decimal("0.00")


def write_bank_return(*, bordereau_number: str, order_sha256: str, processed_on: date,
                      results: Iterable[TransferResult]) -> bytes:
    """A bank return file (what the bank sends back; written here for tests and demonstrations)."""
    results = list(results)
    out = [fields("EN", RETURN_FORMAT, bordereau_number, order_sha256, processed_on.isoformat())]
    for r in results:
        out.append(fields("RS", r.transfer_id, ACCEPTED if r.accepted else REJECTED, amount_text(r.amount),
                           r.reason_code, ascii_text(r.reason, NAME_MAX),
                           r.booked_on.isoformat() if r.booked_on else ""))
    accepted = sum((r.amount for r in results if r.accepted), Decimal("0.00"))
    rejected = sum((r.amount for r in results if not r.accepted), Decimal("0.00"))
    out.append(fields("FI", len(results), amount_text(accepted), amount_text(rejected)))
    return (EOL.join(out) + EOL).encode("ascii")


def parse_bank_return(content: bytes) -> ParsedReturn:
    """Read a bank return file, checking its trailer; the service checks it against the order."""
    # Lines split one at a time, not into a list of lists first: 200,000 lists alive at once
    # would have the garbage collector walk them over and over (two thirds of the time).
    lines = split_lines(content)
    head = lines[0].split(SEP)
    expect_record(head, "EN", 5, 1)
    if head[1] != RETURN_FORMAT:
        raise TransferFileError(f"format {head[1]!r} inconnu", 1)
    results = []
    dates: dict[str, date] = {}  # a return carries a handful of value dates
    accepted_total = rejected_total = Decimal("0.00")
    for index, line in enumerate(lines[1:-1], start=2):
        record = line.split(SEP)
        expect_record(record, "RS", 7, index)
        if record[2] not in (ACCEPTED, REJECTED):
            raise TransferFileError(f"statut {record[2]!r} inconnu (ACSC ou RJCT)", index)
        accepted = record[2] == ACCEPTED
        if not accepted and not record[4]:
            raise TransferFileError("un virement rejeté doit porter un code motif", index)
        amount, booked = parse_amount(record[3], index), record[6]
        if booked and booked not in dates:
            dates[booked] = parse_date(booked, index)
        results.append(TransferResult(record[1], accepted, amount, record[4], record[5], dates.get(booked)))
        if accepted:
            accepted_total += amount
        else:
            rejected_total += amount
    trailer = lines[-1].split(SEP)
    expect_record(trailer, "FI", 4, len(lines))
    accepted, rejected = accepted_total, rejected_total
    # The totals in the transfers' own format: Decimal() would also read "NaN", "Infinity" and
    # "sNaN", and a signalling NaN raises when compared below.
    if not trailer[1].isdigit():
        raise TransferFileError("enregistrement de fin illisible", len(lines))
    declared = (int(trailer[1]), parse_amount(trailer[2], len(lines)), parse_amount(trailer[3], len(lines)))
    if declared != (len(results), accepted, rejected):
        raise TransferFileError("l'enregistrement de fin ne correspond pas au contenu", len(lines))
    return ParsedReturn(head[2], head[3], parse_date(head[4], 1), results, accepted, rejected)
