"""The API's brute-force guard and timing: one broken client must not lock out its neighbours, and the answer
must not tell a known key from an unknown one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from switchboard import ids
from switchboard.app import create_app
from switchboard.auth import authenticate as authenticate_module
from switchboard.auth import key_cache
from switchboard.auth.authenticate import Authenticator, Failure
from switchboard.auth.signature import sign
from switchboard.errors import ApiError, Product
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.settings import Settings
from switchboard.store import tenants
from switchboard.store.database import Database
from tests.conftest import MASTER_KEY, Caller
from tests.fakes.clock import FakeClock

REDIS_URL = "redis://127.0.0.1:6379/15"


async def _status(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    answer = await client.post("/v3/getBalance", headers=headers)
    return str(answer.json()["status"])


async def test_a_key_with_a_wrong_secret_is_blocked_alone(
    client: httpx.AsyncClient, services: Services, caller: Caller
) -> None:
    services.settings.auth_failure_limit = 5
    neighbour = await Tenancy(services).create_account(name="neighbour", balance="1", currency="USD")
    neighbour_caller = Caller(new=neighbour, clock=caller.clock)
    # A broken client behind the shared address keeps signing with an old secret.
    assert [await _status(client, caller.headers(secret="old-secret")) for _ in range(5)] == ["-1"] * 5
    assert await _status(client, caller.headers()) == "-2"  # that key, from that address, is blocked
    assert await _status(client, neighbour_caller.headers()) == "0"  # its neighbours are not


async def test_guessing_keys_blocks_the_address(client: httpx.AsyncClient, services: Services, caller: Caller) -> None:
    services.settings.auth_failure_limit = 5
    stamp = str(int(caller.clock.time()))
    for n in range(5):
        guess = {"Api-Key": f"guess{n}", "Sign": sign(f"guess{n}", "x", stamp), "Timestamp": stamp}
        assert await _status(client, guess) == "-1"
    assert await _status(client, caller.headers()) == "-2"


async def test_unknown_and_known_keys_do_the_same_work(
    client: httpx.AsyncClient, services: Services, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    work: list[str] = []
    original_open, original_match = services.secrets.open, authenticate_module.signature_matches

    def counted_row(row: object) -> object:
        work.append("row")
        return original_row(row)  # type: ignore[arg-type]

    original_row = tenants._key_with_account
    monkeypatch.setattr(tenants, "_key_with_account", counted_row)

    def counted_open(token: str) -> str:
        work.append("open")
        return original_open(token)

    def counted_match(*args: str) -> bool:
        work.append("match")
        return original_match(*args)

    monkeypatch.setattr(services.secrets, "open", counted_open)
    monkeypatch.setattr(authenticate_module, "signature_matches", counted_match)
    assert await _status(client, caller.headers(secret="wrong")) == "-1"
    known = list(work)
    work.clear()
    stamp = str(int(caller.clock.time()))
    assert await _status(client, {"Api-Key": "nokey", "Sign": sign("nokey", "x", stamp), "Timestamp": stamp}) == "-1"
    assert known == work == ["row", "open", "match"]  # one row decoded each: the key's, or the decoy


def _signed(api_key: str, secret: str, clock: FakeClock) -> dict[str, str]:
    stamp = str(int(clock.time()))
    return {"api-key": api_key, "sign": sign(api_key, secret, stamp), "timestamp": stamp}


@pytest.mark.parametrize(
    "with_app", [pytest.param(False, id="key-lookup"), pytest.param(True, id="key-and-app-lookup")]
)
@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="signed-with-the-dummy-secret"),
        pytest.param(tenants.DECOY_KEY.secret_enc, id="signed-with-the-decoys-secret-text"),
        pytest.param("x", id="signed-with-anything"),
    ],
)
async def test_the_decoys_key_string_is_refused_as_an_unknown_key(
    client: httpx.AsyncClient, services: Services, caller: Caller, secret: str | None, with_app: bool
) -> None:
    authenticator = Authenticator(services)
    if secret is None:  # the secret an unknown key's signature is compared against
        secret = services.secrets.open(authenticator._dummy_sealed_secret())
    headers = _signed(tenants.DECOY_API_KEY, secret, caller.clock)
    with pytest.raises(ApiError) as refused:
        await authenticator.authenticate(
            Product.SMS, headers, "127.0.0.1", app_id=caller.apps["sms"] if with_app else None, app_required=False
        )
    assert refused.value.detail == Failure.UNKNOWN_KEY.value
    assert await _status(client, headers) == "-1"


@pytest.mark.parametrize(
    "api_key", [pytest.param("nokey", id="unknown-key"), pytest.param(tenants.DECOY_API_KEY, id="decoy-key-string")]
)
async def test_the_lookups_read_a_row_for_an_unknown_key_and_answer_none(
    services: Services, caller: Caller, api_key: str
) -> None:
    async with services.db.read() as conn:
        assert await tenants.get_key_with_account(conn, api_key) is None
        assert await tenants.get_key_account_app(conn, api_key, caller.apps["sms"]) is None
        found = await tenants.get_key_account_app(conn, caller.api_key, caller.apps["sms"])
    assert found is not None and found[0].api_key == caller.api_key and found[2] is not None


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


async def test_an_unknown_key_is_cached_as_a_decoy_entry(
    redis_services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert redis_services.redis is not None
    new = await Tenancy(redis_services).create_account(name="r", balance="1")
    authenticator, unknown = Authenticator(redis_services), f"u{uuid.uuid4().hex[:11]}"
    reads: list[str] = []
    original_read = tenants.get_key_with_account

    async def counted_read(conn: object, api_key: str) -> object:
        reads.append(api_key)
        return await original_read(conn, api_key)  # type: ignore[arg-type]

    monkeypatch.setattr(tenants, "get_key_with_account", counted_read)
    for api_key in (unknown, unknown, new.api_key, new.api_key):
        with pytest.raises(ApiError) as refused:
            await authenticator.authenticate(
                Product.SMS, _signed(api_key, "wrong", clock), "127.0.0.1", app_id=None, app_required=False
            )
        assert refused.value.detail == (Failure.UNKNOWN_KEY if api_key == unknown else Failure.BAD_SIGNATURE).value
    assert reads == [unknown, new.api_key]  # the second try of each is answered from the cache
    cached = await key_cache.get(redis_services.redis, unknown)
    assert cached is not None and cached.found is None
    await key_cache.forget(redis_services.redis, unknown, new.api_key)


async def test_a_key_created_after_its_string_was_tried_works_at_once(
    redis_services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried = f"t{uuid.uuid4().hex[:11]}"
    app = create_app(redis_services.settings, services=redis_services, run_migrations=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://switchboard.test") as client:
        assert await _status(client, _signed(tried, "x", clock)) == "-1"  # now cached as unknown
        monkeypatch.setattr(ids, "new_api_key", lambda: tried)
        new = await Tenancy(redis_services).create_account(name="r", balance="1")
        assert await _status(client, _signed(tried, new.api_secret, clock)) == "0"
    assert redis_services.redis is not None
    await key_cache.forget(redis_services.redis, tried)
