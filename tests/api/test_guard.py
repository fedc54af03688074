"""Brute-force blocking per IP and opt-in replay protection, through HTTP."""

from __future__ import annotations

import httpx
import pytest

from switchboard.services.context import Services
from tests.conftest import Caller

BALANCE = "/v3/getBalance"


async def test_an_ip_guessing_secrets_is_blocked_then_released(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    services.settings.auth_failure_limit = 3
    services.settings.auth_block_seconds = 60
    for _ in range(3):
        assert (await client.get(BALANCE, headers=caller.headers(secret="guess"))).json()["status"] == "-1"
    assert (await client.get(BALANCE, headers=caller.headers())).json() == {
        "status": "-2",
        "reason": "IP access limited",
    }
    assert (await client.get("/v3/voice/anything", headers=caller.headers())).json()["status"] == "-22"
    caller.clock.advance(61)
    assert (await client.get(BALANCE, headers=caller.headers())).json()["status"] == "0"


async def test_other_failures_do_not_count_towards_blocking(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    services.settings.auth_failure_limit = 2
    stale = caller.headers(ts=int(caller.clock.time()) - 3600)
    for _ in range(5):
        assert (await client.get(BALANCE, headers=stale)).json()["status"] == "-16"
    assert (await client.get(BALANCE, headers=caller.headers())).json()["status"] == "0"


async def test_replayed_requests_are_refused_when_replay_protection_is_on(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    headers = caller.headers()
    assert (await client.get(BALANCE, headers=headers)).json()["status"] == "0"
    assert (await client.get(BALANCE, headers=headers)).json()["status"] == "0", "off by default"
    services.settings.replay_protection = True
    caller.clock.advance(1)
    fresh = caller.headers()
    assert (await client.get(BALANCE, headers=fresh)).json()["status"] == "0"
    assert (await client.get(BALANCE, headers=fresh)).json() == {"status": "-1", "reason": "Authentication error"}
    caller.clock.advance(1)
    assert (await client.get(BALANCE, headers=caller.headers())).json()["status"] == "0"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, "-22", id="deep-json"),
        pytest.param(b'{"content": "\xff\xfe"}', "-22", id="invalid-utf8"),
        pytest.param(b"x" * (5 * 1024 * 1024), "-22", id="oversized"),
    ],
)
async def test_hostile_bodies_are_parameter_exceptions(
    client: httpx.AsyncClient, caller: Caller, body: bytes, status: str
) -> None:
    response = await client.post("/v3/sendSms", headers=caller.headers(), content=body)
    assert response.status_code == 200 and response.json()["status"] == status


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/v3/sendSms", b'{"content": "a\\u0000b"}', id="nul-in-json"),
        pytest.param("/v3/sendSms?content=a%00b", b"", id="nul-in-query"),
        pytest.param("/v3/otp/verification/record/12%0034", b"", id="nul-in-path"),
    ],
)
async def test_nul_characters_are_parameter_exceptions(
    client: httpx.AsyncClient, caller: Caller, path: str, body: bytes
) -> None:
    response = await client.post(path, headers=caller.headers(), content=body)
    assert response.json() == {"status": "-22", "reason": "Parameter exception"}


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v3/sendSms"), ("DELETE", "/sms/getBalance")])
async def test_a_method_a_path_does_not_take_is_the_envelope(
    client: httpx.AsyncClient, caller: Caller, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=caller.headers())
    assert response.status_code == 200 and response.json()["status"] == "-22"
