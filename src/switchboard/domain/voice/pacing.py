"""Calls-per-second pacing for a trunk: each call reserves the next start slot (no burst above the rate)."""

from __future__ import annotations

import math


class CpsPacer:
    def __init__(self, cps: float) -> None:
        self.interval = 1.0 / cps if cps > 0 else 0.0
        self._next = -math.inf

    def reserve(self, now: float) -> float:
        """Seconds to wait before the next call may start at ``now`` (monotonic); the slot is taken."""
        start = max(now, self._next)
        self._next = start + self.interval
        return start - now
