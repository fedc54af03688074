"""Sharing an SMPP carrier's binds among dispatch workers (production layout): fair shares, no slot bound twice,
slots of a dead worker taken over, and the connector binding exactly the slots it holds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from switchboard.connectors.sms.smpp import SmppConnector
from switchboard.services.bind_slots import BindSlots, fair_share
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import RETRY_ELSEWHERE, Dispatcher
from switchboard.smsc import SmscServer
from switchboard.store.tables import messages
from tests.conftest import Caller
from tests.connectors.test_smpp import eventually, free_port, smpp_config
from tests.fakes.carrier_events import RecordingEvents
from tests.services.test_delivery import account_state, carrier_set, rows, send

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 10])
@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_fair_shares_add_up_to_the_carriers_binds(total: int, workers: int) -> None:
    names = [f"w{i}" for i in range(workers)]
    shares = [fair_share(total, names, me) for me in names]
    assert sum(shares) == total and max(shares) - min(shares) <= 1


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    yield client
    await client.aclose()


async def round_of(workers: list[BindSlots], total: int) -> dict[str, list[int]]:
    """Every worker heartbeats, then every worker rebalances, as their loops would."""
    live: list[str] = []
    for worker in workers:
        live = await worker.live_workers()
    return {w.worker_id: await w.rebalance("smsc", total, live) for w in workers}


def assert_disjoint(held: dict[str, list[int]], total: int) -> None:
    slots = [slot for group in held.values() for slot in group]
    assert len(slots) == len(set(slots)), f"a slot is bound twice: {held}"
    assert all(0 <= s < total for s in slots)


async def test_workers_share_the_binds_and_take_over_a_dead_workers(redis_client: aioredis.Redis) -> None:
    prefix = f"test:binds:{uuid.uuid4().hex}"
    a, b, c = (BindSlots(redis_client, name, prefix=prefix, ttl=1) for name in ("a", "b", "c"))
    held = await round_of([a, b, c], 5)
    assert_disjoint(held, 5)
    held = await round_of([a, b, c], 5)
    assert_disjoint(held, 5)
    assert sorted(len(v) for v in held.values()) == [1, 2, 2]
    # c dies (SIGKILL: nothing released); its slots come back once its heartbeat and keys expire.
    await asyncio.sleep(1.2)
    for _ in range(2):
        held = await round_of([a, b], 5)
        assert_disjoint(held, 5)
    assert sorted(len(v) for v in held.values()) == [2, 3]
    # A new worker joins: the others give up their surplus first, it takes what is free.
    d = BindSlots(redis_client, "d", prefix=prefix, ttl=1)
    for _ in range(3):
        held = await round_of([a, b, d], 5)
        assert_disjoint(held, 5)
    assert sorted(len(v) for v in held.values()) == [1, 2, 2]
    # More workers than binds: some hold none, none holds a slot twice.
    held = await round_of([a, b, d], 2)
    held = await round_of([a, b, d], 2)
    assert_disjoint(held, 2)
    assert sorted(len(v) for v in held.values()) == [0, 1, 1]
    for worker in (a, b, d):
        await worker.release_all()
    assert not [key async for key in redis_client.scan_iter(match=f"{prefix}:smsc:*")]


async def test_the_connector_binds_exactly_the_slots_it_holds() -> None:
    port = free_port()
    async with SmscServer("127.0.0.1", port) as smsc:
        connector = SmppConnector(smpp_config(port, binds=3))
        await connector.use_slots([])
        await connector.start(RecordingEvents())
        try:
            await asyncio.sleep(0.2)
            assert smsc.sessions == [] and connector.status()["bound"] == 0
            await connector.use_slots([0, 2])
            await eventually(lambda: len(smsc.sessions) == 2)
            assert connector.slots == [0, 2]
            assert [s.label for s in connector.sessions] == ["carrier-a#0.TRX", "carrier-a#2.TRX"]
            await connector.use_slots([1])
            await eventually(lambda: len(smsc.sessions) == 1 and connector.status()["bound"] == 1)
            with pytest.raises(ValueError, match="slots 0..2"):
                await connector.use_slots([3])
        finally:
            await asyncio.wait_for(connector.stop(), 10.0)


async def test_a_worker_holding_none_of_the_binds_hands_the_message_back_for_a_second(
    services: Services, caller: Caller
) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    connector = SmppConnector(smpp_config(free_port(), binds=2))
    await connector.use_slots([])  # the other dispatch workers hold both binds
    await connector.start(RecordingEvents())
    dispatcher = Dispatcher(services, carrier_set(services, connector))
    await send(services, caller)
    assert await dispatcher.step() == 1
    [message] = await rows(services, messages)
    assert (message["status"], message["error_code"]) == ("queued", "SMPP_NO_SLOT"), "retried, not failed"
    assert (message["due_at"] - services.clock.now()).total_seconds() == RETRY_ELSEWHERE
    assert await account_state(services, caller) == (100_000_000 - 10_000, 0)
    await connector.stop()


async def test_a_worker_holding_no_bind_leaves_the_queue_to_the_others(services: Services, caller: Caller) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    connector = SmppConnector(smpp_config(free_port(), binds=2))
    await connector.use_slots([])
    carriers = carrier_set(services, connector)
    carriers.bind_slots = BindSlots(None, "w1")  # the production layout (the Redis client is not used here)
    assert not carriers.can_submit()
    await send(services, caller)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(Dispatcher(services, carriers).run(stop, wake, poll=0.05))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 5)
    [message] = await rows(services, messages)
    assert (message["status"], message["attempts"]) == ("queued", 0), "never claimed"
    await connector.use_slots([1])
    assert not carriers.can_submit(), "a slot whose session is not bound yet does not count"
    await connector.stop()
