"""Chart geometry: scales round up to 1-2-5 steps, bars fit the plot, rates scale to their share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.admin.dashboard import Rate
from switchboard.console.charts import HEIGHT, hour_chart, nice_ceiling, rate_chart


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0, 1, id="empty"),
        pytest.param(1, 1, id="one"),
        pytest.param(3, 5, id="to-five"),
        pytest.param(7, 10, id="to-ten"),
        pytest.param(11, 20, id="to-twenty"),
        pytest.param(4999, 5000, id="large"),
    ],
)
def test_the_scale_is_a_round_number_at_or_above_the_peak(value: int, expected: int) -> None:
    assert nice_ceiling(value) == expected


def test_hour_bars_are_proportional_and_inside_the_plot() -> None:
    start = datetime(2026, 11, 29, 0, tzinfo=UTC)
    hours = [(start + timedelta(hours=i), i, i // 2) for i in range(24)]
    chart = hour_chart(hours)
    assert len(chart.created) == 24 and not chart.empty
    tallest = max(chart.created, key=lambda b: b.height)
    assert tallest.title == "23:00 UTC: 23 sent, 11 delivered"
    assert all(0 <= b.y and b.y + b.height <= HEIGHT for b in chart.created + chart.delivered)
    assert chart.created[10].height == pytest.approx(2 * chart.created[5].height)
    assert [label.text for label in chart.x_labels][:3] == ["00h", "03h", "06h"]
    assert [label.text for label in chart.y_labels] == ["0", "25", "50"]
    assert [label.text for label in hour_chart(hours[:2]).y_labels] == ["0", "1"]


def test_an_empty_day_says_so() -> None:
    start = datetime(2026, 11, 29, 0, tzinfo=UTC)
    assert hour_chart([(start + timedelta(hours=i), 0, 0) for i in range(24)]).empty


def test_rate_bars_are_as_long_as_the_delivered_share() -> None:
    chart = rate_chart([Rate("IN", 3, 4), Rate("US", 0, 2)])
    assert [(r.key, r.percent, r.counts) for r in chart.rows] == [("IN", "75.0%", "3/4"), ("US", "0.0%", "0/2")]
    assert chart.rows[0].width == pytest.approx(0.75 * chart.bar_max) and chart.rows[1].width == 0
