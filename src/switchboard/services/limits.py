"""Rate limits that are not about sending: how often an account may query reports (-15).

A token bucket per key, in process. Production mode (several API processes) will back it with Redis
behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from switchboard.clock import Clock


class RateLimiter(Protocol):
    async def allow(self, key: str) -> bool: ...


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: float
    clock: Clock
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    async def allow(self, key: str) -> bool:
        now = self.clock.time()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class RedisWindowLimiter:
    """Production mode: at most ``burst`` queries per key in each 2-second window, shared by every process."""

    def __init__(self, redis: Any, *, rate: float, clock: Clock, prefix: str = "sb:rate") -> None:
        self._redis = redis
        self._limit = max(1, int(rate * 2))
        self._clock = clock
        self._prefix = prefix

    async def allow(self, key: str) -> bool:
        window = int(self._clock.time()) // 2
        name = f"{self._prefix}:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, 4)
        count, _ = await pipe.execute()
        return int(count) <= self._limit
