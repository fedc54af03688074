"""Production mode: two `sip` processes (two registrars on their own ports) sharing Redis. A REGISTER accepted
by one and replayed to the other is refused; failures spread over both block the address on both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from switchboard.domain.voice import digest
from switchboard.domain.voice.registrar import FailureGuard
from switchboard.services.context import Services
from switchboard.settings import Settings
from switchboard.store.database import Database
from tests.conftest import MASTER_KEY
from tests.fakes.clock import FakeClock
from tests.voice.registrar_peers import make_phones, sip_port
from tests.voice.test_registrar import Phone, _close_sockets

REDIS_URL = "redis://127.0.0.1:6379/15"
__all__ = ["_close_sockets"]  # the sockets of the scripted phones are closed after each test


@pytest.fixture
async def redis_services(tmp_path: Path, db: Database, clock: FakeClock) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path / "data", master_key=MASTER_KEY.decode(), redis_url=REDIS_URL)
    services = Services.build(settings, db=db, clock=clock)
    assert services.redis is not None
    try:
        await services.redis.ping()
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield services
    await services.redis.aclose()


async def test_a_register_replayed_to_another_process_is_refused(redis_services: Services) -> None:
    services = redis_services
    ((account, password),) = await make_phones(services, 1)
    prefix = f"sb:test:{uuid.uuid4().hex}"
    async with (
        sip_port(services, shared_prefix=prefix) as (a, _, _),
        sip_port(services, shared_prefix=prefix) as (b, _, _),
    ):
        phone = Phone(a, account)
        first = await phone.send(phone.request())
        assert first is not None
        auth = digest.authorization(
            Phone.challenges(first)["MD5"],
            method="REGISTER",
            uri="sip:x",
            username=account,
            password=password,
            cnonce="z",
        )
        signed = phone.request(auth=auth)
        ok = await phone.send(signed)
        assert ok is not None and ok.status == 200
        other = Phone(b, account)
        replayed = await other.send(signed)  # the other process has never seen this nonce used
        assert replayed is not None and replayed.status == 403


async def test_failures_spread_over_processes_block_on_both(redis_services: Services) -> None:
    services = redis_services
    ((account, _),) = await make_phones(services, 1)
    prefix = f"sb:test:{uuid.uuid4().hex}"
    guard_a, guard_b = FailureGuard(limit=4, window=60, block=120), FailureGuard(limit=4, window=60, block=120)
    async with (
        sip_port(services, guard=guard_a, shared_prefix=prefix) as (a, _, _),
        sip_port(services, guard=guard_b, shared_prefix=prefix) as (b, registrar_b, _),
    ):
        for target in (a, b, a, b):  # 2 failures at each: neither process alone reaches 4
            answer = await Phone(target, account).register("guess")
            assert answer is not None and answer.status == 403
        probe = Phone(b, account)
        probe.sock.settimeout(0.5)
        assert await probe.send(probe.request()) is None  # blocked through Redis
        assert registrar_b.counters["blocked"] == 1
