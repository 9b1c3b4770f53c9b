"""What the order file and the return file share (docs/transfer-file.md): the record layout, the
bank-safe text, and amounts and dates as written and read."""
import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

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


def fields(*values: object) -> str:
    text = SEP.join(str(v) for v in values)
    if "\n" in text or "\r" in text:
        raise TransferFileError("saut de ligne interdit dans un champ")
    return text


def split_lines(content: bytes) -> list[str]:
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


def split_records(content: bytes) -> list[list[str]]:
    return [line.split(SEP) for line in split_lines(content)]


def expect_record(record: list[str], kind: str, size: int, line_number: int) -> None:
    if record[0] != kind or len(record) != size:
        raise TransferFileError(f"enregistrement {kind} attendu ({size} champs), lu {record[0]!r} "
                                f"({len(record)} champs)", line_number)
