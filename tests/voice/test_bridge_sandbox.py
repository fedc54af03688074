"""The sandbox: the `sip` and `voice` worker roles in one process (as `serve` runs them), no trunk configured.
A sendSip call rings baresip registered to the roles' SIP port and the built-in simulated callee answers the
callee leg; baresip hanging up ends the call, billed and recorded."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest

from switchboard.services.context import Services
from switchboard.workers.sip import run_sip
from switchboard.workers.voice import run_voice
from tests.conftest import Caller
from tests.voice.bridge_peers import baresip_phone
from tests.voice.sipp import free_udp_port
from tests.voice.test_bridge_peers import app_phone, registered, send_sip
from tests.voice.test_engine import call_row

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(90)]


async def test_send_sip_in_the_sandbox_rings_baresip_and_the_simulated_callee(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await app_phone(services, caller)
    services.settings.sip_host, services.settings.sip_port = "127.0.0.1", free_udp_port()
    stop = asyncio.Event()
    roles = [asyncio.create_task(run_sip(services, stop)), asyncio.create_task(run_voice(services, stop))]
    try:
        deadline = time.monotonic() + 10
        while "sip_server" not in services.caches and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        address = services.caches["sip_server"].address
        async with baresip_phone(tmp_path / "phone", account, password, address) as phone:
            await registered(services, account)
            voice_id = await send_sip(services, caller, account)
            deadline = time.monotonic() + 20
            while (await call_row(services, voice_id))["status"] != "calling" and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(4.0)  # the phone answers, the simulated callee answers after its 1 s of ringing
            await phone.hang_up()
            deadline = time.monotonic() + 20
            while (row := await call_row(services, voice_id))["status"] != "done" and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        for task in roles:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 15)
    assert (row["termination_code"], row["termination_reason"], row["trunk"]) == ("200", "Caller hung up", "sandbox")
    assert row["cost"] == 20_000 and row["recording_file_id"]
