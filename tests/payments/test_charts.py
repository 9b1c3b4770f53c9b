"""Dashboard arithmetic and the SVG charts (pure: no database)."""
from decimal import Decimal

import pytest

from payments.charts import Series, _nice_max, bar_chart, horizontal_bars, line_chart
from payments.dashboard import Counts, percentile


@pytest.mark.parametrize(("values", "share", "expected"), [
    ([54], 0.9, 54.0),
    (list(range(1, 11)), 0.9, 9.0),
    (list(range(1, 11)), 0.5, 5.0),
    ([70, 10, 30, 50, 90], 0.9, 90.0),
    ([], 0.9, None),
])
def test_percentile_is_the_nearest_rank(values, share, expected):
    assert percentile(values, share) == expected


def test_the_share_paid_within_sixty_days_counts_day_sixty_as_on_time():
    # given
    counts = Counts(delays=[59, 60, 61, 120])
    # then
    assert counts.on_time_share == 50
    assert (counts.median_delay, counts.p90_delay) == (60.5, 120.0)


@pytest.mark.parametrize(("value", "top"), [(0, 1.0), (7, 10.0), (12, 20.0), (230, 250.0), (4100, 5000.0)])
def test_the_axis_top_is_a_round_number_above_the_values(value, top):
    assert _nice_max(value) == top


def test_labels_and_series_names_are_escaped_in_the_svg():
    # when
    svg = bar_chart(title="<b>x</b>", labels=["a&b"], series=[Series("<script>", [Decimal("3")])])
    # then
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "a&amp;b" in svg and svg.startswith("<svg")


def test_the_delay_chart_draws_the_sixty_day_mark_and_skips_empty_weeks():
    # when
    svg = line_chart(title="Délai", labels=["01/01", "08/01", "15/01"], mark=60, mark_label="60 jours",
                     series=[Series("médiane", [40, None, 75])])
    # then
    assert 'stroke-dasharray="6 4"' in svg and "60 jours" in svg
    assert svg.count("<circle") == 2


def test_reasons_are_drawn_one_bar_each():
    # when
    svg = horizontal_bars(title="Rejets", items=[("hors délai", 12), ("doublon", 3)])
    # then
    assert svg.count("<rect") == 2 and "hors délai" in svg
