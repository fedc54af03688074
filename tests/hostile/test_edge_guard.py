"""The API's brute-force guard and timing: one broken client must not lock out its neighbours, and the answer
must not tell a known key from an unknown one."""

from __future__ import annotations

import httpx
import pytest

from switchboard.auth import authenticate as authenticate_module
from switchboard.auth.signature import sign
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller


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
    assert known == work == ["open", "match"]
