"""Chart geometry for the dashboard, computed here and drawn as inline SVG by the templates (no JavaScript).

Pure functions: numbers in, shapes out. Labels stay plain text; the templates escape them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from switchboard.admin.dashboard import Rate

WIDTH = 1200
HEIGHT = 220
LEFT = 40
BOTTOM = 22
TOP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class HourChart:
    width: int
    height: int
    created: list[Bar]
    delivered: list[Bar]
    x_labels: list[Label]
    y_labels: list[Label]
    grid: list[float]
    empty: bool
    left: int = LEFT


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def hour_chart(hours: list[tuple[datetime, int, int]]) -> HourChart:
    top = nice_ceiling(max((made for _, made, _ in hours), default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(hours), 1)
    created, delivered, x_labels = [], [], []
    for i, (hour, made, done) in enumerate(hours):
        x = LEFT + i * slot + slot * 0.15
        width = slot * 0.7
        made_h, done_h = plot_h * made / top, plot_h * done / top
        label = f"{hour:%H}:00 UTC: {made} sent, {done} delivered"
        created.append(Bar(x, TOP + plot_h - made_h, width, made_h, label))
        delivered.append(Bar(x, TOP + plot_h - done_h, width, done_h, label))
        if i % 3 == 0:
            x_labels.append(Label(x + width / 2, HEIGHT - 6, f"{hour:%H}h"))
    grid = [TOP + plot_h * (1 - f) for f in (0.0, 0.5, 1.0)]
    y_labels = [
        Label(LEFT - 6, y + 4, str(int(top * f)))
        for y, f in zip(grid, (0.0, 0.5, 1.0), strict=True)
        if float(top * f).is_integer()
    ]
    return HourChart(WIDTH, HEIGHT, created, delivered, x_labels, y_labels, grid, all(m == 0 for _, m, _ in hours))


@dataclass(frozen=True)
class RateRow:
    key: str
    y: float
    width: float
    percent: str
    counts: str


@dataclass(frozen=True)
class RateChart:
    width: int
    height: int
    bar_x: int
    bar_max: int
    rows: list[RateRow]


def rate_chart(rates: list[Rate], limit: int = 12) -> RateChart:
    """Horizontal bars of delivery rate, one row per country or carrier (the busiest first)."""
    label_w, bar_max, row_h = 110, 240, 22
    rows = [
        RateRow(
            key=rate.key,
            y=i * row_h,
            width=bar_max * rate.percent / 100,
            percent=f"{rate.percent:.1f}%",
            counts=f"{rate.delivered}/{rate.total}",
        )
        for i, rate in enumerate(rates[:limit])
    ]
    return RateChart(label_w + bar_max + 110, max(len(rows), 1) * row_h, label_w, bar_max, rows)
