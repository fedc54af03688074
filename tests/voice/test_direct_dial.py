"""A phone's own call (direct dial, type 4): baresip dials a number through the platform's SIP port, answers our
407 with its credentials, SIPp plays the callee; the call is bridged, recorded, billed to the phone's app and
pushed with type 4. A wrong number or an unpriced destination is refused without billing."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.inbound_calls import InboundCalls
from switchboard.services.recordings import Recordings
from switchboard.services.tenancy import Tenancy
from switchboard.store.tables import pushes
from switchboard.store.voice_tables import voice_calls
from tests.conftest import Caller
from tests.voice.bridge_peers import baresip_phone, has_tone, recording_samples, tone_file
from tests.voice.conftest import IN
from tests.voice.registrar_peers import sip_port
from tests.voice.sipp import sipp
from tests.voice.test_bridge_peers import app_phone, engine_to, registered
from tests.voice.test_engine import money

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(120)]


async def direct_row(services: Services, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.db.read() as conn:
            row = (await conn.execute(sa.select(voice_calls).where(voice_calls.c.type == 4))).first()
        if row is not None and row.status == "done":
            return dict(row._mapping)
        await asyncio.sleep(0.1)
    raise AssertionError("no finished direct call")


async def test_baresip_dials_out_through_the_platform_and_is_bridged_billed_and_recorded(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await app_phone(services, caller)
    await Tenancy(services).update_app(caller.apps["voice"], call_url="http://receiver.test/calls")
    before = await money(services, caller.new.account.id)
    (tmp_path / "sipp").mkdir()
    tone_file(tmp_path / "sipp")
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server, registrar).handle
        async with sipp("tone_until_bye", tmp_path / "sipp", echo=False, timeout=40) as port:
            engine = await engine_to(services, port)
            services.caches["voice_engine"] = engine
            async with baresip_phone(tmp_path / "phone", account, password, address, dial=IN) as phone:
                await registered(services, account)
                await asyncio.sleep(5.0)  # the callee answers (SIPp at once), then about 4 s of talk
                await phone.hang_up()
                row = await direct_row(services)
            await engine.trunks.stop()
    assert (row["termination_code"], row["termination_reason"]) == ("200", "Caller hung up"), phone.log[-3000:]
    assert (row["callee"], row["display_num"], row["type"]) == (IN, "441234567890", 4)
    assert (row["sip_group_name"], row["phone_name"]) == ("sales-desk", "front-desk")
    assert 1 <= row["call_duration"] <= 8 and (row["charged_duration"], row["cost"]) == (60, 20_000)
    after = await money(services, caller.new.account.id)
    assert before[0] + before[1] - after[0] - after[1] == 20_000
    samples = await asyncio.to_thread(recording_samples, Recordings(services).path(row["recording_file_id"]), tmp_path)
    assert has_tone(samples, 440) and has_tone(samples, 1000)
    async with services.db.read() as conn:
        (push,) = (await conn.execute(sa.select(pushes))).all()
    assert json.loads(push.body)["type"] == 4


@pytest.mark.parametrize(
    ("number", "status"),
    [pytest.param("12", "484", id="not-a-number"), pytest.param("33612345678", "403", id="no-rate")],
)
async def test_refused_direct_calls_bill_nothing(
    services: Services, caller: Caller, tmp_path: Path, number: str, status: str
) -> None:
    account, password = await app_phone(services, caller)
    before = await money(services, caller.new.account.id)
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server, registrar).handle
        engine = await engine_to(services, 9)  # never reached
        services.caches["voice_engine"] = engine
        async with baresip_phone(tmp_path / "phone", account, password, address, dial=number) as phone:
            await registered(services, account)
            deadline = time.monotonic() + 15
            while f"SIP/2.0 {status}" not in phone.log and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert f"SIP/2.0 {status}" in phone.log, phone.log[-3000:]
        await engine.trunks.stop()
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(voice_calls))).first() is None
    assert await money(services, caller.new.account.id) == before
