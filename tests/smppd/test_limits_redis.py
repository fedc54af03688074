"""Per-account SMPP limits shared through the real Redis (production mode): two server processes (two
``SmppServer`` instances over one database and one Redis) together admit the account's binds and throughput
once, not once each; a killed process's binds free up after the TTL; the in-memory limits of ``serve``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import smpplib.exceptions
from redis import asyncio as aioredis

from switchboard.services.context import Services
from switchboard.services.send_limits import RedisSendLimits
from switchboard.settings import Settings
from switchboard.smppd import pdu
from switchboard.smppd.accounts import SmppAccounts
from switchboard.smppd.limits import LocalSmppLimits, RedisSmppLimits, smpp_limits
from switchboard.smppd.server import SmppServer, SmppServerConfig
from switchboard.store.database import Database
from tests.conftest import MASTER_KEY
from tests.fakes.clock import FakeClock
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.esme import Esme

pytestmark = pytest.mark.timeout(60)
REDIS_URL = "redis://127.0.0.1:6379/15"
IN = "919876543210"


@pytest.fixture
async def redis() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"sb:test:{uuid.uuid4().hex}"  # unique per test and run: keys outlive a test run


@pytest.fixture
async def two_servers(
    tmp_path: Path, db: Database, clock: FakeClock, services: Services, smpp_account: str, prefix: str
) -> AsyncIterator[tuple[SmppServer, SmppServer]]:
    """Two server 'processes' with their own Redis clients, as two ``smpp-server`` would have."""
    built = [
        Services.build(
            Settings(data_dir=tmp_path / "data", master_key=MASTER_KEY.decode(), redis_url=REDIS_URL, node_id=11 + n),
            db=db,
            clock=clock,
        )
        for n in range(2)
    ]  # two node ids, as two processes have: their msgIds differ
    servers = []
    for n, each in enumerate(built):
        assert each.redis is not None
        # The send limits' counters are keyed by account id and the fake clock's window, which every run
        # repeats: keep them under this test's prefix too, or earlier runs' counts refuse these sends.
        each.send_limits = RedisSendLimits(each.redis, prefix=f"{prefix}:limit")
        server = SmppServer(each, SmppServerConfig(port=0, poll=0.1, ack_journal=tmp_path / f"acks-{n}.log"))
        server.limits = RedisSmppLimits(each.redis, prefix=prefix)
        await server.start()
        servers.append(server)
    try:
        yield servers[0], servers[1]
    finally:
        for server, each in zip(servers, built, strict=True):
            await server.stop()
            assert each.redis is not None
            await each.redis.aclose()


def test_production_mode_uses_redis_and_serve_uses_memory(redis: aioredis.Redis) -> None:
    assert isinstance(smpp_limits(redis), RedisSmppLimits)
    assert isinstance(smpp_limits(None), LocalSmppLimits)


async def test_the_binds_of_an_account_are_counted_across_processes(
    two_servers: tuple[SmppServer, SmppServer], services: Services
) -> None:
    one, two = two_servers
    await SmppAccounts(services).update(SYSTEM_ID, max_binds=2)
    first = Esme(one.ports["tcp"], SYSTEM_ID, PASSWORD)
    second = Esme(two.ports["tcp"], SYSTEM_ID, PASSWORD)
    third = Esme(two.ports["tcp"], SYSTEM_ID, PASSWORD)
    again = Esme(one.ports["tcp"], SYSTEM_ID, PASSWORD)
    try:
        await asyncio.to_thread(first.bind)
        await asyncio.to_thread(second.bind)
        with pytest.raises(smpplib.exceptions.PDUError) as refused:
            await asyncio.to_thread(third.bind)  # each process holds one: the account's 2 are taken
        assert refused.value.args[1] == pdu.ESME_RBINDFAIL
        await asyncio.to_thread(first.close)
        await asyncio.sleep(0.2)  # the first process notices the unbind and frees its place
        await asyncio.to_thread(again.bind)
    finally:
        for esme in (first, second, third, again):
            await asyncio.to_thread(esme.close)
    assert one.counters["binds"] == 2 and two.counters["binds"] == 1 and two.counters["binds_refused"] == 1


async def test_the_throughput_of_an_account_is_shared_by_its_binds_on_every_process(
    two_servers: tuple[SmppServer, SmppServer], services: Services
) -> None:
    await SmppAccounts(services).update(SYSTEM_ID, throughput=4)
    esmes = [Esme(server.ports["tcp"], SYSTEM_ID, PASSWORD) for server in two_servers]
    try:
        for esme in esmes:
            await asyncio.to_thread(esme.bind, "transmitter")
        for _ in range(6):
            for esme in esmes:
                await asyncio.to_thread(esme.submit, IN, b"burst")
        for esme in esmes:
            await asyncio.to_thread(esme.read_until, lambda e=esme: len(e.sent) + len(e.errors) == 6)
    finally:
        for esme in esmes:
            await asyncio.to_thread(esme.close)
    accepted = sum(len(e.sent) for e in esmes)
    throttled = sum(1 for e in esmes for p in e.errors if p.status == pdu.ESME_RTHROTTLED)
    # one second's worth (4) between both processes, plus what refills while the 12 submits go out;
    # each process alone would have let 4 through
    assert 4 <= accepted <= 6 and throttled == 12 - accepted


async def test_a_killed_process_frees_its_binds_after_the_ttl(redis: aioredis.Redis, prefix: str) -> None:
    dead = RedisSmppLimits(redis, prefix=prefix, ttl=1)
    alive = RedisSmppLimits(redis, prefix=prefix, ttl=1)
    assert await dead.acquire_bind("acme", "dead.1", 1)
    assert not await alive.acquire_bind("acme", "alive.1", 1)
    await asyncio.sleep(2.1)  # Redis's own clock: the dead process never renews
    assert await alive.acquire_bind("acme", "alive.1", 1)
    await asyncio.sleep(1.1)
    await alive.renew()  # a live process keeps its place
    assert not await dead.acquire_bind("acme", "dead.2", 1)


async def test_without_redis_the_limits_live_in_the_process() -> None:
    limits = LocalSmppLimits()
    assert await limits.acquire_bind("acme", "a", 1) and await limits.acquire_bind("acme", "a", 1)
    assert not await limits.acquire_bind("acme", "b", 1)
    await limits.release_bind("acme", "a")
    assert await limits.acquire_bind("acme", "b", 1)
    assert [await limits.take("acme", 2) for _ in range(3)] == [True, True, False]
    assert all([await limits.take("acme", 0) for _ in range(100)])
