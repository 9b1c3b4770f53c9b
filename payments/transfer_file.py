"""The flat transfer order file and the bank return file (docs/transfer-file.md): writing and
reading. Pure: no ORM, no I/O, Decimal amounts; the services feed it and store what it returns."""
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from payments.exceptions import TransferFileError

ORDER_FORMAT = "OVAMO1"
RETURN_FORMAT = "RBAMO1"
SEP = ";"
EOL = "\r\n"
NAME_MAX = 70
LABEL_MAX = 140
#: ISO 20022 EndToEndId is at most 35 characters: the transfer id must fit.
TRANSFER_ID_MAX = 35
CENT = Decimal("0.01")
ACCEPTED = "ACSC"
REJECTED = "RJCT"
_UNSAFE = re.compile(r"[^A-Z0-9 '.\-/]")
_BANK_SAFE = re.compile(r"[A-Z0-9 '.\-/]*")


@lru_cache(maxsize=65536)
def ascii_text(value: str, limit: int) -> str:
    """Upper-case ASCII without accents and without the separator: what every bank accepts.
    (Cached: names and labels repeat across a bordereau's transfers.)"""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").upper()
    return " ".join(_UNSAFE.sub(" ", plain).split())[:limit]


def amount_text(value: Decimal) -> str:
    if value < 0 or value != value.quantize(CENT):
        raise TransferFileError(f"montant invalide : {value}")
    return f"{value:.2f}"


def parse_amount(text: str, line_number: int) -> Decimal:
    """1 to 10 digits, a point, 2 digits. Checked with str methods rather than a pattern (a bank
    return has 200,000 amounts); the files are read as ASCII, so isdigit means 0-9."""
    if not (4 <= len(text) <= 13 and text[-3] == "." and text[:-3].isdigit() and text[-2:].isdigit()):
        raise TransferFileError(f"montant « {text} » illisible (attendu : 1234.50)", line_number)
    return Decimal(text)


def parse_date(text: str, line_number: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TransferFileError(f"date « {text} » illisible (attendu : AAAA-MM-JJ)", line_number) from None


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


def _fields(*values: object) -> str:
    text = SEP.join(str(v) for v in values)
    if "\n" in text or "\r" in text:
        raise TransferFileError("saut de ligne interdit dans un champ")
    return text


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
    records = [_fields("EN", ORDER_FORMAT, header.bordereau_number, header.created_at.isoformat(timespec="seconds"),
                       header.execution_date.isoformat(), header.fund_code, header.mutuelle_code, count,
                       amount_text(total), len(sections))]
    sent = 0
    for number, (head, transfers) in enumerate(sections, start=1):
        records.append(_fields("DB", number, head.payer, ascii_text(head.payer_name, NAME_MAX), head.payer_iban,
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
    records.append(_fields("FI", count, amount_text(total), sent + len(records) + 1))
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


def _lines(content: bytes) -> list[str]:
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise TransferFileError("le fichier doit être en ASCII") from None
    lines = text.split(EOL)
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise TransferFileError("fichier vide")
    return lines


def _records(content: bytes) -> list[list[str]]:
    return [line.split(SEP) for line in _lines(content)]


def _expect(record: list[str], kind: str, size: int, line_number: int) -> None:
    if record[0] != kind or len(record) != size:
        raise TransferFileError(f"enregistrement {kind} attendu ({size} champs), lu {record[0]!r} "
                                f"({len(record)} champs)", line_number)


def parse_transfer_order(content: bytes) -> ParsedOrder:
    """Read a transfer order file back, checking every count and total (used by the bank side)."""
    records = _records(content)
    head = records[0]
    _expect(head, "EN", 10, 1)
    if head[1] != ORDER_FORMAT:
        raise TransferFileError(f"format {head[1]!r} inconnu", 1)
    header = OrderHeader(head[2], datetime.fromisoformat(head[3]), parse_date(head[4], 1), head[5], head[6])
    sections: list[Section] = []
    declared: list[tuple[int, Decimal, int]] = []
    for index, record in enumerate(records[1:-1], start=2):
        if record[0] == "DB":
            _expect(record, "DB", 7, index)
            sections.append(Section(record[2], record[3], record[4], []))
            declared.append((int(record[5]), parse_amount(record[6], index), index))
        elif record[0] == "VI" and sections:
            _expect(record, "VI", 8, index)
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
    _expect(trailer, "FI", 4, len(records))
    count = sum(len(s.transfers) for s in sections)
    total = sum((s.total for s in sections), Decimal("0.00"))
    if (int(trailer[1]), parse_amount(trailer[2], len(records)), int(trailer[3])) != (count, total, len(records)):
        raise TransferFileError("l'enregistrement de fin ne correspond pas au contenu", len(records))
    if (int(head[7]), parse_amount(head[8], 1), int(head[9])) != (count, total, len(sections)):
        raise TransferFileError("l'en-tête ne correspond pas au contenu", 1)


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
    out = [_fields("EN", RETURN_FORMAT, bordereau_number, order_sha256, processed_on.isoformat())]
    for r in results:
        out.append(_fields("RS", r.transfer_id, ACCEPTED if r.accepted else REJECTED, amount_text(r.amount),
                           r.reason_code, ascii_text(r.reason, NAME_MAX),
                           r.booked_on.isoformat() if r.booked_on else ""))
    accepted = sum((r.amount for r in results if r.accepted), Decimal("0.00"))
    rejected = sum((r.amount for r in results if not r.accepted), Decimal("0.00"))
    out.append(_fields("FI", len(results), amount_text(accepted), amount_text(rejected)))
    return (EOL.join(out) + EOL).encode("ascii")


def parse_bank_return(content: bytes) -> ParsedReturn:
    """Read a bank return file, checking its trailer; the service checks it against the order."""
    # Lines split one at a time, not into a list of lists first: 200,000 lists alive at once
    # would have the garbage collector walk them over and over (two thirds of the time).
    lines = _lines(content)
    head = lines[0].split(SEP)
    _expect(head, "EN", 5, 1)
    if head[1] != RETURN_FORMAT:
        raise TransferFileError(f"format {head[1]!r} inconnu", 1)
    results = []
    dates: dict[str, date] = {}  # a return carries a handful of value dates
    accepted_total = rejected_total = Decimal("0.00")
    for index, line in enumerate(lines[1:-1], start=2):
        record = line.split(SEP)
        _expect(record, "RS", 7, index)
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
    _expect(trailer, "FI", 4, len(lines))
    accepted, rejected = accepted_total, rejected_total
    # The totals in the transfers' own format: Decimal() would also read "NaN", "Infinity" and
    # "sNaN", and a signalling NaN raises when compared below.
    if not trailer[1].isdigit():
        raise TransferFileError("enregistrement de fin illisible", len(lines))
    declared = (int(trailer[1]), parse_amount(trailer[2], len(lines)), parse_amount(trailer[3], len(lines)))
    if declared != (len(results), accepted, rejected):
        raise TransferFileError("l'enregistrement de fin ne correspond pas au contenu", len(lines))
    return ParsedReturn(head[2], head[3], parse_date(head[4], 1), results, accepted, rejected)
