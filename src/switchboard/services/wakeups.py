"""Wake-ups across processes: a worker loop that found nothing sleeps until its poll interval ends or it is woken.

In one process (``serve``) the API and the receipt handler set the worker's asyncio event directly. In the
production layout the work is made in other processes (an API process queues messages, a dispatch worker
applies the receipt whose push a callbacks worker sends), so wake-ups also go through Redis pub/sub on one
channel: publishing is coalesced (at most one message per role every ``COALESCE`` seconds) and never awaited
by the caller; a lost wake-up only costs the poll interval, since every loop still polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger("switchboard.wakeups")

CHANNEL = "sb:wake"
COALESCE = 0.002
RECONNECT = 1.0


class WakeBus:
    def __init__(self, redis: Any, *, channel: str = CHANNEL) -> None:
        self._redis = redis
        self._channel = channel
        self._pending: set[str] = set()
        self._flusher: asyncio.Task[None] | None = None

    def publish(self, role: str) -> None:
        """Schedule a wake-up of ``role`` in every process (no-op outside a running loop)."""
        self._pending.add(role)
        if self._flusher is None or self._flusher.done():
            try:
                self._flusher = asyncio.get_running_loop().create_task(self._flush())
            except RuntimeError:
                self._pending.clear()

    async def _flush(self) -> None:
        await asyncio.sleep(COALESCE)
        roles, self._pending = self._pending, set()
        for role in sorted(roles):
            try:
                await self._redis.publish(self._channel, role)
            except Exception:  # a lost wake-up costs one poll interval
                log.debug("wake-up of %s not published", role, exc_info=True)

    async def listen(self, wakeups: dict[str, asyncio.Event], stop: asyncio.Event) -> None:
        """Set this process's event of every role named on the channel, until ``stop``."""
        while not stop.is_set():
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=0.5)
                    if message is not None:
                        event = wakeups.get(str(message.get("data", "")))
                        if event is not None:
                            event.set()
            except Exception:
                log.warning("wake-up channel lost; resubscribing in %.0f s", RECONNECT, exc_info=True)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), RECONNECT)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
