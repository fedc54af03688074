"""sendSip with SIPp as the phone (digest REGISTER to our registrar, calls answered by its out-of-call scenario):
RFC 4733 key presses cross the bridge both ways, and a busy phone ends the call before the callee is dialled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from switchboard.services.context import Services
from switchboard.workers.voice import TrunkSet, VoiceEngine
from tests.conftest import Caller
from tests.fakes.voice_trunk import FakeTrunk
from tests.voice.registrar_peers import sip_port
from tests.voice.sipp import sipp
from tests.voice.sipp_phone import BUSY, EVENT, answering_with_dtmf, callee_with_media, media_peer, sipp_phone
from tests.voice.test_bridge_peers import answered, app_phone, engine_to, registered, send_sip, until_done
from tests.voice.test_engine import money

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(60)]
CALLEE_SSRC = 0x5EED


async def test_rfc4733_key_presses_cross_a_bridged_call_both_ways(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    """The phone's "5" (SIPp's pcap) reaches the callee's media as telephone-events; the callee's "9" reaches the
    phone, which echoes it (SIPp -rtp_echo), so it comes back to the callee through the relay twice."""
    account, password = await app_phone(services, caller)
    async with sip_port(services) as (address, _registrar, server), media_peer() as callee_media:
        services.caches["sip_server"] = server
        phone_answers = answering_with_dtmf("dtmf_2833_5.pcap", wait=1500)
        async with sipp_phone(tmp_path / "phone", account, password, address, answers=phone_answers) as phone:
            await registered(services, account)
            body = callee_with_media(callee_media.port, talk=4000)
            (tmp_path / "callee").mkdir()
            async with sipp("callee_media", tmp_path / "callee", echo=False, body=body) as port:
                engine = await engine_to(services, port)
                voice_id = await send_sip(services, caller, account)
                await answered(services, voice_id, engine)
                while "5" not in callee_media.digits():  # the phone's key arrived: bridged
                    await asyncio.wait_for(callee_media.first.wait(), 10)
                    await engine.step()
                    await asyncio.sleep(0.05)
                callee_media.press("9", ssrc=CALLEE_SSRC)
                row = await until_done(engine, services, voice_id, timeout=20)
                await engine.trunks.stop()
    events = [p for p in callee_media.received if p.payload_type == EVENT]
    assert callee_media.digits().startswith("5"), phone.errors
    assert len([p for p in events if p.ssrc != CALLEE_SSRC]) >= 8  # the pcap's 10 packets, nearly all
    assert callee_media.digits(ssrc=CALLEE_SSRC) == "9", phone.errors  # there and back through the phone
    assert (row["termination_code"], row["termination_reason"]) == ("200", "Callee hung up")


async def test_a_busy_phone_ends_the_call_unbilled_and_the_callee_is_never_dialled(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await app_phone(services, caller)
    before = await money(services, caller.new.account.id)
    trunk = FakeTrunk("fake")
    trunk_set = TrunkSet(services, {"fake": (trunk, 100, 10)})
    await trunk_set.start()
    engine = VoiceEngine(services, trunk_set)
    async with sip_port(services) as (address, _registrar, server):
        services.caches["sip_server"] = server
        async with sipp_phone(tmp_path / "phone", account, password, address, answers=BUSY) as phone:
            await registered(services, account)
            row = await until_done(engine, services, await send_sip(services, caller, account), timeout=15)
    assert (row["termination_code"], row["termination_reason"], row["sip_code"]) == ("486", "Phone: Busy", "486"), (
        row,
        phone.errors,
    )
    assert row["cost"] == 0 and row["answer_at"] is None and row["recording_file_id"] is None
    assert trunk.placed == [] and not engine.active
    assert await money(services, caller.new.account.id) == before
