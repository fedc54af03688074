"""sendSip end to end with peers we did not write: baresip is the phone (digest REGISTER, auto-answer, a 440 Hz
sine), SIPp the carrier and callee (a 1000 Hz tone). Audio crosses both ways, either side's BYE ends both legs,
and the record, the money and the recording are right."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.domain.voice.phones import SipAddRequest
from switchboard.services import sip_calls
from switchboard.services.context import Services
from switchboard.services.phones import PhoneService
from switchboard.services.recordings import Recordings
from switchboard.services.voice import VoiceService
from switchboard.store import phones as phone_store
from switchboard.store import tenants
from switchboard.workers.voice import TrunkSet, VoiceEngine
from tests.conftest import Caller
from tests.voice.bridge_peers import baresip_phone, has_tone, recording_samples, tone_file, wav_samples
from tests.voice.conftest import IN
from tests.voice.registrar_peers import sip_port
from tests.voice.sipp import sipp
from tests.voice.test_engine import call_row, money, principal_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(120)]


async def app_phone(services: Services, caller: Caller) -> tuple[str, str]:
    async with services.db.read() as conn:
        app = await tenants.get_app(conn, caller.apps["voice"])
    assert app is not None
    await PhoneService(services).add(app, SipAddRequest("sales-desk", "front-desk", 1, "441234567890"))
    async with services.db.read() as conn:
        (phone,) = await phone_store.list_phones(conn, app_id=app.app_id)
    return phone.account, services.secrets.open(phone.password_enc)


async def registered(services: Services, account: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.db.read() as conn:
            phone = await phone_store.get_phone(conn, account)
            assert phone is not None
            if await phone_store.registrations(conn, [phone.id], now=services.clock.now()):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the phone did not register")


async def engine_to(services: Services, port: int) -> VoiceEngine:
    trunk = SipTrunk(SipTrunkConfig(name="sipp", host="127.0.0.1", port=port, local_host="127.0.0.1", linger=0.2))
    trunk_set = TrunkSet(services, {"sipp": (trunk, 100, 10)})
    await trunk_set.start()
    return VoiceEngine(services, trunk_set)


async def until_done(engine: VoiceEngine, services: Services, voice_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await engine.step()
        row = await call_row(services, voice_id)
        if row["status"] == "done" and not engine.active:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the call did not end")


async def answered(services: Services, voice_id: str, engine: VoiceEngine, timeout: float = 30.0) -> None:
    """Step the engine until the bridged call is in progress and a few seconds of talk passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await engine.step()
        if engine.active:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the call did not start")


async def send_sip(services: Services, caller: Caller, account: str, **params: Any) -> str:
    principal = await principal_of(services, caller)
    return await sip_calls.send_sip(VoiceService(services), principal, {"callee": IN, "account": account, **params})


@pytest.mark.parametrize(
    "hangs_up", [pytest.param("callee", id="callee-hangs-up"), pytest.param("phone", id="phone-hangs-up")]
)
async def test_send_sip_rings_baresip_then_the_sipp_callee_and_bridges_them(
    services: Services, caller: Caller, tmp_path: Path, hangs_up: str
) -> None:
    account, password = await app_phone(services, caller)
    before = await money(services, caller.new.account.id)
    scenario = "tone_then_bye" if hangs_up == "callee" else "tone_until_bye"
    (tmp_path / "sipp").mkdir()
    tone_file(tmp_path / "sipp")
    async with sip_port(services) as (address, _registrar, server):
        services.caches["sip_server"] = server
        async with baresip_phone(tmp_path / "phone", account, password, address) as phone:
            await registered(services, account)
            async with sipp(scenario, tmp_path / "sipp", echo=False, timeout=40) as port:
                engine = await engine_to(services, port)
                voice_id = await send_sip(services, caller, account, calledInfo="order 42")
                await answered(services, voice_id, engine)
                if hangs_up == "phone":
                    await asyncio.sleep(6.0)  # the phone answers, the callee answers, about 3 s of talk
                    await phone.hang_up()
                row = await until_done(engine, services, voice_id)
                await engine.trunks.stop()
    assert (row["termination_code"], row["type"]) == ("200", 3), (row, phone.log[-3000:])
    assert row["termination_reason"] == ("Callee hung up" if hangs_up == "callee" else "Caller hung up")
    assert (row["sip_group_name"], row["phone_name"]) == ("sales-desk", "front-desk")
    assert row["display_num"] == "441234567890"
    assert row["answer_at"] is not None and 1 <= row["call_duration"] <= 8
    assert (row["charged_duration"], row["cost"]) == (60, 20_000)  # one 60 s block at 0.02
    after = await money(services, caller.new.account.id)
    assert before[0] + before[1] - after[0] - after[1] == 20_000
    # The recording holds both parties: baresip's 440 Hz and SIPp's 1000 Hz.
    recording = Recordings(services).path(row["recording_file_id"])
    samples = await asyncio.to_thread(recording_samples, recording, tmp_path)
    assert has_tone(samples, 440) and has_tone(samples, 1000)
    # baresip heard SIPp's tone through the relay.
    heard, rate = wav_samples(phone.heard)
    assert has_tone(heard, 1000, rate)


async def test_a_phone_that_dies_mid_call_is_hung_up_by_the_rtp_timeout(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await app_phone(services, caller)
    services.settings.sip_rtp_timeout = 2.0
    (tmp_path / "sipp").mkdir()
    tone_file(tmp_path / "sipp")
    async with sip_port(services) as (address, _registrar, server):
        services.caches["sip_server"] = server
        async with baresip_phone(tmp_path / "phone", account, password, address) as phone:
            await registered(services, account)
            async with sipp("tone_until_bye", tmp_path / "sipp", echo=False, timeout=60) as port:
                engine = await engine_to(services, port)
                voice_id = await send_sip(services, caller, account)
                await answered(services, voice_id, engine)
                await asyncio.sleep(4.0)  # bridged and talking
                assert phone.process is not None
                phone.process.kill()  # no BYE: its RTP just stops
                killed = time.monotonic()
                row = await until_done(engine, services, voice_id, timeout=80)
                await engine.trunks.stop()
    assert (row["termination_code"], row["termination_reason"]) == ("200", "RTP timeout")
    # The callee leg ended about 2 s after the phone's RTP stopped (its BYE to SIPp); billing stops there.
    assert row["hangup_at"] is not None and row["answer_at"] is not None
    # The dead phone's BYE is sent once and not awaited: the record is final seconds after, not 32 s.
    assert row["call_duration"] <= 4 + 2 + 3 and time.monotonic() - killed < 15
    assert row["cost"] == 20_000
