"""The chart of a group-call task's outcomes over time: per time slot, calls answered, not answered, and
calls with a key pressed. Pure: outcomes in, shapes out (drawn as inline SVG by the template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from switchboard.console.charts import BOTTOM, HEIGHT, LEFT, TOP, WIDTH, Bar, Label, nice_ceiling

SLOTS = 30


@dataclass(frozen=True)
class OutcomeChart:
    width: int
    height: int
    answered: list[Bar]
    failed: list[Bar]
    keys: list[Bar]
    x_labels: list[Label]
    y_labels: list[Label]
    grid: list[float]
    empty: bool
    left: int = LEFT


def outcome_chart(points: list[tuple[datetime, str, str]], slots: int = SLOTS) -> OutcomeChart:
    """``points``: (finished at, "success" | "fail", keys pressed) of the task's final numbers."""
    if not points:
        return OutcomeChart(WIDTH, HEIGHT, [], [], [], [], [], [], True)
    first, last = points[0][0], points[-1][0]
    span = max((last - first).total_seconds(), 1.0)
    counts = [[0, 0, 0] for _ in range(slots)]
    for moment, result, keys in points:
        slot = min(slots - 1, int((moment - first).total_seconds() / span * slots))
        counts[slot][0 if result == "success" else 1] += 1
        counts[slot][2] += 1 if keys else 0
    top = nice_ceiling(max(a + f for a, f, _ in counts))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    slot_w = plot_w / slots

    def y(value: int) -> float:
        return TOP + plot_h * (1 - value / top)

    answered, failed, keyed, x_labels = [], [], [], []
    for i, (a, f, k) in enumerate(counts):
        x = LEFT + i * slot_w
        at = datetime.fromtimestamp(first.timestamp() + span * i / slots, first.tzinfo)
        title = f"{at:%H:%M:%S}: {a} answered, {f} not, {k} keys"
        answered.append(Bar(x + 1, y(a), slot_w - 2, plot_h * a / top, title))
        failed.append(Bar(x + 1, y(a + f), slot_w - 2, plot_h * f / top, title))
        keyed.append(Bar(x + slot_w / 4, y(k), slot_w / 2, plot_h * k / top, title))
        if i % 5 == 0:
            x_labels.append(Label(x + slot_w / 2, HEIGHT - 6, f"{at:%H:%M:%S}"))
    y_labels = [Label(LEFT - 6, y(v) + 4, str(v)) for v in (0, top // 2, top)]
    return OutcomeChart(WIDTH, HEIGHT, answered, failed, keyed, x_labels, y_labels, [y(top // 2), y(top)], False)
