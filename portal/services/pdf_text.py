"""Right-to-left text for reportlab, which draws characters in the order it is given and does no shaping.

Arabic letters take a different form at the start, middle and end of a word, and lam + alef make one
ligature: arabic-reshaper replaces each letter by its contextual form (the Unicode presentation forms,
which the font carries as plain glyphs). The Unicode bidirectional algorithm (python-bidi) then puts
each line in the order it is drawn, left to right, numbers and Latin words keeping their own order.
The algorithm is python-bidi's Python one (bidi.algorithm): unlike its Rust binding (bidi.get_display),
it also mirrors the brackets of right-to-left runs, which reportlab would otherwise draw backwards.
A paragraph is broken into lines in logical order first, then each line is reordered: reordering a
whole paragraph before breaking it would put its end on the first line.
"""
from __future__ import annotations

import unicodedata

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus.flowables import Flowable

_RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


def base_direction(text: str) -> str:
    """"R" for a text with Arabic in it, "L" for one without (a number or a code in Latin letters
    stays as typed in an Arabic document)."""
    return "R" if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text) else "L"


def shaped(text: str) -> str:
    """The letters in their contextual forms, still in logical (reading) order."""
    return _RESHAPER.reshape(text)


def visual(text: str, base: str | None = None) -> str:
    """One line as it is drawn from left to right: shaped, then in visual order."""
    return get_display(shaped(text), base_dir=base or base_direction(text))


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """The paragraph in lines of at most `width` points, in logical order (a word too long for
    the width has a line of its own). A no-break space keeps its words together."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and stringWidth(shaped(candidate), font, size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


class RightToLeftParagraph(Flowable):
    """A paragraph of one font, right-aligned (or centred, as its style says), in visual order."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.base = base_direction(text)
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        self.lines: list[str] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab's names)
        style = self.style
        self.width = availWidth
        self.lines = [visual(line, self.base)
                      for line in break_lines(self.text, style.fontName, style.fontSize, availWidth)]
        self.height = len(self.lines) * style.leading
        return self.width, self.height

    def draw(self) -> None:
        style, canvas = self.style, self.canv
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        baseline = self.height - style.fontSize
        for line in self.lines:
            if style.alignment == TA_CENTER:
                canvas.drawCentredString(self.width / 2, baseline, line)
            else:
                canvas.drawRightString(self.width, baseline, line)
            baseline -= style.leading
