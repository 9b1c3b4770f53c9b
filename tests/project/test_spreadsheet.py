"""CSV cells a spreadsheet would run as formulas are quoted; amounts in amount columns stay numbers."""
import pytest

from amo_portal.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize(("value", "numeric", "expected"), [
    ('=HYPERLINK("http://exemple.invalid","clic")', False, '\'=HYPERLINK("http://exemple.invalid","clic")'),
    ("+212600000000", False, "'+212600000000"),
    ("-1+1", False, "'-1+1"),
    ("@SUM(A1:A9)", False, "'@SUM(A1:A9)"),
    ("\t=1+1", False, "'\t=1+1"),
    ("\r=1+1", False, "'\r=1+1"),
    ("Karim Alaoui", False, "Karim Alaoui"),
    ("Ben-Ali", False, "Ben-Ali"),  # only the first character counts
    ("", False, ""),
    (None, False, ""),
    ("-12.50", True, "-12.50"),  # a real negative amount in an amount column stays a number
    ("-316,00", True, "-316,00"),
    ("120.00", True, "120.00"),
    ("-1+1", True, "'-1+1"),  # not an amount: text, quoted even in an amount column
    ("=1+1", True, "'=1+1"),
    ("-12.50", False, "'-12.50"),  # in a text column, a leading minus is a formula start
])
def test_a_cell_that_would_start_a_formula_is_quoted_and_amounts_stay_numbers(value, numeric, expected):
    # when / then
    assert safe_cell(value, numeric=numeric) == expected


def test_a_row_quotes_text_cells_and_keeps_its_amount_columns():
    # when
    row = safe_row(["=cmd|' /C calc'!A0", "-40.00", "-40.00"], frozenset({2}))
    # then
    assert row == ["'=cmd|' /C calc'!A0", "'-40.00", "-40.00"]
