"""Wake-ups across processes through Redis pub/sub (the production layout's worker loops)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from switchboard.services.wakeups import WakeBus

REDIS_URL = "redis://127.0.0.1:6379/15"


async def subscribed(client: aioredis.Redis, channel: str) -> None:
    for _ in range(100):
        if dict(await client.pubsub_numsub(channel)).get(channel):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the listener never subscribed")


async def test_a_wake_up_published_by_one_process_wakes_the_role_in_another() -> None:
    publisher_redis = aioredis.from_url(REDIS_URL, decode_responses=True)
    listener_redis = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        await publisher_redis.ping()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    channel = f"test:wake:{uuid.uuid4().hex}"
    publisher, listener = WakeBus(publisher_redis, channel=channel), WakeBus(listener_redis, channel=channel)
    events = {"callbacks": asyncio.Event(), "dispatch": asyncio.Event()}
    stop = asyncio.Event()
    task = asyncio.create_task(listener.listen(events, stop))
    try:
        await subscribed(publisher_redis, channel)
        for _ in range(50):  # coalesced into one message
            publisher.publish("callbacks")
        publisher.publish("nobody-listens")  # a role this process does not run is ignored
        await asyncio.wait_for(events["callbacks"].wait(), 2)
        assert not events["dispatch"].is_set()
    finally:
        stop.set()
        await asyncio.wait_for(task, 3)
        await publisher_redis.aclose()
        await listener_redis.aclose()


async def test_publishing_when_redis_is_unreachable_is_harmless() -> None:
    unreachable = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    bus = WakeBus(unreachable, channel="test:wake:none")
    bus.publish("dispatch")
    flusher = bus._flusher  # noqa: SLF001 (the one task the publish started)
    assert flusher is not None
    await asyncio.wait_for(flusher, 3)  # the flush fails quietly: a lost wake-up only costs a poll interval
    assert flusher.exception() is None
    await unreachable.aclose()
