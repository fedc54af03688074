"""Hostile requests to the platform's SIP port on the new INVITE paths (a phone dialling out, a carrier calling in):
malformed INVITEs, re-INVITEs, CANCEL/BYE/ACK of dialogs that do not exist, huge headers and bad SDP, from a phone's
address and from a trunk's. Every request that is answered gets 100 or a 4xx, never a crash; the dialogs and
requests in progress stay bounded and drain; a real REGISTER (SIPp) still succeeds afterwards."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.connectors.voice.sip_server import MAX_PENDING, SipServer
from switchboard.domain.voice.registrar import FailureGuard, expected_response, parse_credentials
from switchboard.domain.voice.sip import SipMessage, parse
from switchboard.services.context import Services
from switchboard.services.inbound_calls import InboundCalls
from switchboard.services.voice import TrunkInput, VoiceAdmin
from switchboard.store import inbound as numbers
from switchboard.store import phones as phone_store
from switchboard.store.voice_tables import voice_calls
from tests.conftest import Caller
from tests.voice.conftest import IN
from tests.voice.registrar_peers import Address, register_scenario, run_sipp_client, sip_port
from tests.voice.sipp import free_udp_port
from tests.voice.test_bridge_peers import app_phone, engine_to

pytestmark = pytest.mark.timeout(90)
PHONE, TRUNK = "127.0.0.1", "127.0.0.2"  # a phone's address; the trunk's (loopback answers on all of 127/8)
NUMBER = "442071838750"  # assigned to the app
GOOD_SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
BAD_SDPS = [
    "",
    "v=0\r\n",
    "v=0\r\nm=video 9 RTP/AVP 96\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 99999 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n",
    "v=0\r\nc=IN IP4 999.1.1.1\r\nm=audio 4000 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP6 ::1\r\nm=audio -1 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP " + " ".join(str(n) for n in range(9, 128)) + "\r\n",
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:x\r\na=fmtp:\r\n",
    "c=IN IP4 media.example.com\r\nm=audio 4000 RTP/AVP 0\r\n",
    "\u202e\xff" * 20,
]


@dataclass
class Port:
    address: Address
    server: SipServer
    calls: InboundCalls


@pytest.fixture
async def port(services: Services, caller: Caller) -> AsyncIterator[Port]:
    """The SIP port with the call handling on, a trunk at TRUNK, NUMBER assigned to an app with a phone that is
    not registered (so a carrier's INVITE is refused at once, never rings), no blocking of failed digests."""
    await app_phone(services, caller)
    await VoiceAdmin(services).add_trunk(TrunkInput(name="carrier", host=TRUNK, port=5999))
    async with services.db.write() as conn:
        await numbers.assign_number(conn, NUMBER, caller.apps["voice"], services.clock.now())
    async with sip_port(services, guard=FailureGuard(limit=10**9)) as (address, registrar, server):
        calls = InboundCalls(services, server, registrar)
        registrar.other = calls.handle
        yield Port(address, server, calls)


def build(method: str, uri: str, headers: list[tuple[str, str]], body: bytes, *, length: str | None = "auto") -> bytes:
    lines = [f"{method} {uri} SIP/2.0", *(f"{k}: {v}" for k, v in headers)]
    if length is not None:
        lines.append(f"Content-Length: {len(body) if length == 'auto' else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogatepass") + body


def basic(
    method: str, *, call_id: str = "fz-1", to: str = f"<sip:{NUMBER}@127.0.0.1>", cseq: int = 1
) -> list[tuple[str, str]]:
    return [
        ("Via", f"SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{call_id}{cseq};rport"),
        ("From", "<sip:919876543210@127.0.0.1>;tag=f1"),
        ("To", to),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
        ("Contact", "<sip:x@127.0.0.1:9>"),
        ("Max-Forwards", "70"),
    ]


async def exchange(target: Address, data: bytes, *, source: str, wait: float = 5.0) -> list[SipMessage]:
    """Send ``data`` then an OPTIONS probe from the same socket; answers read until the probe's 200 (whatever the
    port answered to ``data`` by then, which covers every answer given without a database round trip) and a
    short while after it."""
    loop = asyncio.get_running_loop()
    probe = build("OPTIONS", "sip:127.0.0.1", basic("OPTIONS", call_id="probe"), b"")
    answers: list[SipMessage] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.setblocking(False)
        if len(data) < 65000:
            await loop.sock_sendto(sock, data, target)
        await loop.sock_sendto(sock, probe, target)
        deadline, probed = loop.time() + wait, False
        while loop.time() < deadline:
            try:
                raw = await asyncio.wait_for(loop.sock_recv(sock, 65535), 0.05 if probed else deadline - loop.time())
            except TimeoutError:
                if probed:
                    break
                continue
            answer = parse(raw)
            if answer.call_id == "probe":
                probed = True
            else:
                answers.append(answer)
        assert probed, "the port stopped answering"
    return answers


def clear(answers: list[SipMessage]) -> None:
    for answer in answers:
        assert answer.status == 100 or 400 <= (answer.status or 0) < 500, answer.encode()[:300]


async def drained(server: SipServer, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (server._pending or server.dialogs) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    assert not server._pending and not server.dialogs, (len(server._pending), list(server.dialogs)[:5])


@pytest.mark.parametrize(
    ("source", "user", "method", "headers", "body", "expected"),
    [
        pytest.param(TRUNK, NUMBER, "INVITE", basic("INVITE", to=f"<sip:{NUMBER}@h>;tag=gone"), GOOD_SDP, [481], id="reinvite-of-no-dialog-from-trunk"),
        pytest.param(PHONE, NUMBER, "INVITE", basic("INVITE", to="<sip:919876543210@h>;tag=gone"), GOOD_SDP, [481], id="reinvite-of-no-dialog-from-phone"),
        pytest.param(TRUNK, NUMBER, "CANCEL", basic("CANCEL"), "", [481], id="cancel-of-no-call"),
        pytest.param(TRUNK, NUMBER, "BYE", basic("BYE", to=f"<sip:{NUMBER}@h>;tag=x"), "", [481], id="bye-of-no-dialog"),
        pytest.param(TRUNK, NUMBER, "ACK", basic("ACK", to=f"<sip:{NUMBER}@h>;tag=x"), "", [], id="ack-of-no-dialog-unanswered"),
        pytest.param(PHONE, NUMBER, "INVITE", basic("INVITE") + [("Subject", "x" * 12_000)], GOOD_SDP, [100, 407], id="huge-header-challenged"),
        pytest.param(PHONE, NUMBER, "INVITE", basic("INVITE") + [("Subject", "x" * 20_000)], GOOD_SDP, [], id="oversize-dropped"),
        pytest.param(PHONE, NUMBER, "INVITE", basic("INVITE") + [("Proxy-Authorization", 'Digest username="\u202e", nonce="a.b.c"')], GOOD_SDP, [100, 403], id="hostile-credentials"),
        pytest.param(TRUNK, NUMBER, "INVITE", basic("INVITE"), BAD_SDPS[2], [100, 480], id="unregistered-phones-480"),
        pytest.param(TRUNK, "4420000000", "INVITE", basic("INVITE"), GOOD_SDP, [100, 404], id="unassigned-number-404"),
    ],
)  # fmt: skip
async def test_hostile_requests_get_a_clear_answer(
    port: Port,
    services: Services,
    source: str,
    user: str,
    method: str,
    headers: list[tuple[str, str]],
    body: str,
    expected: list[int],
) -> None:
    answers = await exchange(
        port.address, build(method, f"sip:{user}@127.0.0.1", headers, body.encode()), source=source
    )
    assert [a.status for a in answers] == expected
    await drained(port.server)
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(voice_calls))).first() is None  # nothing was rung, nothing recorded


async def test_a_carriers_invite_with_bad_sdp_leaves_no_dialog_behind(
    port: Port, services: Services, caller: Caller
) -> None:
    """488 for each, and once ACKed the call's dialog entry goes (it used to stay in the port's map forever)."""
    await register_unreachable_phone(services, caller)
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((TRUNK, 0))
        sock.setblocking(False)
        for n, sdp_text in enumerate(BAD_SDPS):
            call_id = f"bad-sdp-{n}"
            data = build("INVITE", f"sip:{NUMBER}@127.0.0.1", basic("INVITE", call_id=call_id), sdp_text.encode())
            await loop.sock_sendto(sock, data, port.address)
            statuses = []
            while not statuses or statuses[-1] < 200:
                answer = parse(await asyncio.wait_for(loop.sock_recv(sock, 65535), 5))
                statuses.append(answer.status or 0)
            assert statuses[-1] == 488, (n, statuses)
            ack = basic("ACK", call_id=call_id)
            ack[2] = ("To", answer.get("to") or "")
            await loop.sock_sendto(sock, build("ACK", f"sip:{NUMBER}@127.0.0.1", ack, b""), port.address)
    assert len(port.server.dialogs) <= len(BAD_SDPS)
    await drained(port.server)  # each leg lingers 4 s for retransmissions, then goes


@pytest.mark.usefixtures("voice_rates")
async def test_a_phones_authenticated_invite_with_bad_sdp_leaves_no_dialog_behind(
    port: Port, services: Services, caller: Caller
) -> None:
    """The same on the direct-dial path: the phone passes the digest, its SDP is refused 488, nothing is dialled."""
    account, password = await phone_credentials(services, caller)
    engine = services.caches["voice_engine"] = await engine_to(services, free_udp_port())  # never reached
    try:
        await send_bad_sdps_as_the_phone(port, account, password)
    finally:
        await engine.trunks.stop()
    await drained(port.server)
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(voice_calls))).all()
    assert all(r.termination_code == "488" and r.cost == 0 for r in rows)


async def send_bad_sdps_as_the_phone(port: Port, account: str, password: str) -> None:
    """Each bad SDP in an INVITE of the phone: 407, then with its credentials 488; both ACKed."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((PHONE, 0))
        sock.setblocking(False)
        for n, sdp_text in enumerate(BAD_SDPS[:4]):
            call_id = f"phone-bad-sdp-{n}"
            headers = basic("INVITE", call_id=call_id, to=f"<sip:{IN}@127.0.0.1>")
            headers[1] = ("From", f"<sip:{account}@127.0.0.1>;tag=f1")
            uri = f"sip:{IN}@127.0.0.1"
            await loop.sock_sendto(sock, build("INVITE", uri, headers, sdp_text.encode()), port.address)
            challenge = await final(sock)
            assert challenge.status == 407
            await loop.sock_sendto(sock, build("ACK", uri, acked(headers, challenge), b""), port.address)
            header = digest(challenge.get("proxy-authenticate") or "", account, password, uri)
            headers[4] = ("CSeq", "2 INVITE")
            invite = build("INVITE", uri, [*headers, ("Proxy-Authorization", header)], sdp_text.encode())
            await loop.sock_sendto(sock, invite, port.address)
            refused = await final(sock)
            assert refused.status == 488, (n, refused.encode()[:200])
            ack = [(k, "2 ACK" if k == "CSeq" else v) for k, v in acked(headers, refused)]
            await loop.sock_sendto(sock, build("ACK", uri, ack, b""), port.address)


async def final(sock: socket.socket) -> SipMessage:
    loop = asyncio.get_running_loop()
    while True:
        answer = parse(await asyncio.wait_for(loop.sock_recv(sock, 65535), 5))
        if (answer.status or 0) >= 200:
            return answer


def acked(headers: list[tuple[str, str]], answer: SipMessage) -> list[tuple[str, str]]:
    """The ACK of a non-2xx final answer: the INVITE's headers with the answer's To (its tag), CSeq method ACK."""
    cseq = answer.cseq[0]
    return [
        ("To", answer.get("to") or "") if k == "To" else ("CSeq", f"{cseq} ACK") if k == "CSeq" else (k, v)
        for k, v in headers
    ]


def digest(challenge: str, account: str, password: str, uri: str) -> str:
    nonce = challenge.split('nonce="')[1].split('"')[0]
    fields = f'username="{account}", realm="switchboard.test", nonce="{nonce}", uri="{uri}"'
    fields += ', qop=auth, nc=00000001, cnonce="c0ffee", algorithm=MD5'
    creds = parse_credentials(f'Digest {fields}, response="x"')
    assert creds is not None
    return f'Digest {fields}, response="{expected_response(creds, method="INVITE", password=password)}"'


async def register_unreachable_phone(services: Services, caller: Caller) -> None:
    """The fixture's phone, registered at a contact nobody answers (only a call with a usable SDP would ring it)."""
    async with services.db.read() as conn:
        (phone,) = await phone_store.list_phones(conn, app_id=caller.apps["voice"])
    now = services.clock.now()
    async with services.db.write() as conn:
        await phone_store.upsert_registration(
            conn,
            phone_id=phone.id,
            contact=f"sip:{phone.account}@127.0.0.1:9",
            source="127.0.0.1:9",
            transport="udp",
            user_agent=None,
            call_id="r1",
            cseq=1,
            registered_at=now,
            expires_at=now + timedelta(seconds=600),
        )


METHODS = st.sampled_from(["INVITE", "INVITE", "INVITE", "ACK", "CANCEL", "BYE", "INFO", "UPDATE", "PRACK", "FOO"])
URIS = st.sampled_from(
    [f"sip:{NUMBER}@127.0.0.1", "sip:919876543210@127.0.0.1", "sip:@127.0.0.1", "sip:" + "9" * 3000 + "@h", "tel:+1"]
)
TEXT = st.text(alphabet=string.printable.replace("\r", "").replace("\n", "") + "\u202e\u00e9", max_size=60)
HEADER = st.one_of(
    st.tuples(st.sampled_from(["To", "From"]), st.sampled_from([f"<sip:{NUMBER}@h>;tag=t", "<sip:x@h>;tag=", "<", ""])),
    st.tuples(st.just("CSeq"), st.sampled_from(["1 BYE", "abc", "99999999999999999999 INVITE", "-1 INVITE", "1"])),
    st.tuples(st.just("Call-ID"), st.one_of(TEXT, st.sampled_from(["", "x" * 3000, "probe"]))),
    st.tuples(st.just("Via"), st.sampled_from(["SIP/2.0/UDP", "SIP/2.0/TCP [::1]:0;rport=x", "junk;branch="])),
    st.tuples(st.just("Proxy-Authorization"), st.one_of(TEXT.map("Digest ".__add__), st.just("Digest " + "a," * 3000))),
    st.tuples(st.sampled_from(["Max-Forwards", "Session-Expires", "Require", "Content-Type", "Expires"]), TEXT),
    st.tuples(st.just("X-Huge"), st.integers(1, 15_000).map(lambda n: "h" * n)),
)
BODIES = st.one_of(st.sampled_from([GOOD_SDP, *BAD_SDPS]), st.binary(max_size=200).map(lambda b: b.hex()))
SERIAL = itertools.count()
LENGTHS = st.sampled_from(["auto", "auto", "auto", None, "abc", "100000", "0"])


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],  # 2 shared cores
)
@given(
    source=st.sampled_from([PHONE, TRUNK]),
    method=METHODS,
    uri=URIS,
    replace=st.lists(HEADER, max_size=5),
    drop=st.sets(st.integers(0, 6), max_size=2),
    body=BODIES,
    length=LENGTHS,
)
async def test_fuzzed_requests_never_crash_and_state_stays_bounded(
    port: Port,
    source: str,
    method: str,
    uri: str,
    replace: list[tuple[str, str]],
    drop: set[int],
    body: str,
    length: str | None,
) -> None:
    headers = [h for i, h in enumerate(basic(method, call_id=f"fz-{next(SERIAL)}")) if i not in drop]
    headers += replace
    errors = CountErrors()
    logging.getLogger("switchboard").addHandler(errors)
    try:
        data = build(method, uri, headers, body.encode("utf-8", "surrogatepass"), length=length)
        answers = await exchange(port.address, data, source=source, wait=15.0)
    finally:
        logging.getLogger("switchboard").removeHandler(errors)
    clear(answers)
    assert errors.count == 0, errors.last
    assert len(port.server.dialogs) <= 50 and len(port.server._pending) <= MAX_PENDING
    assert len(port.calls.handling) <= MAX_PENDING


class CountErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count, self.last = 0, ""

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        self.last = self.format(record)


@pytest.mark.integration
async def test_after_a_hostile_burst_the_port_drains_and_a_real_register_succeeds(
    port: Port, services: Services, caller: Caller, tmp_path: Path
) -> None:
    burst = [build(m, f"sip:{NUMBER}@127.0.0.1", basic(m, call_id=f"burst-{i}"), GOOD_SDP.encode()) for i, m in
             enumerate(["INVITE", "BYE", "CANCEL", "ACK", "INFO"] * 20)]  # fmt: skip
    burst += [b"INVITE sip:x SIP/2.0\r\n\r\n", b"\x00" * 100, b"SIP/2.0 200 OK\r\n\r\n", b"x" * 60_000]
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((TRUNK, 0))
        for data in burst:
            await loop.sock_sendto(sock, data, port.address)
    await drained(port.server)
    account, password = await phone_credentials(services, caller)
    await run_sipp_client(tmp_path / "register", register_scenario(account, password, then="200"), port.address)


async def phone_credentials(services: Services, caller: Caller) -> tuple[str, str]:
    async with services.db.read() as conn:
        (phone,) = await phone_store.list_phones(conn, app_id=caller.apps["voice"])
    return phone.account, services.secrets.open(phone.password_enc)
