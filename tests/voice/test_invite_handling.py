"""INVITEs to the platform's SIP port from a scripted UDP peer: a phone's INVITE without credentials is challenged
(407), a wrong password refused (403), requests outside any call answered 481, and a carrier's INVITE with an
unusable SDP refused (488) with a record of the attempt; nothing crashes, nothing is billed."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.domain.voice.sip import SipMessage, parse
from switchboard.services.context import Services
from switchboard.services.inbound_calls import InboundCalls
from switchboard.services.voice import TrunkInput, VoiceAdmin
from switchboard.store import inbound as numbers
from switchboard.store import phones as phone_store
from switchboard.store.voice_tables import voice_calls
from tests.conftest import Caller
from tests.voice.registrar_peers import sip_port
from tests.voice.test_bridge_peers import app_phone

pytestmark = pytest.mark.timeout(30)


def message(method: str, *, body: bytes = b"", extra: str = "", user: str = "919876543210") -> bytes:
    head = (
        f"{method} sip:{user}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{method}1;rport\r\n"
        "From: <sip:PHONE@127.0.0.1>;tag=a1\r\nTo: <sip:919876543210@127.0.0.1>\r\nCall-ID: hostile-1\r\n"
        f"CSeq: 1 {method}\r\nContact: <sip:x@127.0.0.1:9>\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(address: tuple[str, int], data: bytes, statuses: int = 1) -> list[SipMessage]:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        await loop.sock_sendto(sock, data, address)
        answers = []
        for _ in range(statuses):
            raw = await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)
            answers.append(parse(raw))
        return answers


async def finished_call(services: Services, timeout: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with services.db.read() as conn:
            row = (await conn.execute(sa.select(voice_calls))).first()
        if (row is not None and row.status == "done") or asyncio.get_running_loop().time() > deadline:
            return row
        await asyncio.sleep(0.05)


async def test_a_phones_invite_is_challenged_then_a_wrong_password_refused(services: Services, caller: Caller) -> None:
    account, _ = await app_phone(services, caller)
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server, registrar).handle
        trying, challenge = await exchange(address, message("INVITE").replace(b"PHONE", account.encode()), 2)
        assert (trying.status, challenge.status) == (100, 407)
        header = challenge.get("proxy-authenticate") or ""
        assert header.startswith("Digest ") and 'qop="auth"' in header
        nonce = header.split('nonce="')[1].split('"')[0]
        forged = (
            f'Proxy-Authorization: Digest username="{account}", realm="switchboard.test", nonce="{nonce}", '
            f'uri="sip:919876543210@127.0.0.1", response="{"0" * 32}", qop=auth, nc=00000001, cnonce="c"\r\n'
        )
        data = message("INVITE", extra=forged).replace(b"PHONE", account.encode()).replace(b"CSeq: 1", b"CSeq: 2")
        _, refused = await exchange(address, data, 2)
        assert refused.status == 403
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(voice_calls))).first() is None


async def test_requests_outside_any_call_get_481(services: Services) -> None:
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server, registrar).handle
        for method in ("BYE", "CANCEL", "INFO"):
            (answer,) = await exchange(address, message(method))
            assert answer.status == 481, method


async def test_a_carrier_invite_with_an_unusable_sdp_is_refused_488_and_recorded(
    services: Services, caller: Caller
) -> None:
    account, _ = await app_phone(services, caller)
    await VoiceAdmin(services).add_trunk(TrunkInput(name="carrier", host="127.0.0.1", port=5999))
    now = services.clock.now()
    async with services.db.write() as conn:
        await numbers.assign_number(conn, "442071838750", caller.apps["voice"], now)
        phone = await phone_store.get_phone(conn, account)
        assert phone is not None
        await phone_store.upsert_registration(
            conn,
            phone_id=phone.id,
            contact=f"sip:{account}@127.0.0.1:9",
            source="127.0.0.1:9",
            transport="udp",
            user_agent=None,
            call_id="r1",
            cseq=1,
            registered_at=now,
            expires_at=now + timedelta(seconds=600),
        )
    async with sip_port(services) as (address, registrar, server):
        registrar.other = InboundCalls(services, server, registrar).handle
        data = message("INVITE", body=b"v=0\r\nm=video 9 RTP/AVP 96\r\n", user="442071838750")
        trying, refused = await exchange(address, data.replace(b"PHONE", b"919876543210"), 2)
        assert (trying.status, refused.status) == (100, 488)
        row = await finished_call(services)  # the record is written just after the answer
    assert (row.type, row.termination_code, row.cost, row.status) == (5, "488", 0, "done")
