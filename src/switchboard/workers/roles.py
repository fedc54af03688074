"""The worker roles: dispatch (carriers, submits, receipts, inbound), callbacks (pushes), scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from switchboard.services.bind_slots import RENEW as BIND_RENEW
from switchboard.services.carriers import CarrierSet
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher, expire_stale, reapply_early_receipts
from switchboard.services.pushes import PushSender
from switchboard.services.retention import prune
from switchboard.services.sms import Scheduled
from switchboard.services.spool import Spool
from switchboard.workers.loop import run_loop

ROUTE_RELOAD = 5.0
SPOOL_REPLAY = 5.0  # seconds between replays of carrier events spooled while the database refused them
log = logging.getLogger("switchboard.workers")


async def run_dispatch(services: Services, stop: asyncio.Event, *, builtin_warning: bool = True) -> None:
    carriers = CarrierSet(services, builtin_warning=builtin_warning)
    events = DeliveryEvents(services, spool=Spool(services.settings.data_dir))
    services.caches["carriers"] = carriers
    services.caches["delivery_events"] = events
    await carriers.start(events)
    dispatcher = Dispatcher(services, carriers)
    events.dispatcher = dispatcher
    services.caches["dispatcher"] = dispatcher
    wake = services.wakeups.setdefault("dispatch", asyncio.Event())
    reloaded = time.monotonic()

    async def reload_routes() -> None:
        nonlocal reloaded
        if time.monotonic() - reloaded > ROUTE_RELOAD:
            await carriers.reload_routes()
            reloaded = time.monotonic()

    async def replay_spool() -> None:
        while not stop.is_set():
            try:
                if replayed := await events.replay_spool():
                    log.info("stored %d spooled carrier events", replayed)
            except Exception:
                log.warning("replaying spooled carrier events failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SPOOL_REPLAY)

    async def rebalance_binds() -> None:
        while not stop.is_set():
            try:
                await carriers.rebalance_binds()
            except Exception:
                log.warning("sharing SMPP binds failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BIND_RENEW)

    binds = asyncio.create_task(rebalance_binds()) if carriers.bind_slots is not None else None
    spooled = asyncio.create_task(replay_spool())
    try:
        await dispatcher.run(stop, wake, poll=services.settings.worker_poll, before_claim=reload_routes)
    finally:
        for task in (binds, spooled):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await carriers.stop()


async def run_callbacks(services: Services, stop: asyncio.Event) -> None:
    sender = PushSender(services)
    try:
        wake = services.wakeups.setdefault("callbacks", asyncio.Event())
        await sender.run(stop, wake, poll=services.settings.worker_poll)
    finally:
        await sender.close()


async def run_scheduler(services: Services, stop: asyncio.Event, *, interval: float = 1.0) -> None:
    scheduled = Scheduled(services)
    validity = timedelta(seconds=services.settings.message_validity)
    last_prune = 0.0

    async def step() -> int:
        nonlocal last_prune
        promoted = await scheduled.promote_due()
        if promoted:
            services.wake("dispatch")
        await reapply_early_receipts(services, give_up_after=validity)
        await expire_stale(services, validity=validity)
        if time.monotonic() - last_prune > 3600:
            await prune(services)
            last_prune = time.monotonic()
        return 0  # the scheduler keeps a steady pace whatever it did

    await run_loop("scheduler", step, stop=stop, poll=interval)
