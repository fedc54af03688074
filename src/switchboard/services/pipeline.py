"""The shape of the dispatch and push loops: keep up to ``capacity`` items in flight, claim more as they finish.

A stop-and-wait batch (claim N, handle all, claim again) lets one slow item hold the whole batch; here each
claimed item is handled by its own task, and the loop claims again as soon as at least ``claim_at_least`` slots
are free. With nothing due it sleeps until woken (new work was made), a slot frees while it was full, or the
poll interval ends. On stop, items in flight get ``grace`` seconds, then are cancelled (their leases let
another run take them again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger("switchboard.workers")

T = TypeVar("T")


async def run_pipeline(
    name: str,
    *,
    claim: Callable[[int], Awaitable[list[T]]],
    handle: Callable[[T], Coroutine[Any, Any, None]],
    capacity: int,
    stop: asyncio.Event,
    wake: asyncio.Event,
    poll: float,
    claim_at_least: int = 1,
    may_claim: Callable[[], bool] | None = None,
    linger_after_wake: float = 0.0,
    grace: float = 2.0,
) -> None:
    inflight: set[asyncio.Task[None]] = set()
    freed = asyncio.Event()

    def done(task: asyncio.Task[None]) -> None:
        inflight.discard(task)
        freed.set()

    threshold = min(claim_at_least, capacity)
    while not stop.is_set():
        free = capacity - len(inflight)
        claimed: list[T] = []
        if free >= threshold and (may_claim is None or may_claim()):
            try:
                claimed = await claim(free)
            except Exception:
                log.exception("%s: claiming failed; retrying", name)
        for item in claimed:
            task = asyncio.create_task(handle(item))
            inflight.add(task)
            task.add_done_callback(done)
        if claimed and len(claimed) == free:
            continue  # maybe more is due
        wake.clear()
        freed.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
        if capacity - len(inflight) < threshold:
            waiters.append(asyncio.ensure_future(freed.wait()))  # full: go on when slots free up
        await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if wake.is_set() and linger_after_wake:
            await asyncio.sleep(linger_after_wake)  # let a burst gather into one claim
    if inflight:
        await asyncio.wait(inflight, timeout=grace)
        for task in inflight:
            task.cancel()
