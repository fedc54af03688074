"""Per-account SMPP limits: how many binds an account holds at once and how many submits a second it may send.

Embedded mode (``serve``, one process) counts both in memory. Production mode (``redis_url`` set, several
``smpp-server`` processes) shares them through Redis, so N processes allow what one does, not N times as much:

* **Binds**: a sorted set per account (``<prefix>:binds:<system_id>``) of the bound sessions, each scored with
  the time its entry expires. A bind is admitted by one script (drop expired entries, count, add) so two
  processes cannot both take the last place. A process renews its sessions' entries every ``RENEW`` seconds
  and removes one when its session ends; the binds of a process killed with SIGKILL free up after ``TTL``.
* **Throughput**: one token bucket per account (``<prefix>:rate:<system_id>``: tokens and time), refilled at
  the account's rate with a burst of one second's worth, like the in-process bucket; the script takes a token
  or refuses. Both scripts read Redis's own clock, so processes on several hosts agree.

Redis errors are not the client's fault: a bind is refused (ESME_RBINDFAIL) and a submit throttled
(ESME_RTHROTTLED, which clients retry), and the error is logged.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger("switchboard.smppd")

PREFIX = "sb:smpp"
TTL = 15  # seconds a bind entry lives without renewal
RENEW = 5.0  # seconds between renewals

_ACQUIRE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
return 1
"""
_RENEW = """
local now = tonumber(redis.call('TIME')[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]) * 4)
return 1
"""
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or rate
local at = tonumber(state[2]) or now
tokens = math.min(rate, tokens + math.max(0, now - at) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 10)
return ok
"""


class SmppLimits(Protocol):
    async def acquire_bind(self, system_id: str, session: str, max_binds: int) -> bool: ...
    async def release_bind(self, system_id: str, session: str) -> None: ...
    async def renew(self) -> None: ...
    async def take(self, system_id: str, rate: int) -> bool: ...


@dataclass
class _Bucket:
    rate: int
    tokens: float
    at: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(float(self.rate), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class LocalSmppLimits:
    """One process: binds and tokens in memory."""

    def __init__(self) -> None:
        self.binds: dict[str, set[str]] = defaultdict(set)
        self.buckets: dict[str, _Bucket] = {}

    async def acquire_bind(self, system_id: str, session: str, max_binds: int) -> bool:
        held = self.binds[system_id]
        if session not in held and len(held) >= max_binds:
            return False
        held.add(session)
        return True

    async def release_bind(self, system_id: str, session: str) -> None:
        self.binds[system_id].discard(session)

    async def renew(self) -> None:
        return None

    async def take(self, system_id: str, rate: int) -> bool:
        if rate <= 0:
            return True
        bucket = self.buckets.get(system_id)
        if bucket is None or bucket.rate != rate:
            bucket = self.buckets[system_id] = _Bucket(rate, float(rate))
        return bucket.take()


class RedisSmppLimits:
    """Several processes: binds and tokens in Redis (see the module's docstring)."""

    def __init__(self, redis: Any, *, prefix: str = PREFIX, ttl: int = TTL) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.held: dict[str, set[str]] = defaultdict(set)
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._take = redis.register_script(_TAKE)

    async def acquire_bind(self, system_id: str, session: str, max_binds: int) -> bool:
        try:
            ok = await self._acquire(keys=[self._binds(system_id)], args=[max_binds, session, self.ttl])
        except RedisError as exc:
            log.error("smpp: bind of %s refused, Redis unavailable: %s", system_id, exc)
            return False
        if ok:
            self.held[system_id].add(session)
        return bool(ok)

    async def release_bind(self, system_id: str, session: str) -> None:
        self.held[system_id].discard(session)
        try:
            await self.redis.zrem(self._binds(system_id), session)
        except RedisError as exc:  # its entry expires after TTL
            log.warning("smpp: could not free a bind of %s in Redis: %s", system_id, exc)

    async def renew(self) -> None:
        for system_id, sessions in list(self.held.items()):
            if sessions:
                try:
                    await self._renew(keys=[self._binds(system_id)], args=[self.ttl, *sorted(sessions)])
                except RedisError as exc:
                    log.warning("smpp: could not renew the binds of %s in Redis: %s", system_id, exc)

    async def take(self, system_id: str, rate: int) -> bool:
        if rate <= 0:
            return True
        try:
            return bool(await self._take(keys=[f"{self.prefix}:rate:{system_id}"], args=[rate]))
        except RedisError as exc:
            log.error("smpp: submit of %s throttled, Redis unavailable: %s", system_id, exc)
            return False

    def _binds(self, system_id: str) -> str:
        return f"{self.prefix}:binds:{system_id}"


def smpp_limits(redis: Any | None) -> SmppLimits:
    """Redis-backed with a Redis client (production mode), in memory without."""
    return RedisSmppLimits(redis) if redis is not None else LocalSmppLimits()
