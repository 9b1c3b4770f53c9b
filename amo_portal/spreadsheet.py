"""CSV cells safe to open in a spreadsheet (OWASP "CSV injection"): a text cell that a spreadsheet
would read as a formula is prefixed with a single quote, so that it shows as the text it is.

Which cells stay numbers: only those of a column the export declares numeric, and only when the
cell is a plain decimal number ("-12.50", "316,00"): a real negative amount stays a number the
spreadsheet can add up. Anything else starting with a formula character is text and is quoted,
in a numeric column too ("-1+1" is not an amount). defusedcsv was looked at and not taken: it
leaves a leading tab or carriage return alone and rewrites "|" inside the data.
"""
import re
from collections.abc import Iterable

#: What makes a spreadsheet start a formula (OWASP: =, +, -, @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value, *, numeric: bool = False) -> str:
    """The cell's text, quoted if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    if numeric and _NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row: Iterable, numeric_columns: frozenset[int] = frozenset()) -> list[str]:
    """Every cell of a row through safe_cell; `numeric_columns` are the indexes of amount columns."""
    return [safe_cell(value, numeric=index in numeric_columns) for index, value in enumerate(row)]
