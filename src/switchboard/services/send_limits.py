"""Period send limits (-27 per account, -28 per number), behind one interface with two backends.

- ``SqlSendLimits`` (embedded mode): counts the stored messages inside the sending transaction, over a
  sliding window. Exact on SQLite (one writer); on PostgreSQL two concurrent requests may share a last slot.
- ``RedisSendLimits`` (production mode): atomic counters shared by every API process, over fixed windows
  of the period's length (a window starts at a multiple of the period since the epoch). A reservation that
  the transaction does not commit is released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store import messages


@dataclass
class Reservation:
    """What a backend took and must give back if the request is not committed."""

    keys: list[tuple[str, int]] = field(default_factory=list)


class SendLimits(Protocol):
    async def within_total(
        self,
        conn: AsyncConnection,
        account_id: int,
        adding: int,
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> bool: ...

    async def within_number(
        self,
        conn: AsyncConnection,
        account_id: int,
        numbers: list[str],
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> list[bool]: ...

    async def release(self, reservation: Reservation) -> None: ...


class SqlSendLimits:
    async def within_total(
        self,
        conn: AsyncConnection,
        account_id: int,
        adding: int,
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> bool:
        sent = await messages.count_since(conn, account_id, now - timedelta(seconds=period))
        return sent + adding <= limit

    async def within_number(
        self,
        conn: AsyncConnection,
        account_id: int,
        numbers: list[str],
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> list[bool]:
        counts = await messages.count_per_number_since(conn, account_id, numbers, now - timedelta(seconds=period))
        allowed = []
        for number in numbers:
            ok = counts.get(number, 0) < limit
            if ok:
                counts[number] = counts.get(number, 0) + 1
            allowed.append(ok)
        return allowed

    async def release(self, reservation: Reservation) -> None:
        return None


# Each KEYS[i] is incremented unless that would pass ARGV[1]; returns 1 (taken) or 0 (over) per key.
PER_KEY = """
local out = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('INCR', key)
  if value == 1 then redis.call('EXPIRE', key, ARGV[2]) end
  if value > tonumber(ARGV[1]) then redis.call('DECR', key); out[i] = 0 else out[i] = 1 end
end
return out
"""

# KEYS[1] grows by ARGV[1] unless that would pass ARGV[2]; returns 1 or 0.
ADD_BOUNDED = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
if value > tonumber(ARGV[2]) then redis.call('DECRBY', KEYS[1], ARGV[1]); return 0 end
return 1
"""


class RedisSendLimits:
    def __init__(self, redis: Any, prefix: str = "sb:limit") -> None:
        self._redis = redis
        self._prefix = prefix
        self._per_key = redis.register_script(PER_KEY)
        self._add = redis.register_script(ADD_BOUNDED)

    def _window(self, now: datetime, period: int) -> int:
        return int(now.timestamp()) // period

    async def within_total(
        self,
        conn: AsyncConnection,
        account_id: int,
        adding: int,
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> bool:
        key = f"{self._prefix}:total:{account_id}:{period}:{self._window(now, period)}"
        taken = int(await self._add(keys=[key], args=[adding, limit, period * 2]))
        if taken:
            reservation.keys.append((key, adding))
        return bool(taken)

    async def within_number(
        self,
        conn: AsyncConnection,
        account_id: int,
        numbers: list[str],
        limit: int,
        period: int,
        now: datetime,
        reservation: Reservation,
    ) -> list[bool]:
        window = self._window(now, period)
        keys = [f"{self._prefix}:number:{account_id}:{n}:{period}:{window}" for n in numbers]
        taken = [bool(int(v)) for v in await self._per_key(keys=keys, args=[limit, period * 2])]
        reservation.keys.extend((k, 1) for k, ok in zip(keys, taken, strict=True) if ok)
        return taken

    async def release(self, reservation: Reservation) -> None:
        if reservation.keys:
            pipe = self._redis.pipeline()
            for key, amount in reservation.keys:
                pipe.decrby(key, amount)
            await pipe.execute()
            reservation.keys.clear()
