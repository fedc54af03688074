"""sendSip calls that must not connect: refused at once (another app's phone, bad input, no rate), an
unregistered phone (a record saying so), a phone that does not answer, and a callee that is busy, does not
answer or sits behind an unreachable trunk. Nothing is billed, the money adds up, nothing is left running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.workers.voice import TrunkSet, VoiceEngine
from tests.conftest import Caller
from tests.fakes.voice_trunk import FakeTrunk
from tests.voice.bridge_peers import baresip_phone
from tests.voice.conftest import call_api
from tests.voice.registrar_peers import make_phones, sip_port
from tests.voice.sipp import free_udp_port, sipp
from tests.voice.test_bridge_peers import app_phone, engine_to, registered, send_sip, until_done
from tests.voice.test_engine import money

pytestmark = [pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(120)]


async def quick(services: Services, caller: Caller, **options: Any) -> None:
    await Tenancy(services).update_app(caller.apps["voice"], options={"sip_ringing": 2, **options})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"callee": "12"}, "-22", id="callee-too-short"),
        pytest.param({"displayNum": "12ab"}, "-22", id="bad-display-number"),
        pytest.param({"calledInfo": "x" * 1001}, "-22", id="called-info-too-long"),
        pytest.param({"account": None}, "-22", id="no-account"),
        pytest.param({"account": "0000000000"}, "-22", id="unknown-phone"),
        pytest.param({"callee": "33612345678"}, "-26", id="no-rate-for-france"),
    ],
)
async def test_refused_requests_change_nothing(
    services: Services, caller: Caller, voice_client: Any, body: dict[str, Any], code: str
) -> None:
    account, _ = await app_phone(services, caller)
    before = await money(services, caller.new.account.id)
    request = {"appId": caller.apps["voice"], "callee": "919876543210", "account": account, **body}
    answer = await call_api(voice_client, caller, "/v3/voice/sendSip", {k: v for k, v in request.items() if v})
    assert answer["status"] == code, answer
    assert await money(services, caller.new.account.id) == before


async def test_another_accounts_phone_is_refused(services: Services, caller: Caller, voice_client: Any) -> None:
    ((foreign, _),) = await make_phones(services, name="other")
    before = await money(services, caller.new.account.id)
    body = {"appId": caller.apps["voice"], "callee": "919876543210", "account": foreign}
    answer = await call_api(voice_client, caller, "/v3/voice/sendSip", body)
    assert answer["status"] == "-22"
    assert await money(services, caller.new.account.id) == before


async def test_an_unregistered_phone_ends_with_a_record_saying_so_and_nothing_billed(
    services: Services, caller: Caller, voice_client: Any
) -> None:
    account, _ = await app_phone(services, caller)
    before = await money(services, caller.new.account.id)
    body = {"appId": caller.apps["voice"], "callee": "919876543210", "account": account}
    answer = await call_api(voice_client, caller, "/v3/voice/sendSip", body)
    assert answer["status"] == "0"
    voice_id = answer["data"]
    trunk = FakeTrunk("fake")
    trunk_set = TrunkSet(services, {"fake": (trunk, 100, 10)})
    await trunk_set.start()
    engine = VoiceEngine(services, trunk_set)
    async with sip_port(services) as (_address, _registrar, server):
        services.caches["sip_server"] = server
        row = await until_done(engine, services, voice_id)
    assert (row["termination_code"], row["termination_reason"]) == ("480", "The phone is not registered")
    assert row["cost"] == 0 and trunk.placed == []
    assert await money(services, caller.new.account.id) == before
    record = await call_api(voice_client, caller, f"/v3/voice/recordSip/{voice_id}")
    assert record["data"]["terminationCode"] == "480" and record["data"]["recordingFileId"] == ""
    assert (record["data"]["sipGroupName"], record["data"]["phoneName"]) == ("sales-desk", "front-desk")
    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-30T00:00:00+00:00"}
    for names, found in (({"phoneName": "front-desk"}, 1), ({"sipGroupName": "other"}, 0), ({}, 1)):
        page = await call_api(
            voice_client, caller, "/v3/voice/recordSipQuery", {"current": 1, "size": 10, "params": {**window, **names}}
        )
        assert page["data"]["total"] == found, (names, page)
    group = await call_api(voice_client, caller, "/v3/voice/recordGroupQuery", {"params": window})
    assert group["data"]["total"] == 0  # a sendSip call is not a voice-message record


async def test_without_a_sip_port_in_the_process_bridged_calls_wait(services: Services, caller: Caller) -> None:
    account, _ = await app_phone(services, caller)
    voice_id = await send_sip(services, caller, account)
    trunk_set = TrunkSet(services, {"fake": (FakeTrunk("fake"), 100, 10)})
    await trunk_set.start()
    engine = VoiceEngine(services, trunk_set)
    assert await engine.step() == 0  # only a process serving the sip role takes them
    assert voice_id


@pytest.mark.integration
async def test_a_phone_that_does_not_answer_is_cancelled_and_the_callee_never_dialled(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await app_phone(services, caller)
    await quick(services, caller)
    before = await money(services, caller.new.account.id)
    trunk = FakeTrunk("fake")
    trunk_set = TrunkSet(services, {"fake": (trunk, 100, 10)})
    await trunk_set.start()
    engine = VoiceEngine(services, trunk_set)
    async with sip_port(services) as (address, _registrar, server):
        services.caches["sip_server"] = server
        async with baresip_phone(tmp_path / "phone", account, password, address, answer="manual") as phone:
            await registered(services, account)
            voice_id = await send_sip(services, caller, account)
            started = time.monotonic()
            row = await until_done(engine, services, voice_id)
            assert 1.9 <= time.monotonic() - started <= 8
    assert (row["termination_code"], row["termination_reason"]) == ("480", "Phone: No answer"), phone.log[-2000:]
    assert row["sip_code"] == "487" and row["cost"] == 0 and trunk.placed == []
    assert await money(services, caller.new.account.id) == before


@pytest.mark.integration
@pytest.mark.parametrize(
    ("scenario", "code", "reason"),
    [
        pytest.param("busy", "486", "Busy", id="callee-busy"),
        pytest.param("ring_then_cancel", "480", "No answer", id="callee-no-answer"),
        pytest.param(None, "408", "No response from the trunk", id="trunk-unreachable"),
    ],
)
async def test_a_callee_that_does_not_connect_hangs_up_the_phone_and_bills_nothing(
    services: Services, caller: Caller, tmp_path: Path, scenario: str | None, code: str, reason: str
) -> None:
    account, password = await app_phone(services, caller)
    await quick(services, caller)
    before = await money(services, caller.new.account.id)
    async with sip_port(services) as (address, _registrar, server):
        services.caches["sip_server"] = server
        async with baresip_phone(tmp_path / "phone", account, password, address) as phone:
            await registered(services, account)
            if scenario is None:
                engine = await engine_to(services, free_udp_port())  # nothing listens there
                row = await until_done(engine, services, await send_sip(services, caller, account))
            else:
                async with sipp(scenario, tmp_path, echo=False) as port:
                    engine = await engine_to(services, port)
                    row = await until_done(engine, services, await send_sip(services, caller, account))
            await engine.trunks.stop()
            await asyncio.sleep(0.5)
            assert "BYE sip:" in phone.log  # the answered phone was hung up
    assert (row["termination_code"], row["termination_reason"]) == (code, reason)
    assert row["cost"] == 0 and row["recording_file_id"] is None and not engine.active
    assert await money(services, caller.new.account.id) == before
    assert not list((services.settings.data_dir / "recordings").glob("*"))
