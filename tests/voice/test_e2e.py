"""From the API to a real call and back, on both databases: sendCode/sendGroup -> the voice worker -> SIP/RTP
over 127.0.0.1 to the built-in simulated callee -> the record, the charge and the V23 push."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.domain.voice import g711
from switchboard.services.context import Services
from switchboard.services.pushes import PushSender
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants
from switchboard.workers.voice import TrunkSet, VoiceEngine, run_voice
from tests.conftest import Caller
from tests.fakes.push_receiver import PushRecorder
from tests.voice.conftest import IN, call_api, upload

pytestmark = [pytest.mark.usefixtures("voice_rates"), pytest.mark.integration, pytest.mark.timeout(90)]


@pytest.fixture
async def worker(services: Services) -> AsyncIterator[VoiceEngine]:
    """The voice role with no trunk configured: the sandbox's simulated callee answers."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_voice(services, stop))
    for _ in range(100):
        if "voice_engine" in services.caches:
            break
        await asyncio.sleep(0.02)
    engine: VoiceEngine = services.caches["voice_engine"]
    yield engine
    stop.set()
    await asyncio.wait_for(task, 15)


async def final_record(client: httpx.AsyncClient, caller: Caller, voice_id: str, timeout: float = 30) -> dict[str, Any]:
    for _ in range(int(timeout / 0.1)):
        record = (await call_api(client, caller, f"/v3/voice/recordGroup/{voice_id}"))["data"]
        if record["terminationCode"]:
            return dict(record)
        await asyncio.sleep(0.1)
    raise AssertionError(f"call {voice_id} did not end")


async def test_tts_calls_in_two_languages_play_their_audio(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, worker: VoiceEngine
) -> None:
    await Tenancy(services).update_app(caller.apps["voice"], call_url="http://receiver.test/calls")
    english = (
        await call_api(
            voice_client,
            caller,
            "/v3/voice/sendCode",
            {"appId": caller.apps["voice"], "callee": IN, "text": "Your code is 4 2", "language": "EN"},
        )
    )["data"]
    hindi = (
        await call_api(
            voice_client,
            caller,
            "/v3/voice/sendCode",
            {
                "appId": caller.apps["voice"],
                "callee": "919876540105",
                "text": "आपका कोड 4 2 है",
                "language": "HI",
                "speakingRate": 1.5,
            },
        )
    )["data"]
    records = {vid: await final_record(voice_client, caller, vid) for vid in (english, hindi)}
    for vid, record in records.items():
        assert (record["terminationCode"], record["terminationReason"], record["billPeriod"]) == (
            "200",
            "Completed",
            "60+60",
        ), vid
        assert record["callDuration"] >= 2 and record["chargedDuration"] == 60 and record["cost"] == "0.020000"
    assert records[english]["feedbackValue"] == "-1" and records[hindi]["feedbackValue"] == "5"
    callee = worker.trunks.callees[0]
    heard = {call.number: bytes(call.sink.audio) for call in callee.calls.values() if call.sink}
    tts = services.settings.data_dir / "tts"
    rendered = {p.read_bytes() for p in tts.glob("*.ul")}

    def played(audio: bytes) -> bool:  # a rendering, then at most one frame of silence padding
        return any(
            audio.startswith(r) and set(audio[len(r) :]) <= {0xFF} and len(audio) - len(r) < 160 for r in rendered
        )

    assert played(heard[IN]) and played(heard["919876540105"]) and heard[IN] != heard["919876540105"]
    loudness = [sum(abs(s) for s in g711.ulaw_to_pcm16(a)[::2]) for a in heard.values()]
    assert all(level > 0 for level in loudness)

    recorder = PushRecorder()
    sender = PushSender(services, poster=recorder)
    try:
        assert await sender.step() == 2
    finally:
        await sender.close()
    bodies = {json.loads(r.content)["voiceId"]: json.loads(r.content) for r in recorder.requests}
    assert (
        bodies[hindi]["feedbackValue"] == "5"
        and bodies[hindi]["type"] == 2
        and bodies[english]["terminationCode"] == "200"
    )
    assert all(str(r.url) == "http://receiver.test/calls" for r in recorder.requests)


async def test_a_group_call_charges_answered_callees_only(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services, worker: VoiceEngine, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "notice.wav", seconds=1.0)
    callees = [IN, "919876540486", "919876540404", "919876540099"]
    body = {"appId": caller.apps["voice"], "callee": ",".join(callees), "fileId": file_id, "loopCount": 3}
    rows = (await call_api(voice_client, caller, "/v3/voice/sendGroup", body))["data"]
    records = [await final_record(voice_client, caller, r["voiceId"]) for r in rows]
    assert [(r["terminationCode"], r["terminationReason"]) for r in records] == [
        ("200", "Completed"),
        ("486", "Busy"),
        ("404", "Number does not exist"),
        ("200", "Callee hung up"),
    ]
    assert [r["cost"] for r in records] == ["0.020000", "0.000000", "0.000000", "0.020000"]
    assert records[0]["voiceFileId"] == file_id and 4 <= records[0]["callDuration"] <= 5
    assert records[1]["ringingTime"] and not records[1]["answerTime"]
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, caller.new.account.id)
        assert account is not None and await tenants.ledger_totals(conn, account.id) == (account.balance, account.gift)
    assert account.balance == 100_000_000 - 40_000
    callee = worker.trunks.callees[0]
    played = next(c for c in callee.calls.values() if c.number == IN)
    assert played.rtp_packets == 150  # 1 s x 3 loops in 20 ms packets


async def test_a_configured_simulated_trunk_with_digest_and_its_own_scenario(services: Services) -> None:
    from switchboard.services.voice import TrunkInput, VoiceAdmin

    scenario = {"default": {"ring": 0.1}, "prefixes": {"91": {"status": 603}}}
    await VoiceAdmin(services).add_trunk(
        TrunkInput("lab", type="simulated", username="u", password="p", config=scenario)
    )
    trunk_set = TrunkSet(services)
    await trunk_set.start()
    try:
        assert list(trunk_set.slots) == ["lab"]
        from switchboard.connectors.voice.base import CallRequest

        slot = trunk_set.slots["lab"]
        declined = await slot.trunk.place(CallRequest("1", IN, None, b"\xff" * 800, 1, 5, None), asyncio.Event())
        answered = await slot.trunk.place(
            CallRequest("2", "12025550123", None, b"\xff" * 800, 1, 5, None), asyncio.Event()
        )
        assert (declined.code, answered.code) == (603, 200)
    finally:
        await trunk_set.stop()
