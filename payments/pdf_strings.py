"""Text as the bordereau PDF writes it: strings escaped for a PDF text operator in the WinAnsi
encoding of its fonts, and amounts in the French way."""
import re
from decimal import Decimal


def _escape_table() -> dict[int, str]:
    """Every character of the WinAnsi (cp1252) encoding, escaped for a PDF string; the control
    characters as spaces."""
    table: dict[int, str] = dict.fromkeys(range(32), " ")
    for byte in range(32, 256):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if char in "()\\":
            table[ord(char)] = "\\" + char
        elif byte >= 128:
            table[ord(char)] = f"\\{byte:03o}"
    return table


_ESCAPES = _escape_table()


_PLAIN = re.compile(r"[ -'*-\[\]-~]*")  # printable ASCII but the parentheses and the backslash


def pdf_text(value: str) -> str:
    """A string ready to sit between parentheses in a PDF text operator (WinAnsi encoding: "é",
    "—", "’" or "€" escaped to their code; a character the encoding lacks becomes "?")."""
    if _PLAIN.fullmatch(value):
        return value
    escaped = value.translate(_ESCAPES)
    return escaped if escaped.isascii() else "".join(c if c.isascii() else "?" for c in escaped)


def amount_fr(value: Decimal) -> str:
    """1234.5 -> "1 234,50" (ASCII spaces: this is the PDF's font encoding, not the web page's)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")
