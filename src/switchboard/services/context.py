"""What every service needs: the database, the clock, the id source, the secret box and the settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from switchboard.auth.secrets import SecretBox
from switchboard.clock import Clock, SystemClock
from switchboard.ids import MessageIds
from switchboard.services.send_limits import RedisSendLimits, SendLimits, SqlSendLimits
from switchboard.services.wakeups import WakeBus
from switchboard.settings import Settings
from switchboard.store.database import Database

T = TypeVar("T")
# Seconds that per-request reads of operator configuration (rates, words) are reused within a process.
CATALOG_TTL = 2.0
SIGNING_KEYS = "push-signing-keys"  # Services.cached name: each account's key that signs its pushes


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    secrets: SecretBox
    msg_ids: MessageIds
    send_limits: SendLimits
    redis: Any | None = None
    # Per-process caches that services keep (e.g. compiled sensitive-word matchers), by name.
    caches: dict[str, Any] = field(default_factory=dict)
    # The claim of this process's node id, while it serves (start() takes it, close() gives it back).
    node_claim: Any | None = None
    # In-process wake-ups for worker loops (e.g. "dispatch" when messages were queued).
    wakeups: dict[str, asyncio.Event] = field(default_factory=dict)

    async def cached(self, name: str, key: Any, loader: Callable[[], Awaitable[T]], ttl: float = CATALOG_TTL) -> T:
        """A value kept for ``ttl`` seconds per process (operator configuration read on every request:
        rates, sensitive words). Changes made through this process's services call ``forget(name)``;
        changes made by another process apply within ``ttl``."""
        entries: dict[Any, tuple[float, Any]] = self.caches.setdefault(f"ttl:{name}", {})
        now = time.monotonic()
        hit = entries.get(key)
        if hit is not None and hit[0] > now:
            return cast(T, hit[1])
        value = await loader()
        entries[key] = (now + ttl, value)
        return value

    def forget(self, name: str) -> None:
        self.caches.pop(f"ttl:{name}", None)

    def wake(self, role: str) -> None:
        """Wake ``role``'s loop in this process and, with Redis (production layout), in every other one."""
        event = self.wakeups.get(role)
        if event is not None:
            event.set()
        if self.redis is not None:
            bus = self.caches.get("wake_bus")
            if bus is None:
                bus = self.caches["wake_bus"] = WakeBus(self.redis)
            bus.publish(role)

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        redis = None
        send_limits: SendLimits = SqlSendLimits()
        if settings.redis_url:
            import redis.asyncio as aioredis

            redis = aioredis.from_url(settings.redis_url, decode_responses=True)
            send_limits = RedisSendLimits(redis)
        return cls(
            settings=settings,
            db=db or Database(settings.resolved_database_url()),
            clock=clock,
            secrets=SecretBox(settings.resolved_master_key()),
            msg_ids=MessageIds(clock, settings.node_id),
            send_limits=send_limits,
            redis=redis,
        )

    async def close(self) -> None:
        if self.node_claim is not None:
            await self.node_claim.release()
            self.node_claim = None
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()

    async def start(self) -> None:
        """Prepare what needs the database before serving: claim the node id (OperatorError when a live process
        holds it), continue the message-id sequence. Calling it again changes nothing."""
        from switchboard.services.node_claim import NodeClaim
        from switchboard.store.messages import latest_msg_id
        from switchboard.store.voice import latest_voice_id

        if self.node_claim is not None:
            return
        claim = NodeClaim(self)
        await claim.claim()
        self.node_claim = claim

        async with self.db.read() as conn:
            self.msg_ids.resume_after(await latest_msg_id(conn))
            self.msg_ids.resume_after(await latest_voice_id(conn))
