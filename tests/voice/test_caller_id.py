"""The record shows the caller id actually sent: a call without displayNum goes out with the trunk's caller
id, and its record and push say so (it was empty before)."""

from __future__ import annotations

import httpx
import pytest

from switchboard.domain.voice.sip import uri_of, user_of
from switchboard.services.context import Services
from switchboard.services.voice import TrunkInput, VoiceAdmin
from switchboard.workers.voice import VoiceEngine
from tests.conftest import Caller
from tests.voice.conftest import IN, call_api
from tests.voice.test_e2e import final_record, worker

pytestmark = [pytest.mark.usefixtures("voice_rates"), pytest.mark.integration, pytest.mark.timeout(90)]
__all__ = ["worker"]


@pytest.fixture
async def trunk_with_caller_id(services: Services) -> None:
    await VoiceAdmin(services).add_trunk(TrunkInput("lab", type="simulated", caller_id="12025550100"))


@pytest.mark.usefixtures("trunk_with_caller_id")
async def test_the_trunk_caller_id_is_recorded(
    voice_client: httpx.AsyncClient, caller: Caller, worker: VoiceEngine
) -> None:
    body = {"appId": caller.apps["voice"], "callee": IN, "text": "Your code is 1 2 3 4", "language": "EN"}
    defaulted = (await call_api(voice_client, caller, "/v3/voice/sendCode", body))["data"]
    chosen = await call_api(voice_client, caller, "/v3/voice/sendCode", {**body, "displayNum": "4420712345678"})
    assert (await final_record(voice_client, caller, defaulted))["displayNum"] == "12025550100"
    assert (await final_record(voice_client, caller, chosen["data"]))["displayNum"] == "4420712345678"
    callee = worker.trunks.callees[0]
    sent = sorted(user_of(uri_of(c.invite.get("from") or "")) for c in callee.calls.values())
    assert sent == ["12025550100", "4420712345678"]  # what the callee saw in From
