"""Rate limits that are not about sending: how often an account may query reports (-15).

A token bucket per key, in process. Production mode (several API processes) will back it with Redis
behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from switchboard.clock import Clock


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool: ...


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: float
    clock: Clock
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        now = self.clock.time()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True
