"""Sharing an SMPP carrier's binds among the dispatch workers of the production layout.

A carrier allows ``binds`` sessions for our system_id; N dispatch workers must together never open more.
Each worker announces itself in a Redis sorted set (a heartbeat every ``RENEW`` seconds; a worker silent for
``TTL`` seconds is gone) and computes its fair share of each carrier's binds from the sorted list of live
workers: ``binds // live``, plus one for the first ``binds % live`` workers. It then holds that many *slots*
(``0 .. binds-1``) as Redis keys set with NX and a TTL, renewed while it lives and deleted when it gives them up,
so two workers never bind the same slot, and the slots of a worker killed with SIGKILL return after ``TTL``.
A worker binds a slot only while it holds its key; shares are recomputed every ``RENEW`` seconds, so when a
worker joins, the others give up their surplus before it can take it (it only gets free slots).

With fewer binds than workers, some workers hold none for that carrier: their submits to it fail as
temporary (SMPP_NO_SLOT) and the message is retried a second later, usually by a worker that holds a bind.
Embedded mode (``serve``, no Redis) opens every bind in its one process.
"""

from __future__ import annotations

import time
from typing import Any

PREFIX = "sb:binds"
TTL = 5  # seconds a slot or a heartbeat lives without renewal
RENEW = 1.0  # seconds between renewals / rebalancing

# Renew (or release) a key only while it still names this worker.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def fair_share(total: int, workers: list[str], me: str) -> int:
    """This worker's share of ``total`` binds among the live ``workers`` (shares sum to ``total``)."""
    live = sorted(set(workers) | {me})
    base, extra = divmod(total, len(live))
    return base + (1 if live.index(me) < extra else 0)


class BindSlots:
    def __init__(self, redis: Any, worker_id: str, *, prefix: str = PREFIX, ttl: int = TTL) -> None:
        self.redis = redis
        self.worker_id = worker_id
        self.prefix = prefix
        self.ttl = ttl
        self.held: dict[str, set[int]] = {}

    async def live_workers(self) -> list[str]:
        """Heartbeat, forget workers silent for ``ttl``, and answer the live ones."""
        key = f"{self.prefix}:workers"
        now = time.time()
        await self.redis.zadd(key, {self.worker_id: now})
        await self.redis.zremrangebyscore(key, "-inf", now - self.ttl)
        await self.redis.expire(key, self.ttl * 4)
        return [m.decode() if isinstance(m, bytes) else str(m) for m in await self.redis.zrange(key, 0, -1)]

    async def rebalance(self, carrier: str, total: int, workers: list[str]) -> list[int]:
        """Renew this worker's slots of ``carrier``, give up its surplus, take free slots up to its share;
        answers the slots it holds now."""
        share = fair_share(total, workers, self.worker_id)
        held = self.held.setdefault(carrier, set())
        for slot in sorted(held):
            if slot >= total:  # the carrier's bind count was reduced
                await self.release(carrier, slot)
            elif not await self.redis.eval(_RENEW, 1, self._key(carrier, slot), self.worker_id, self.ttl):
                held.discard(slot)  # expired (this worker stalled longer than the TTL) and maybe taken
        for slot in sorted(held, reverse=True)[: max(0, len(held) - share)]:
            await self.release(carrier, slot)
        for slot in range(total):
            if len(held) >= share:
                break
            if slot not in held and await self.redis.set(
                self._key(carrier, slot), self.worker_id, nx=True, ex=self.ttl
            ):
                held.add(slot)
        return sorted(held)

    async def release(self, carrier: str, slot: int) -> None:
        await self.redis.eval(_RELEASE, 1, self._key(carrier, slot), self.worker_id)
        self.held.get(carrier, set()).discard(slot)

    async def release_all(self) -> None:
        for carrier, slots in list(self.held.items()):
            for slot in sorted(slots):
                await self.release(carrier, slot)
        await self.redis.zrem(f"{self.prefix}:workers", self.worker_id)

    def _key(self, carrier: str, slot: int) -> str:
        return f"{self.prefix}:{carrier}:{slot}"
