"""The scheduler role: scheduled messages become queued when their time comes."""

from __future__ import annotations

import asyncio
import logging

from switchboard.services.context import Services
from switchboard.services.sms import Scheduled

log = logging.getLogger("switchboard.scheduler")


async def run_scheduler(services: Services, *, interval: float = 1.0, stop: asyncio.Event | None = None) -> None:
    """Promote due scheduled messages every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    scheduled = Scheduled(services)
    while not stop.is_set():
        try:
            promoted = await scheduled.promote_due()
            if promoted:
                log.info("scheduled messages now due", extra={"count": promoted})
        except Exception:
            log.exception("scheduler step failed; retrying")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
