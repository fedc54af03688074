"""One shape for every worker loop: run a step; when it found nothing, wait for a wake-up or the poll."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("switchboard.workers")


async def run_loop(
    name: str,
    step: Callable[[], Awaitable[int]],
    *,
    stop: asyncio.Event,
    poll: float,
    wake: asyncio.Event | None = None,
) -> None:
    """Call ``step`` until ``stop``; a step that did work is followed at once by the next one. A failing step
    is logged and retried after the poll interval, so one bad batch never stops the role."""
    wake = wake or asyncio.Event()
    while not stop.is_set():
        try:
            done = await step()
        except Exception:
            log.exception("%s step failed; retrying", name)
            done = 0
        if done:
            await asyncio.sleep(0)
            continue
        wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
        await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
