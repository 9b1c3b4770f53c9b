"""The décompte and the attestation de droits in the insured person's language: Arabic shaped and
right to left when the portal is in Arabic, French left to right otherwise.

The text is read back as a PDF reader extracts it (pypdf). pypdf turns each run of Arabic characters
around, from the order it is drawn in (visual) to the reading order, and leaves the contextual letter
forms as drawn. So the checks are: (1) the Arabic is drawn in presentation forms only (shaped), and
(2) once those forms are folded back to plain letters (NFKC), whole Arabic words and phrases read
correctly, which happens only if they were drawn in visual order. The last test proves (2) can fail:
the same line drawn in reading order does not pass it.
"""
import io
import re
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from portal.services import statements
from portal.services.pdf_layout import REGULAR, PdfWriter
from portal.services.pdf_text import break_lines, shaped, visual
from tests.factories.beneficiaries import DependentFactory
from tests.portal.conftest import liquidated_claim

pytestmark = pytest.mark.django_db

PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")
PLAIN_ARABIC_LETTERS = re.compile("[\u0621-\u063a\u0641-\u064a]")  # the tatweel (U+0640) is not a letter
MGPAP_AR = "التعاضدية العامة لموظفي الإدارات العمومية"


def extracted(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def reading(text: str) -> str:
    """Presentation forms folded back to plain letters, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def left_edges(content: bytes) -> dict[str, float]:
    """Where each drawn piece of text of the first page starts, from the left of the page."""
    edges: dict[str, float] = {}

    def visit(text, cm, tm, font, size) -> None:
        if text.strip():
            edges[reading(text)] = cm[4] + tm[4]

    PdfReader(io.BytesIO(content)).pages[0].extract_text(visitor_text=visit)
    return edges


@pytest.fixture
def arabic_member(member):
    member.first_name_ar, member.last_name_ar = "كريم", "العلوي"
    member.save(update_fields=["first_name_ar", "last_name_ar"])
    child = member.dependents.get()
    child.first_name_ar, child.last_name_ar = "آدم", "العلوي"
    child.save(update_fields=["first_name_ar", "last_name_ar"])
    return member


def test_the_arabic_portal_gives_an_arabic_decompte_shaped_and_right_to_left(member_client, arabic_member):
    # given
    claim = liquidated_claim(arabic_member, seed=41)
    member_client.post("/langue/setlang/", {"language": "ar", "next": "/espace/"})
    # when
    content = member_client.get(f"/espace/dossiers/{claim.pk}/decompte.pdf").content
    # then
    raw = extracted(content)
    text = reading(raw)
    assert PRESENTATION_FORMS.search(raw)
    assert not PLAIN_ARABIC_LETTERS.search(raw)  # every letter drawn in its contextual form
    for phrase in ("كشف التعويض", "كريم العلوي", "المؤمن له", MGPAP_AR, "التفاصيل سطرا بسطر", "المجاميع",
                   "مجموع المبلغ المسترجع", "الباقي على عاتقكم", "القاعدة المطبقة على كل سطر", "نسبة التأمين الإجباري"):
        assert phrase in text
    assert claim.number in text and "150,00 DH" in text and "02/02/2026" in text
    assert "Décompte de remboursement" not in text and "Totaux" not in text
    # the headings and the paragraphs end on the right margin
    assert left_edges(content)["المجاميع"] > A4[0] / 2


def test_the_arabic_attestation_names_each_person_in_arabic_script_where_the_registry_has_it(api, arabic_member):
    # given a second child with no name in Arabic script
    DependentFactory(insured=arabic_member, first_name="Sara", birth_date=date(2017, 6, 1))
    # when
    response = api.get("/api/v1/attestation-de-droits/", {"date": "2026-03-01"}, HTTP_ACCEPT_LANGUAGE="ar")
    # then
    raw = extracted(response.content)
    text = reading(raw)
    assert not PLAIN_ARABIC_LETTERS.search(raw)
    assert "شهادة الحقوق في التأمين الإجباري الأساسي عن المرض" in text
    assert "الوضعية بتاريخ" in text and "01/03/2026" in text  # pypdf turns the Arabic runs only, not the line
    assert "كريم العلوي" in text and "آدم العلوي" in text
    assert f"Sara {arabic_member.dependents.get(first_name='Sara').last_name}" in text
    assert "مفتوحة" in text and "المستفيدون" in text
    assert "Attestation de droits" not in text


def test_the_language_can_be_given_whatever_the_request_speaks(arabic_member):
    # given
    claim = liquidated_claim(arabic_member, seed=42)
    # when
    content = statements.claim_statement_pdf(claim=claim, language="ar")
    # then
    assert "كشف التعويض" in reading(extracted(content))


def test_the_french_decompte_stays_french_left_to_right_with_latin_names(member_client, arabic_member):
    # given
    claim = liquidated_claim(arabic_member, seed=43)
    # when
    content = member_client.get(f"/espace/dossiers/{claim.pk}/decompte.pdf").content
    # then
    text = reading(extracted(content))
    assert "Décompte de remboursement" in text
    assert f"{arabic_member.full_name} (l'assuré)" in text
    assert "Mutuelle Générale du Personnel des Administrations Publiques" in text or "MGPAP" in text
    assert not re.search("[\u0600-\u06ff]", text)
    assert left_edges(content)["Totaux"] < 20 * 72 / 25.4  # the left margin, 15 mm


def test_the_reading_check_fails_on_arabic_drawn_in_reading_order():
    # given one line drawn in visual order, the other in reading order, both shaped
    PdfWriter(rtl=True)  # registers the font
    line = "الملف رقم MGPAP-2026-00000001 — " + MGPAP_AR
    pdfs = {}
    for name, arrange in (("visual", visual), ("reading", shaped)):
        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        canvas.setFont(REGULAR, 10)
        canvas.drawRightString(500, 700, arrange(line))
        canvas.save()
        pdfs[name] = reading(extracted(buffer.getvalue()))
    # then
    assert MGPAP_AR in pdfs["visual"] and "الملف رقم" in pdfs["visual"]
    assert MGPAP_AR not in pdfs["reading"] and "الملف رقم" not in pdfs["reading"]


def test_lines_are_broken_in_reading_order_then_each_turned_to_visual_order():
    # given
    PdfWriter(rtl=True)
    text = "لتلقي المبلغ المرفوض، سجلوا رقم حساب بنكي جديدا في فضاء المؤمن له"
    # when
    lines = break_lines(text, REGULAR, 9, 120)
    # then the first line holds the first words, and a date keeps its order inside Arabic
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert lines[0].startswith("لتلقي المبلغ")
    assert "01/03/2026" in visual("الوضعية بتاريخ 01/03/2026")


def test_brackets_of_arabic_text_are_mirrored_so_that_they_are_drawn_facing_the_right_way():
    # when
    drawn = visual("ابن(ة)")
    # then: drawn from the left, the closing bracket of the reading order comes first, turned around
    assert (drawn[0], drawn[2]) == ("(", ")")
    assert visual("AFF00000000 (MGPAP)") == "AFF00000000 (MGPAP)"
