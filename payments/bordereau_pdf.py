"""The bordereau as a PDF: a summary page (payers, totals, number of claims, approval) and the
lines table, paginated. Pure rendering: it takes a summary and rows, and returns bytes.

100,000 lines make about 2,300 pages; drawing them cell by cell through reportlab's canvas takes
half a minute, so each column of a page is one text object whose cells are written as raw PDF
operators ("show, next line"; the font is still declared through reportlab, and non-ASCII letters
are escaped in the font's WinAnsi encoding). Amounts are set in Courier, right-aligned by padding.

The first page's facts (accounts debited, status, the transfer order's file and SHA-256) are a form
that page 1 uses and that is written last (PDF allows a form defined after the page that shows
it): the archive draws the lines beside the transfer order being written, and the facts once the
order is on record, so that they are the issued order's.
"""
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from payments.pdf_strings import amount_fr, pdf_text

# Binary (Flate only) streams: ASCII85 on top is slow in pure Python and buys nothing.
rl_config.useA85 = 0

PAGE = landscape(A4)
MARGIN = 36
ROW_HEIGHT = 9.5
FONT_SIZE = 7
ROWS_PER_PAGE = int((PAGE[1] - 2 * MARGIN - 60) // ROW_HEIGHT)
#: Text columns (title, left edge), Helvetica.
TEXT_COLUMNS = (("N°", 36), ("Référence de paiement", 64), ("Bénéficiaire du virement", 180),
                ("Bénéficiaire des soins", 320), ("RIB", 460))
#: Amount columns, Courier (fixed pitch: right-aligned by padding, no width computed per cell).
AMOUNT_TITLES = ("Part AMO", "Part compl.", "Total")
AMOUNT_X = 566
AMOUNT_CHARS = 15
COURIER_PITCH = 0.6  # Courier's advance width, in ems
NAME_CHARS = 34
#: Rows kept for the facts on the first page (the signatures are drawn below them, before the facts are known).
FACT_ROWS = 10
FACTS_FORM = "summary_facts"


@lru_cache(maxsize=65536)
def amounts_cell(amo: Decimal, complementary: Decimal) -> str:
    """AMO, complementary and total as one fixed-pitch string, each right-aligned in its column
    (cached: the same shares come back on thousands of lines)."""
    return "".join(f"{amount_fr(v):>{AMOUNT_CHARS}}" for v in (amo, complementary, amo + complementary))


def _amount_right(index: int) -> float:
    return AMOUNT_X + (index + 1) * AMOUNT_CHARS * COURIER_PITCH * FONT_SIZE


@dataclass(frozen=True)
class Signature:
    role: str
    name: str
    at: datetime | None


@dataclass(frozen=True)
class BordereauSummary:
    number: str
    mutuelle: str
    fund: str
    period_start: date | None
    period_end: date | None
    line_count: int
    total_amo: Decimal
    total_complementary: Decimal
    amo_payer_account: str
    complementary_payer_account: str
    status: str
    signatures: list[Signature]
    approved: bool
    transfer_file: str = ""
    transfer_sha256: str = ""


def _date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y à %H:%M")
    return value.strftime("%d/%m/%Y")


class _Writer:
    def __init__(self, summary: BordereauSummary, pages: int):
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=PAGE, pageCompression=1, invariant=1)
        self.canvas.setTitle(f"Bordereau de paiement {summary.number}")
        self.canvas.setAuthor(summary.fund)
        self.summary = summary
        self.pages = pages
        self.page = 0
        self.header_ready = False
        self.footer_left: str | None = None

    def footer(self) -> None:
        self.page += 1
        c = self.canvas
        c.setFont("Helvetica", 7)
        note = "" if self.summary.approved else " — DOCUMENT DE TRAVAIL : bordereau non approuvé"
        c.drawString(MARGIN, MARGIN - 14, f"Bordereau {self.summary.number}{note}")
        c.drawRightString(PAGE[0] - MARGIN, MARGIN - 14, f"page {self.page} / {self.pages}")
        c.showPage()

    def summary_page(self) -> None:
        """Title, the facts (a form written at the end: see facts_form) and the signatures."""
        s, c = self.summary, self.canvas
        y = PAGE[1] - MARGIN - 10
        c.setFont("Helvetica-Bold", 16)
        c.drawString(MARGIN, y, f"Bordereau de paiement n° {s.number}")
        c.setFont("Helvetica", 10)
        y -= 18
        c.drawString(MARGIN, y, "Assurance maladie obligatoire — remboursement des dossiers ambulatoires liquidés")
        c.doForm(FACTS_FORM)
        self.signature_block(y - 30 - FACT_ROWS * 16 - 20)
        self.footer()

    def facts_form(self, s: BordereauSummary) -> None:
        """The first page's facts, from `s` (the summary as it stands once the lines are drawn)."""
        rows = [
            ("Mutuelle", s.mutuelle), ("Organisme", s.fund),
            ("Période des liquidations", f"du {_date(s.period_start)} au {_date(s.period_end)}"),
            ("Nombre de dossiers", f"{s.line_count:,}".replace(",", " ")),
            ("Part AMO (payée par l'organisme)", f"{amount_fr(s.total_amo)} DH — compte {s.amo_payer_account or '—'}"),
            ("Part complémentaire (payée par la mutuelle)",
             f"{amount_fr(s.total_complementary)} DH — compte {s.complementary_payer_account or '—'}"),
            ("Total à virer", f"{amount_fr(s.total_amo + s.total_complementary)} DH"),
            ("Statut", s.status),
        ]
        if s.transfer_file:
            rows += [("Ordre de virement", s.transfer_file), ("Empreinte SHA-256", s.transfer_sha256)]
        c = self.canvas
        c.beginForm(FACTS_FORM)
        y = PAGE[1] - MARGIN - 10 - 18 - 30
        for label, value in rows[:FACT_ROWS]:
            c.setFont("Helvetica-Bold", 10)
            c.drawString(MARGIN, y, label)
            c.setFont("Helvetica", 10)
            c.drawString(MARGIN + 250, y, value)
            y -= 16
        c.endForm()

    def signature_block(self, y: float) -> None:
        c = self.canvas
        c.setFont("Helvetica-Bold", 11)
        c.drawString(MARGIN, y, "Visas")
        y -= 8
        width = (PAGE[0] - 2 * MARGIN) / max(len(self.summary.signatures), 1)
        for index, signature in enumerate(self.summary.signatures):
            x = MARGIN + index * width
            c.rect(x, y - 70, width - 10, 70)
            c.setFont("Helvetica-Bold", 9)
            c.drawString(x + 6, y - 14, signature.role)
            c.setFont("Helvetica", 9)
            c.drawString(x + 6, y - 32, signature.name or "—")
            c.drawString(x + 6, y - 48, f"le {_date(signature.at)}" if signature.at else "en attente")
        if not self.summary.approved:
            c.setFont("Helvetica-Bold", 12)
            c.setFillColorRGB(0.75, 0, 0)
            c.drawString(MARGIN, y - 95, "NON APPROUVÉ — ce document ne vaut pas ordre de paiement.")
            c.setFillColorRGB(0, 0, 0)

    def table_header(self) -> float:
        """The titles of the lines table, drawn once into a form that every page reuses."""
        c = self.canvas
        y = PAGE[1] - MARGIN - 30
        if not self.header_ready:
            c.beginForm("table_header")
            c.setFont("Helvetica-Bold", 10)
            c.drawString(MARGIN, y + 20, f"Bordereau n° {self.summary.number} — lignes")
            c.setFont("Helvetica-Bold", FONT_SIZE)
            for title, x in TEXT_COLUMNS:
                c.drawString(x, y, title)
            for index, title in enumerate(AMOUNT_TITLES):
                c.drawRightString(_amount_right(index), y, title)
            c.line(MARGIN, y - 3, PAGE[0] - MARGIN, y - 3)
            c.endForm()
            self.header_ready = True
        c.doForm("table_header")
        return y - ROW_HEIGHT - 2

    def rows_page(self, rows: list[tuple], first_index: int, totals: tuple[Decimal, Decimal] | None) -> None:
        """One text object per page, one column after the other, each cell a raw "show, next
        line" operator (see the module docstring)."""
        y = self.table_header()
        columns: list[list[str]] = [[], [], [], [], []]
        number, reference, payee, patient, rib = columns
        amounts = []
        for index, (ref, payee_name, patient_name, rib_text, amo, complementary) in enumerate(rows, start=first_index):
            number.append(str(index))
            reference.append(pdf_text(ref))
            payee.append(pdf_text(payee_name[:NAME_CHARS]))
            patient.append(pdf_text(patient_name[:NAME_CHARS]))
            rib.append(rib_text)
            amounts.append(amounts_cell(amo, complementary))
        text = self.canvas.beginText(MARGIN, y)
        text.setFont("Helvetica", FONT_SIZE, ROW_HEIGHT)
        code = text._code
        for (_, x), cells in zip(TEXT_COLUMNS, columns, strict=True):
            code.append(f"1 0 0 1 {x} {y:.2f} Tm (" + ") Tj T* (".join(cells) + ") Tj")
        text.setFont("Courier", FONT_SIZE, ROW_HEIGHT)
        code.append(f"1 0 0 1 {AMOUNT_X} {y:.2f} Tm (" + ") Tj T* (".join(amounts) + ") Tj")
        text.setFont("Helvetica", 7)
        code.append(self.footer_code())  # the footer in the same text object: two drawString a page cost more
        self.canvas.drawText(text)
        if totals is not None:
            self.totals_row(y - ROW_HEIGHT * len(rows), totals)
        self.page += 1
        self.canvas.showPage()

    def footer_code(self) -> str:
        """What footer() draws, as raw operators (Helvetica 7 already set)."""
        if self.footer_left is None:
            note = "" if self.summary.approved else " — DOCUMENT DE TRAVAIL : bordereau non approuvé"
            self.footer_left = pdf_text(f"Bordereau {self.summary.number}{note}")
        page = f"page {self.page + 1} / {self.pages}"
        right = PAGE[0] - MARGIN - stringWidth(page, "Helvetica", 7)
        return (f"1 0 0 1 {MARGIN} {MARGIN - 14} Tm ({self.footer_left}) Tj "
                f"1 0 0 1 {right:.2f} {MARGIN - 14} Tm ({page}) Tj")

    def totals_row(self, y: float, totals: tuple[Decimal, Decimal]) -> None:
        c = self.canvas
        c.line(MARGIN, y + ROW_HEIGHT - 3, PAGE[0] - MARGIN, y + ROW_HEIGHT - 3)
        c.setFont("Helvetica-Bold", FONT_SIZE)
        c.drawString(TEXT_COLUMNS[1][1], y, "Total du bordereau")
        c.setFont("Courier-Bold", FONT_SIZE)
        c.drawString(AMOUNT_X, y, amounts_cell(*totals))

    def close(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def render_bordereau_pdf(summary: BordereauSummary, rows: Iterable[tuple],
                         finish: Callable[[], BordereauSummary] | None = None) -> bytes:
    """`rows` are (reference, payee name, patient name, RIB, AMO share, complementary share), in order.
    `finish`, when given, is called once the lines are drawn and returns the summary whose facts the
    first page shows (an exception it raises abandons the document)."""
    pages = 1 + max(1, -(-summary.line_count // (ROWS_PER_PAGE - 1)))
    writer = _Writer(summary, pages)
    writer.summary_page()
    page: list[tuple] = []
    index = 1
    amo = complementary = Decimal("0.00")
    for row in rows:
        if len(page) == ROWS_PER_PAGE - 1:  # one row is kept free on the last page for the totals
            writer.rows_page(page, index, None)
            index += len(page)
            page = []
        page.append(row)
        amo += row[4]
        complementary += row[5]
    writer.rows_page(page, index, (amo, complementary))
    writer.facts_form(finish() if finish is not None else summary)
    return writer.close()
