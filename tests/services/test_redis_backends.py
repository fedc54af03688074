"""Production-mode backends on the local Redis: shared send-limit counters and the API-key cache."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from switchboard.app import create_app
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.limits import RedisWindowLimiter
from switchboard.services.send_limits import RedisSendLimits
from switchboard.services.tenancy import Tenancy
from switchboard.settings import Settings
from switchboard.store.database import Database
from tests.conftest import MASTER_KEY, Caller
from tests.fakes.clock import FakeClock

REDIS_URL = "redis://127.0.0.1:6379/15"
IN = "919876543210"


@pytest.fixture
async def redis_services(tmp_path: Path, db: Database, clock: FakeClock) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path / "data", master_key=MASTER_KEY.decode(), redis_url=REDIS_URL)
    services = Services.build(settings, db=db, clock=clock)
    assert services.redis is not None
    try:
        await services.redis.ping()
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"sb:test:{uuid.uuid4().hex}"  # unique per test and run: counters outlive a test run
    services.send_limits = RedisSendLimits(services.redis, prefix=prefix)
    services.caches["report_limiter"] = RedisWindowLimiter(
        services.redis, rate=services.settings.report_queries_per_second, clock=clock, prefix=f"{prefix}:rate"
    )
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    yield services
    await services.redis.aclose()


@pytest.fixture
async def redis_client(redis_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(redis_services.settings, services=redis_services, run_migrations=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://switchboard.test") as http:
        yield http


@pytest.fixture
async def redis_caller(redis_services: Services, clock: FakeClock) -> Caller:
    return Caller(new=await Tenancy(redis_services).create_account(name="r", balance="1"), clock=clock)


async def send(client: httpx.AsyncClient, caller: Caller, numbers: str) -> dict[str, str]:
    body = {"appId": caller.apps["sms"], "numbers": numbers, "content": "hi"}
    return dict((await client.post("/v3/sendSms", headers=caller.headers(), content=json.dumps(body))).json())


async def test_per_number_limit_counts_in_redis(
    redis_client: httpx.AsyncClient, redis_caller: Caller, redis_services: Services
) -> None:
    await Tenancy(redis_services).update_app(redis_caller.apps["sms"], options={"number_limit": 2})
    assert (await send(redis_client, redis_caller, f"{IN},{IN},{IN}"))["success"] == "2"
    assert (await send(redis_client, redis_caller, IN))["status"] == "-28"


async def test_a_refused_request_gives_its_reserved_counts_back(
    redis_client: httpx.AsyncClient, redis_caller: Caller, redis_services: Services
) -> None:
    await Tenancy(redis_services).update_app(redis_caller.apps["sms"], options={"total_limit": 150, "number_limit": 0})
    many = ",".join(f"9198765{i:05d}" for i in range(120))
    assert (await send(redis_client, redis_caller, many))["status"] == "-10"  # 1.20 > balance 1.00
    assert (await send(redis_client, redis_caller, ",".join(many.split(",")[:100])))["status"] == "0"
    assert (await send(redis_client, redis_caller, ",".join(many.split(",")[:60])))["status"] == "-27"


async def test_the_key_cache_is_forgotten_when_an_account_is_locked(
    redis_client: httpx.AsyncClient, redis_caller: Caller, redis_services: Services
) -> None:
    assert (await redis_client.get("/v3/getBalance", headers=redis_caller.headers())).json()["status"] == "0"
    assert redis_services.redis is not None
    assert await redis_services.redis.exists(f"sb:apikey:{redis_caller.api_key}") == 1
    await Tenancy(redis_services).set_account_flags(redis_caller.new.account.id, locked=True)
    assert (await redis_client.get("/v3/getBalance", headers=redis_caller.headers())).json()["status"] == "-13"
    await Tenancy(redis_services).update_key(redis_caller.api_key, enabled=False)
    assert (await redis_client.get("/v3/getBalance", headers=redis_caller.headers())).json()["status"] == "-1"


async def test_get_balance_is_fresh_although_the_key_is_cached(
    redis_client: httpx.AsyncClient, redis_caller: Caller, redis_services: Services
) -> None:
    await redis_client.get("/v3/getBalance", headers=redis_caller.headers())
    await Tenancy(redis_services).topup(redis_caller.new.account.id, "2")
    body = (await redis_client.get("/v3/getBalance", headers=redis_caller.headers())).json()
    assert body["balance"] == "3.000000"


async def test_report_query_frequency_is_counted_in_redis(
    redis_client: httpx.AsyncClient, redis_caller: Caller, redis_services: Services
) -> None:
    assert redis_services.redis is not None
    redis_services.caches["report_limiter"] = RedisWindowLimiter(
        redis_services.redis, rate=1, clock=redis_services.clock, prefix=f"sb:test:{id(redis_services)}:rate"
    )
    query = f"/v3/getReport?appId={redis_caller.apps['sms']}&msgIds=2611291200000000001"
    statuses = [(await redis_client.get(query, headers=redis_caller.headers())).json()["status"] for _ in range(3)]
    assert statuses == ["0", "0", "-15"]
