"""Console sign-in under a flood: argon2id off the event loop, attempts counted before hashing, a cap."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from switchboard.services import users as users_module
from switchboard.services.context import Services
from switchboard.services.users import TooManyFailures, Users

EMAIL, PASSWORD = "ops@example.com", "correct horse battery"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every password check."""
    seen: list[str] = []
    original = users_module.verify_password

    def recording(password_hash: str | None, password: str) -> bool:
        seen.append(threading.current_thread().name)
        return original(password_hash, password)

    monkeypatch.setattr(users_module, "verify_password", recording)
    return seen


async def _attempt(services: Services, email: str, password: str, ip: str = "198.51.100.7") -> str:
    try:
        user = await Users(services).sign_in(email, password, ip)
    except TooManyFailures:
        return "429"
    return "ok" if user is not None else "401"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_flood_of_wrong_sign_ins_is_cut_at_the_limit(services: Services, checks: list[str]) -> None:
    services.settings.auth_failure_limit = 5
    await Users(services).create_user(EMAIL, PASSWORD, "admin")
    answers = await asyncio.gather(*(_attempt(services, EMAIL, f"wrong-{n}") for n in range(40)))
    assert answers.count("401") <= 5
    assert answers.count("429") >= 35
    assert len(checks) <= 5
    assert await _attempt(services, EMAIL, PASSWORD) == "429"  # blocked, even with the right password


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_checks_run_off_the_loop_and_unknown_emails_cost_the_same(services: Services, checks: list[str]) -> None:
    await Users(services).create_user(EMAIL, PASSWORD, "admin")
    checks.clear()
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - started - 0.005)

    tick = asyncio.create_task(ticker())
    answers = await asyncio.gather(
        _attempt(services, EMAIL, "wrong-password"), _attempt(services, "nobody@example.com", "wrong-password")
    )
    stop.set()
    await tick
    assert answers == ["401", "401"]
    assert len(checks) == 2  # one argon2id check for the known email, one for the unknown
    assert all(name.startswith("argon2") for name in checks), checks
    assert max(lags) < 0.1, max(lags)  # the loop kept turning while the hashes ran


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_success_at_the_limit_does_not_block(services: Services) -> None:
    services.settings.auth_failure_limit = 3
    await Users(services).create_user(EMAIL, PASSWORD, "admin")
    assert [await _attempt(services, EMAIL, "wrong-password") for _ in range(2)] == ["401", "401"]
    assert await _attempt(services, EMAIL, PASSWORD) == "ok"
    assert await _attempt(services, EMAIL, "wrong-password") == "401"
    assert await _attempt(services, EMAIL, "wrong-password") == "429"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_concurrent_sign_ins_are_capped_per_process(services: Services) -> None:
    services.settings.auth_failure_limit = 1000
    await Users(services).create_user(EMAIL, PASSWORD, "admin")
    ips = [f"203.0.113.{n}" for n in range(20)]  # many addresses: the per-address limit does not apply
    answers = await asyncio.gather(*(_attempt(services, EMAIL, "wrong-password", ip) for ip in ips))
    assert answers.count("401") <= users_module.SIGN_INS_AT_ONCE
    assert answers.count("429") >= 20 - users_module.SIGN_INS_AT_ONCE


async def test_the_redis_guard_counts_racing_attempts_past_the_limit() -> None:
    """Across processes the count is Redis's: attempts racing past the block check still count past the limit
    (the counter is not reset when the block starts), so each process refuses them without hashing."""
    from redis.asyncio import Redis

    from switchboard.auth.guard import RedisGuard

    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    guard = RedisGuard(redis, prefix=f"sb:test:{uuid.uuid4().hex}")
    try:
        counts = await asyncio.gather(*(guard.failed("ip", limit=6, window=60, block=300) for _ in range(40)))
        assert sorted(counts) == list(range(1, 41))
        assert await guard.blocked("ip")
        await guard.forgive("ip")
        assert await guard.failed("ip", limit=6, window=60, block=300) == 40
    finally:
        await redis.aclose()
