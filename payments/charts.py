"""Server-rendered SVG charts for the dashboard: no JavaScript, no external resource, readable
without colour (each chart's figures are also given as a table). Pure: numbers in, markup out."""
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Colour-blind-safe palette (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 40


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | Decimal | None]
    colour: str = ""


def _nice_max(value: float) -> float:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10.0 * power


def _number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} M".replace(".", ",").replace(",0 M", " M")
    if value >= 10_000:
        return f"{value / 1000:.0f} k"
    return f"{value:,.0f}".replace(",", "\u202f")


def _frame(title: str, top: float, labels: Sequence[str], unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
           f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>"]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
                   f"{escape(_number(value))}{escape(unit)}</text>")
    step = max(1, len(labels) // 12)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index, label in enumerate(labels):
        if index % step == 0:
            x = LEFT + slot * (index + 0.5)
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#555">'
                       f"{escape(label)}</text>")
    return out


def _colour(series: Series, index: int) -> str:
    return series.colour or PALETTE[index % len(PALETTE)]


def bar_chart(*, title: str, labels: Sequence[str], series: Sequence[Series], stacked: bool = False,
              unit: str = "") -> SafeString:
    """Grouped (or stacked) vertical bars, one group per label."""
    totals = [sum(float(s.values[i] or 0) for s in series) for i in range(len(labels))]
    biggest = max(totals if stacked else [float(v or 0) for s in series for v in s.values] or [0])
    top = _nice_max(biggest)
    out = _frame(title, top, labels, unit)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = slot * 0.8 / (1 if stacked else max(len(series), 1))
    for i, label in enumerate(labels):
        base = TOP + plot_h
        for k, s in enumerate(series):
            value = float(s.values[i] or 0)
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + (0 if stacked else k * bar_w)
            y = base - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                       f'fill="{_colour(s, k)}"><title>{escape(s.name)} — {escape(label)} : '
                       f"{escape(_number(value))}{escape(unit)}</title></rect>")
            if stacked:
                base = y
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


def line_chart(*, title: str, labels: Sequence[str], series: Sequence[Series], mark: float | None = None,
               mark_label: str = "", unit: str = "") -> SafeString:
    """Lines over the labels; `mark` draws a dashed horizontal reference (e.g. the 60-day limit)."""
    values = [float(v) for s in series for v in s.values if v is not None]
    top = _nice_max(max(values + ([mark * 1.1] if mark else []) or [0]))
    out = _frame(title, top, labels, unit)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    if mark is not None:
        y = TOP + plot_h - plot_h * mark / top
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b02a1a" '
                   f'stroke-dasharray="6 4" stroke-width="1.5"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 4}" y="{y - 4:.1f}" text-anchor="end" fill="#b02a1a">'
                   f"{escape(mark_label)}</text>")
    for k, s in enumerate(series):
        points = [(LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * float(v) / top, v)
                  for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{_colour(s, k)}" stroke-width="2"/>')
        for (x, y, v), label in zip(points, [lb for lb, v in zip(labels, s.values, strict=True) if v is not None],
                                    strict=True):
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_colour(s, k)}"><title>{escape(s.name)} — '
                       f"{escape(label)} : {escape(_number(float(v)))}{escape(unit)}</title></circle>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


def horizontal_bars(*, title: str, items: Sequence[tuple[str, int]], colour: str = PALETTE[2]) -> SafeString:
    """One bar per (label, count), longest first: the rejection reasons."""
    row = 22
    height = TOP + row * max(len(items), 1) + 10
    label_w = 250
    top = _nice_max(max([count for _, count in items] or [0]))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>"]
    for i, (label, count) in enumerate(items):
        y = TOP + i * row
        w = (WIDTH - label_w - RIGHT - 50) * count / top
        short = label if len(label) <= 42 else label[:41] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="#333">{escape(short)}'
                   f"<title>{escape(label)}</title></text>")
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 7}" fill="{colour}"/>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" fill="#333">{escape(_number(count))}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()
