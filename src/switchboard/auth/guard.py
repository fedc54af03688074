"""Protection around authentication: brute-force blocking per IP, and (opt-in) replay refusal.

- Brute force: a subject with ``auth_failure_limit`` authentication failures within ``auth_failure_window``
  seconds is blocked for ``auth_block_seconds``; while blocked, its requests are refused with the
  product's "IP restricted" code (SMS -2, Voice/CC -2, intelligent voice -6) before any other check. The API
  counts unknown keys per IP and wrong signatures per (IP, key) (auth/authenticate.py); console sign-ins per IP.
- Replay (``SWITCHBOARD_REPLAY_PROTECTION=true``): a ``Sign`` accepted once is refused (-1) if it comes
  again within the timestamp window, so a captured request cannot be sent twice.

In-process counters in embedded mode; Redis keys shared by every API process when Redis is configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchboard.clock import Clock


@dataclass
class MemoryGuard:
    clock: Clock
    failures: dict[str, list[float]] = field(default_factory=dict)
    blocked_until: dict[str, float] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)

    async def blocked(self, ip: str) -> bool:
        until = self.blocked_until.get(ip)
        if until is None:
            return False
        if self.clock.time() >= until:
            del self.blocked_until[ip]
            return False
        return True

    async def failed(self, ip: str, *, limit: int, window: int, block: int) -> int:
        """Count a failure; returns the failures within the window, this one included."""
        now = self.clock.time()
        recent = [t for t in self.failures.get(ip, []) if now - t < window] + [now]
        self.failures[ip] = recent
        if len(recent) >= limit:
            self.blocked_until[ip] = now + block
            self.failures.pop(ip, None)
        return len(recent)

    async def forgive(self, ip: str) -> None:
        """Take back one failure counted ahead of a check that then succeeded."""
        recent = self.failures.get(ip)
        if recent:
            recent.pop()

    async def first_use(self, sign: str, ttl: int) -> bool:
        now = self.clock.time()
        if len(self.seen) > 100_000:
            self.seen = {s: t for s, t in self.seen.items() if t > now}
        if self.seen.get(sign, 0) > now:
            return False
        self.seen[sign] = now + ttl
        return True


class RedisGuard:
    def __init__(self, redis: Any, prefix: str = "sb:guard") -> None:
        self._redis = redis
        self._prefix = prefix

    async def blocked(self, ip: str) -> bool:
        return bool(await self._redis.exists(f"{self._prefix}:blocked:{ip}"))

    async def failed(self, ip: str, *, limit: int, window: int, block: int) -> int:
        """Count a failure; returns the failures within the window, this one included. The counter is left to
        expire (not reset at the block), so requests racing past the block check still count past the limit."""
        key = f"{self._prefix}:fail:{ip}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = await pipe.execute()
        if int(count) >= limit:
            await self._redis.set(f"{self._prefix}:blocked:{ip}", "1", ex=block)
        return int(count)

    async def forgive(self, ip: str) -> None:
        """Take back one failure counted ahead of a check that then succeeded."""
        key = f"{self._prefix}:fail:{ip}"
        if int(await self._redis.decr(key)) <= 0:
            await self._redis.delete(key)

    async def first_use(self, sign: str, ttl: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}:sign:{sign.lower()}", "1", ex=ttl, nx=True))
