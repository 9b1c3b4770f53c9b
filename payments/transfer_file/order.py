"""The transfer order file (OVAMO1): written as the transfers come, and read back (the bank's side)."""
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from payments.exceptions import TransferFileError
from payments.transfer_file.records import (
    EOL,
    LABEL_MAX,
    NAME_MAX,
    ORDER_FORMAT,
    TRANSFER_ID_MAX,
    amount_text,
    ascii_text,
    expect_record,
    fields,
    parse_amount,
    parse_date,
    split_records,
)

_BANK_SAFE = re.compile(r"[A-Z0-9 '.\-/]*")  # what a bank takes as it is


@dataclass(frozen=True)
class OrderHeader:
    bordereau_number: str
    created_at: datetime
    execution_date: date
    fund_code: str
    mutuelle_code: str


class Transfer(NamedTuple):
    """One credit transfer (a NamedTuple: 200,000 of them per large bordereau)."""

    transfer_id: str
    rib: str
    iban: str
    payee_name: str
    amount: Decimal
    claim_number: str
    label: str


@dataclass(frozen=True)
class Section:
    payer: str  # "A" organisme (part AMO), "C" mutuelle (part complémentaire)
    payer_name: str
    payer_iban: str
    transfers: list[Transfer]

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transfers), Decimal("0.00"))


@dataclass(frozen=True)
class SectionHead:
    """A payer's section as announced before its transfers: the EN and DB records carry its count
    and total, so a streamed order declares them first and the writer checks the transfers
    against them as they go by."""

    payer: str
    payer_name: str
    payer_iban: str
    count: int
    total: Decimal


def write_transfer_order(header: OrderHeader, sections: Iterable[Section]) -> bytes:
    """The transfer order file: header, one debit section per payer, one line per transfer, trailer."""
    return b"".join(stream_transfer_order(header, [
        (SectionHead(s.payer, s.payer_name, s.payer_iban, len(s.transfers), s.total), s.transfers) for s in sections]))


def stream_transfer_order(header: OrderHeader, sections: Iterable[tuple[SectionHead, Iterable[Transfer]]],
                          batch: int = 10000) -> Iterator[bytes]:
    """The transfer order file in pieces of `batch` records, written as the transfers come (a
    bordereau of 100,000 claims makes a 40 MB file); TransferFileError if a section's transfers
    do not add up to its head."""
    sections = [(head, transfers) for head, transfers in sections if head.count]
    count = sum(head.count for head, _ in sections)
    total = sum((head.total for head, _ in sections), Decimal("0.00"))
    records = [fields("EN", ORDER_FORMAT, header.bordereau_number, header.created_at.isoformat(timespec="seconds"),
                       header.execution_date.isoformat(), header.fund_code, header.mutuelle_code, count,
                       amount_text(total), len(sections))]
    sent = 0
    for number, (head, transfers) in enumerate(sections, start=1):
        records.append(fields("DB", number, head.payer, ascii_text(head.payer_name, NAME_MAX), head.payer_iban,
                               head.count, amount_text(head.total)))
        seen, amount = 0, Decimal("0.00")
        for t in transfers:
            records.append(_transfer_record(t))
            seen += 1
            amount += t.amount
            if len(records) >= batch:
                sent += len(records)
                yield _encode(records)
                records = []
        if (seen, amount) != (head.count, head.total):
            raise TransferFileError(f"section {head.payer} : {seen} virements pour {amount_text(amount)}, "
                                    f"annoncés {head.count} pour {amount_text(head.total)}")
    records.append(fields("FI", count, amount_text(total), sent + len(records) + 1))
    yield _encode(records)


def _encode(records: list[str]) -> bytes:
    return (EOL.join(records) + EOL).encode("ascii")


def _transfer_record(t: Transfer) -> str:
    """One VI record, its fields checked (str methods rather than patterns: 200,000 records)."""
    transfer_id, rib, iban, payee_name, amount, claim_number, label = t
    if len(transfer_id) > TRANSFER_ID_MAX:
        raise TransferFileError(f"référence trop longue : {transfer_id}")
    if not (len(rib) == 24 and _digits(rib) and len(iban) == 28 and iban[:2] == "MA" and _digits(iban[2:])):
        raise TransferFileError(f"RIB ou IBAN invalide pour {transfer_id}")
    if amount <= 0:
        raise TransferFileError(f"montant nul ou négatif pour {transfer_id}")
    if not _BANK_SAFE.fullmatch(label):
        label = ascii_text(label, LABEL_MAX)
    return (f"VI;{transfer_id};{rib};{iban};{ascii_text(payee_name, NAME_MAX)};{amount_text(amount)};"
            f"{claim_number};{label[:LABEL_MAX]}")


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class ParsedOrder:
    header: OrderHeader
    sections: list[Section]

    @property
    def transfers(self) -> list[Transfer]:
        return [t for s in self.sections for t in s.transfers]


def parse_transfer_order(content: bytes) -> ParsedOrder:
    """Read a transfer order file back, checking every count and total (used by the bank side)."""
    records = split_records(content)
    head = records[0]
    expect_record(head, "EN", 10, 1)
    if head[1] != ORDER_FORMAT:
        raise TransferFileError(f"format {head[1]!r} inconnu", 1)
    header = OrderHeader(head[2], datetime.fromisoformat(head[3]), parse_date(head[4], 1), head[5], head[6])
    sections: list[Section] = []
    declared: list[tuple[int, Decimal, int]] = []
    for index, record in enumerate(records[1:-1], start=2):
        if record[0] == "DB":
            expect_record(record, "DB", 7, index)
            sections.append(Section(record[2], record[3], record[4], []))
            declared.append((int(record[5]), parse_amount(record[6], index), index))
        elif record[0] == "VI" and sections:
            expect_record(record, "VI", 8, index)
            sections[-1].transfers.append(Transfer(record[1], record[2], record[3], record[4],
                                                   parse_amount(record[5], index), record[6], record[7]))
        else:
            raise TransferFileError(f"enregistrement {record[0]!r} inattendu", index)
    for section, (count, total, line_number) in zip(sections, declared, strict=True):
        if count != len(section.transfers) or total != section.total:
            raise TransferFileError("nombre ou total de la section incohérent", line_number)
    _check_trailer(records, sections, head)
    return ParsedOrder(header, sections)


def _check_trailer(records: list[list[str]], sections: list[Section], head: list[str]) -> None:
    trailer = records[-1]
    expect_record(trailer, "FI", 4, len(records))
    count = sum(len(s.transfers) for s in sections)
    total = sum((s.total for s in sections), Decimal("0.00"))
    if (int(trailer[1]), parse_amount(trailer[2], len(records)), int(trailer[3])) != (count, total, len(records)):
        raise TransferFileError("l'enregistrement de fin ne correspond pas au contenu", len(records))
    if (int(head[7]), parse_amount(head[8], 1), int(head[9])) != (count, total, len(sections)):
        raise TransferFileError("l'en-tête ne correspond pas au contenu", 1)
