"""A key restricted to one app reaches only that app: account-wide routes it could use to read or change what
belongs to the account's other apps refuse it, and record reads show only its apps' calls (docs/auth.md)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchboard.auth.signature import sign
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller
from tests.voice.conftest import call_api

pytestmark = pytest.mark.usefixtures("voice_rates")
IN = "919876543210"


async def _as(client: httpx.AsyncClient, key: tuple[str, str], clock_now: int, path: str, body: Any = None) -> Any:
    stamp = str(clock_now)
    headers = {"Api-Key": key[0], "Sign": sign(key[0], key[1], stamp), "Timestamp": stamp}
    if body is None:
        return (await client.get(path, headers=headers)).json()
    return (await client.post(path, headers=headers, content=json.dumps(body))).json()


async def test_an_app_restricted_key_sees_and_changes_only_its_app(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    tenancy = Tenancy(services)
    account_id = caller.new.account.id
    mine, other = caller.apps["voice"], (await tenancy.create_app(account_id, "voice")).app_id
    voice_ids = {}
    for app_id in (mine, other):
        body = {"appId": app_id, "callee": IN, "text": "Your code is 1 2 3 4", "language": "EN"}
        voice_ids[app_id] = (await call_api(voice_client, caller, "/v3/voice/sendCode", body))["data"]
    key = await tenancy.create_key(account_id, apps=[mine])
    now = int(caller.clock.time())

    async def ask(path: str, body: Any = None) -> Any:
        return await _as(voice_client, key, now, path, body)

    assert (await ask(f"/v3/voice/recordGroup/{voice_ids[mine]}"))["status"] == "0"
    assert (await ask(f"/v3/voice/recordGroup/{voice_ids[other]}"))["status"] == "-24"
    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-29T23:00:00+00:00"}
    page = await ask("/v3/voice/recordGroupQuery", {"current": 1, "size": 10, "params": window})
    assert [r["voiceId"] for r in page["data"]["records"]] == [voice_ids[mine]]
    for path in ("/v3/voice/fileQuery", "/v3/voice/fileDel", "/v3/voice/fileUpload"):
        assert (await ask(path, {"current": 1, "size": 10}))["status"] == "-32", path
    assert (await ask("/v3/getBalance"))["status"] == "0"
    unrestricted = await call_api(voice_client, caller, "/v3/voice/fileQuery", {"current": 1, "size": 10})
    assert unrestricted["status"] == "0"
