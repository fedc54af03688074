"""Inbound calls: SIPp plays a carrier sending an INVITE from a trunk's address to a number assigned to a voice
app; the app's registered phone (baresip) rings, answers and is bridged; the call is recorded and its record
pushed. Unknown sources, unassigned numbers and apps without registered phones are refused."""

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
from switchboard.services.voice import TrunkInput, VoiceAdmin
from switchboard.store import inbound as numbers
from switchboard.store.tables import pushes
from switchboard.store.voice_tables import voice_calls
from tests.conftest import Caller
from tests.voice.bridge_peers import PLAY, baresip_phone, has_tone, recording_samples, tone_file
from tests.voice.registrar_peers import sip_port
from tests.voice.sipp import SDP, free_media_port, free_udp_port, require_sipp, scenario
from tests.voice.test_bridge_peers import app_phone, registered

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
NUMBER = "442071838750"


def invite(number: str) -> str:
    return (
        '<send retrans="500"><![CDATA[\n'
        f"INVITE sip:{number}@[remote_ip]:[remote_port] SIP/2.0\n"
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
        "From: <sip:919876543210@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]\n"
        f"To: <sip:{number}@[remote_ip]:[remote_port]>\n"
        "Call-ID: [call_id]\nCSeq: 1 INVITE\nContact: <sip:919876543210@[local_ip]:[local_port]>\n"
        "Max-Forwards: 70\nContent-Type: application/sdp\nContent-Length: [len]\n\n"
        f"{SDP}]]></send>\n"
    )


def in_dialog(method: str, cseq: int) -> str:
    retrans = ' retrans="500"' if method == "BYE" else ""
    return (
        f"<send{retrans}><![CDATA[\n"
        f"{method} [next_url] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
        "From: <sip:919876543210@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]\n"
        f"To: <sip:{NUMBER}@[remote_ip]:[remote_port]>[peer_tag_param]\n"
        f"Call-ID: [call_id]\nCSeq: {cseq} {method}\nMax-Forwards: 70\nContent-Length: 0\n\n]]></send>\n"
    )


CARRIER_CALLS = (
    invite(NUMBER)
    + '<recv response="100" optional="true"/>\n<recv response="180" optional="true"/>\n'
    + '<recv response="200" rrs="true"/>\n'
    + in_dialog("ACK", 1)
    + PLAY
    + '<pause milliseconds="3000"/>\n'
    + in_dialog("BYE", 2)
    + '<recv response="200"/>\n'
)
REFUSED = invite(NUMBER) + '<recv response="100" optional="true"/>\n<recv response="{code}"/>\n' + in_dialog("ACK", 1)


async def run_carrier(folder: Path, body: str, target: tuple[str, int], port: int) -> None:
    require_sipp()
    (folder / "carrier.xml").write_text(scenario("carrier", body))
    command = ["sipp", f"{target[0]}:{target[1]}", "-sf", "carrier.xml", "-i", "127.0.0.1", "-p", str(port)]
    command += ["-mi", "127.0.0.1", "-mp", str(free_media_port()), "-m", "1", "-timeout", "40s", "-nostdin"]
    command += ["-trace_err"]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=folder,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    errors = "\n".join(p.read_text(errors="replace")[-1500:] for p in folder.glob("carrier_*_errors.log"))
    assert process.returncode == 0, f"SIPp failed: {err.decode(errors='replace')[-400:]}\n{errors}"


async def setup(services: Services, caller: Caller) -> tuple[str, str]:
    account, password = await app_phone(services, caller)
    await VoiceAdmin(services).add_trunk(TrunkInput(name="carrier", host="127.0.0.1", port=5999))
    async with services.db.write() as conn:
        await numbers.assign_number(conn, NUMBER, caller.apps["voice"], services.clock.now())
    await Tenancy(services).update_app(caller.apps["voice"], call_url="http://receiver.test/calls")
    return account, password


async def inbound_row(services: Services, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.db.read() as conn:
            row = (await conn.execute(sa.select(voice_calls).where(voice_calls.c.type == 5))).first()
        if row is not None and row.status == "done":
            return dict(row._mapping)
        await asyncio.sleep(0.1)
    raise AssertionError("no finished inbound call")


@pytest.mark.usefixtures("voice_rates")
async def test_a_carrier_call_to_an_assigned_number_rings_baresip_and_is_bridged_and_recorded(
    services: Services, caller: Caller, tmp_path: Path
) -> None:
    account, password = await setup(services, caller)
    (tmp_path / "carrier").mkdir()
    tone_file(tmp_path / "carrier")
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server).handle
        async with baresip_phone(tmp_path / "phone", account, password, address) as phone:
            await registered(services, account)
            await run_carrier(tmp_path / "carrier", CARRIER_CALLS, address, free_udp_port())
            row = await inbound_row(services)
    assert (row["termination_code"], row["termination_reason"]) == ("200", "Caller hung up"), phone.log[-2000:]
    assert (row["callee"], row["display_num"], row["cost"]) == ("919876543210", NUMBER, 0)
    assert (row["sip_group_name"], row["phone_name"]) == ("sales-desk", "front-desk")
    assert 2 <= row["call_duration"] <= 6
    samples = await asyncio.to_thread(recording_samples, Recordings(services).path(row["recording_file_id"]), tmp_path)
    assert has_tone(samples, 440) and has_tone(samples, 1000)
    async with services.db.read() as conn:
        (push,) = (await conn.execute(sa.select(pushes))).all()
    body = json.loads(push.body)
    assert (body["type"], body["terminationCode"], body["voiceFileId"]) == (5, "200", row["recording_file_id"])


@pytest.mark.parametrize(
    ("trunk", "assigned", "registered_phone", "code"),
    [
        pytest.param(False, True, False, "403", id="unknown-source"),
        pytest.param(True, False, False, "404", id="unassigned-number"),
        pytest.param(True, True, False, "480", id="no-phone-registered"),
    ],
)
async def test_refused_inbound_calls(
    services: Services, caller: Caller, tmp_path: Path, trunk: bool, assigned: bool, registered_phone: bool, code: str
) -> None:
    await app_phone(services, caller)
    if trunk:
        await VoiceAdmin(services).add_trunk(TrunkInput(name="carrier", host="127.0.0.1", port=5999))
    if assigned:
        async with services.db.write() as conn:
            await numbers.assign_number(conn, NUMBER, caller.apps["voice"], services.clock.now())
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server).handle
        await run_carrier(tmp_path, REFUSED.replace("{code}", code), address, free_udp_port())
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(voice_calls))).first() is None
