"""The bordereau PDF's text: WinAnsi escapes, and a footer with its number on every page."""
from decimal import Decimal

import pytest

from payments.bordereau_pdf import ROWS_PER_PAGE, BordereauSummary, Signature, pdf_text, render_bordereau_pdf
from tests.payments.support import pdf_text as text_of

D = Decimal


@pytest.mark.parametrize(("value", "expected"), [
    ("Karim Alaoui", "Karim Alaoui"),
    ("Éric (Test)", "\\311ric \\(Test\\)"),
    ("a — b", "a \\227 b"),
    ("l’été", "l\\222\\351t\\351"),
    ("10 €", "10 \\200"),
    ("a\\b", "a\\\\b"),
    ("中文", "??"),
    ("tab\there", "tab here"),
])
def test_text_is_escaped_in_the_winansi_encoding_and_what_it_lacks_is_a_question_mark(value, expected):
    # when / then
    assert pdf_text(value) == expected


def test_every_page_of_lines_has_the_footer_with_its_number():
    # given a working copy (not approved) whose lines fill two pages and part of a third
    summary = BordereauSummary("BRD-CNOPS-MGPAP-20260302-000042", "MGPAP", "CNOPS", None, None, 2 * ROWS_PER_PAGE,
                               D("0.00"), D("0.00"), "", "", "constitué", [Signature("Constitué par", "", None)],
                               approved=False)
    rows = [(f"R-{n}", "Karim Alaoui", "Karim Alaoui", "0" * 24, D("1.00"), D("0.50"))
            for n in range(2 * ROWS_PER_PAGE)]
    # when
    text = text_of(render_bordereau_pdf(summary, rows))
    # then
    pages = 1 + 3
    assert [f"page {n} / {pages}" in text for n in range(1, pages + 1)] == [True] * pages
    assert text.count("(Bordereau BRD-CNOPS-MGPAP-20260302-000042 \\227 DOCUMENT DE TRAVAIL") == pages
