"""Page, fonts and paragraph styles of the insured person's PDF documents, in French (left to right)
or in Arabic (right to left: paragraphs right-aligned, table columns from right to left).

The font is DejaVu Sans, shipped in fonts/ (its licence beside it): it carries the Latin letters,
the French narrow no-break space and the Arabic presentation forms the shaping produces
(portal.services.pdf_text), so one font serves both languages and mixed lines.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from amo_portal.money import format_dh
from portal.services.pdf_text import RightToLeftParagraph, visual

FONTS_DIR = Path(settings.BASE_DIR) / "fonts"
REGULAR, BOLD = "PortalSans", "PortalSans-Bold"
MARGIN = 15 * mm


def _register_fonts() -> None:
    """Once per process."""
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))


def _escaped(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PdfWriter:
    """Paragraph styles and the building blocks shared by the documents, in one direction."""

    def __init__(self, *, rtl: bool) -> None:
        _register_fonts()
        self.rtl = rtl
        self.regular, self.bold = REGULAR, BOLD
        align = TA_RIGHT if rtl else TA_LEFT
        sheet = getSampleStyleSheet()
        self.body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=REGULAR, fontSize=9, leading=12,
                                   alignment=align)
        self.strong = ParagraphStyle("strong", parent=self.body, fontName=BOLD)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9.5)
        self.small_ltr = ParagraphStyle("small_ltr", parent=self.small, alignment=TA_LEFT)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8, leading=10)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=sheet["Title"], fontName=BOLD, fontSize=15, leading=19,
                                    alignment=TA_CENTER)
        self.heading = ParagraphStyle("heading", parent=sheet["Heading3"], fontName=BOLD, fontSize=10.5,
                                      leading=13, spaceBefore=8, spaceAfter=4, alignment=align)

    def p(self, value, style: ParagraphStyle | None = None) -> Flowable:
        """A paragraph in the document's direction."""
        style = style or self.body
        if self.rtl:
            return RightToLeftParagraph("" if value is None else str(value), style)
        return Paragraph(_escaped(value), style)

    def ltr(self, value, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph always left to right (French text kept as written, amounts)."""
        return Paragraph(_escaped(value), style or self.small_ltr)

    def money(self, value: Decimal | None) -> Paragraph:
        return Paragraph(_escaped(format_dh(value)), self.cell_right)

    def grid(self, rows: list[list], widths: list[float], header: bool = True) -> Table:
        """A table; in Arabic its first column is on the right."""
        if self.rtl:
            rows = [list(reversed(row)) for row in rows]
            widths = list(reversed(widths))
        table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        if header:
            style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
                      ("FONTNAME", (0, 0), (-1, 0), self.bold)]
        table.setStyle(TableStyle(style))
        if self.rtl:
            table.hAlign = "RIGHT"
        return table

    def document(self, buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
        return SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=title, author=_("Portail AMO"),
                                 lang="ar" if self.rtl else "fr")

    def footer(self) -> Callable:
        """The page's foot: the portal and when the document was printed, and the page number, on the
        reading side's start and end."""
        printed = timezone.localtime().strftime("%d/%m/%Y %H:%M")
        left, right = MARGIN, A4[0] - MARGIN

        def draw(canvas, doc) -> None:
            canvas.saveState()
            canvas.setFont(self.regular, 7)
            issued = _("Portail AMO — édité le %(when)s") % {"when": printed}
            page = _("page %(number)s") % {"number": doc.page}
            if self.rtl:
                canvas.drawRightString(right, 8 * mm, visual(issued))
                canvas.drawString(left, 8 * mm, visual(page))
            else:
                canvas.drawString(left, 8 * mm, issued)
                canvas.drawRightString(right, 8 * mm, page)
            canvas.restoreState()

        return draw
