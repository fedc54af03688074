"""The SIP registrar against real peers: baresip registers with digest auth over UDP and TCP; SIPp plays wrong
password, unknown account and a replayed nonce; a scripted client covers SHA-256, stale nonces, contacts,
expiry and the blocking of an address that keeps failing. Both database engines."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.domain.voice import digest
from switchboard.domain.voice.registrar import FailureGuard
from switchboard.domain.voice.sip import SipMessage, parse
from switchboard.services.context import Services
from switchboard.services.sip_keepalive import MAX_MISSES, KeepAlive
from tests.fakes.clock import FakeClock
from tests.voice.registrar_peers import (
    baresip,
    contacts,
    make_phones,
    register_scenario,
    run_sipp_client,
    sip_port,
)

pytestmark = pytest.mark.integration
OPEN: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


class Phone:
    """A scripted UDP phone: builds REGISTERs and reads the answers (for what SIPp and baresip cannot do)."""

    def __init__(self, target: tuple[str, int], account: str) -> None:
        self.target, self.account = target, account
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        OPEN.append(self.sock)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)
        self.cseq = 0

    def request(self, *, auth: str | None = None, contact: str | None = None, expires: int | None = 120) -> SipMessage:
        self.cseq += 1
        port = self.sock.getsockname()[1]
        message = SipMessage(method="REGISTER", uri=f"sip:{self.target[0]}:{self.target[1]}")
        message.add("via", f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{self.cseq}x;rport")
        message.add("from", f"<sip:{self.account}@127.0.0.1>;tag=t1").add("to", f"<sip:{self.account}@127.0.0.1>")
        message.add("call-id", f"reg-{port}").add("cseq", f"{self.cseq} REGISTER")
        message.add("contact", contact if contact is not None else f"<sip:{self.account}@127.0.0.1:{port}>")
        if expires is not None:
            message.add("expires", str(expires))
        if auth:
            message.add("authorization", auth)
        return message

    async def send(self, message: SipMessage) -> SipMessage | None:
        self.sock.sendto(message.encode(), self.target)
        try:
            data = await asyncio.to_thread(self.sock.recv, 65535)
        except TimeoutError:
            return None
        return parse(data)

    @staticmethod
    def challenges(answer: SipMessage) -> dict[str, digest.Challenge]:
        found = [digest.parse_challenge(v) for v in answer.all("www-authenticate")]
        return {c.algorithm: c for c in found if c is not None}

    async def register(self, password: str, *, algorithm: str = "MD5", **fields: object) -> SipMessage | None:
        first = await self.send(self.request(**fields))  # type: ignore[arg-type]
        assert first is not None and first.status == 401
        challenge = self.challenges(first)[algorithm]
        auth = digest.authorization(
            challenge,
            method="REGISTER",
            uri=f"sip:{self.target[0]}:{self.target[1]}",
            username=self.account,
            password=password,
            cnonce="c0ffee",
        )
        return await self.send(self.request(auth=auth, **fields))  # type: ignore[arg-type]


async def test_baresip_registers_over_udp_and_tcp(services: Services, tmp_path: Path) -> None:
    (a, pa), (b, pb) = await make_phones(services, 2)
    async with sip_port(services) as (address, registrar, server):
        async with (
            baresip(tmp_path / "udp", a, pa, address),
            baresip(tmp_path / "tcp", b, pb, address, transport="tcp"),
        ):
            for _ in range(100):
                if await contacts(services, a) and await contacts(services, b):
                    break
                await asyncio.sleep(0.1)
            (ca,), (cb,) = await contacts(services, a), await contacts(services, b)
            keepalive = KeepAlive(services, server)
            for _ in range(MAX_MISSES + 2):  # baresip answers the OPTIONS pings: it stays registered
                assert await keepalive.round() == 0
                await asyncio.sleep(0.2)
            assert len(await contacts(services, a)) == 1
        # Stopped, baresip unregisters (Expires: 0, authenticated again).
        assert await contacts(services, a) == [] and await contacts(services, b) == []
    assert (ca.transport, cb.transport) == ("udp", "tcp")
    assert ca.contact.startswith(f"sip:{a}-") and "baresip" in (ca.user_agent or "")
    assert registrar.counters["refused"] == 0 and registrar.counters["challenged"] >= 2


async def test_sipp_registers_and_the_refusals(services: Services, tmp_path: Path) -> None:
    ((account, password),) = await make_phones(services, 1)
    ((other_account, _),) = await make_phones(services, 1, name="other")
    async with sip_port(services) as (address, registrar, _):
        await run_sipp_client(tmp_path / "ok", register_scenario(account, password, then="200", reuse=True), address)
        assert len(await contacts(services, account)) == 1
        await run_sipp_client(
            tmp_path / "wrong", register_scenario(other_account, "not-the-password", then="403"), address
        )
        await run_sipp_client(tmp_path / "unknown", register_scenario("5550001111", password, then="403"), address)
        # Another phone's account with this phone's password (an account of another customer).
        await run_sipp_client(tmp_path / "foreign", register_scenario(other_account, password, then="403"), address)
        await run_sipp_client(
            tmp_path / "tcp", register_scenario(account, password, then="200"), address, transport="t1"
        )
    assert await contacts(services, other_account) == []
    assert registrar.counters["refused"] == 3  # wrong password, unknown account, foreign account


async def test_sha256_contacts_expiry_and_removal(services: Services, clock: FakeClock) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services, algorithms=("SHA-256", "MD5")) as (address, _, _):
        phone = Phone(address, account)
        first = await phone.send(phone.request())
        assert first is not None and first.status == 401
        assert list(Phone.challenges(first)) == ["SHA-256", "MD5"]
        ok = await phone.register(password, algorithm="SHA-256", expires=300)
        assert ok is not None and ok.status == 200
        assert ";received=127.0.0.1" in (ok.get("via") or "") and ";rport=" in (ok.get("via") or "")
        second = await phone.register(password, contact="<sip:desk@127.0.0.1:5099>;expires=90")
        assert second is not None and second.status == 200 and len(second.all("contact")) == 2
        assert {c.contact for c in await contacts(services, account)} == {
            f"sip:{account}@127.0.0.1:{phone.sock.getsockname()[1]}",
            "sip:desk@127.0.0.1:5099",
        }
        clock.advance(100)  # the 90-second contact expired, the other not
        assert [c.contact for c in await contacts(services, account)] != ["sip:desk@127.0.0.1:5099"]
        assert len(await contacts(services, account)) == 1
        brief = await phone.register(password, expires=10)
        assert brief is not None and (brief.status, brief.get("min-expires")) == (423, "60")
        gone = await phone.register(password, contact="*", expires=0)
        assert gone is not None and gone.status == 200 and gone.all("contact") == []
        assert await contacts(services, account) == []


async def test_a_stale_nonce_is_challenged_again_and_a_forged_one_refused(services: Services, clock: FakeClock) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services) as (address, _, _):
        phone = Phone(address, account)
        first = await phone.send(phone.request())
        assert first is not None
        challenge = Phone.challenges(first)["MD5"]
        clock.advance(400)
        uri = f"sip:{address[0]}:{address[1]}"
        auth = digest.authorization(
            challenge, method="REGISTER", uri=uri, username=account, password=password, cnonce="a"
        )
        stale = await phone.send(phone.request(auth=auth))
        assert stale is not None and stale.status == 401
        assert all(c.stale for c in Phone.challenges(stale).values())
        forged = digest.Challenge(
            realm="switchboard.test", nonce="18f00000000.abcdef.0123456789abcdef01234567", qop=("auth",)
        )
        auth = digest.authorization(forged, method="REGISTER", uri=uri, username=account, password=password, cnonce="a")
        refused = await phone.send(phone.request(auth=auth))
        assert refused is not None and refused.status == 403
    assert await contacts(services, account) == []


async def test_a_phone_that_stops_answering_pings_is_dropped(services: Services) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services) as (address, _, server):
        phone = Phone(address, account)
        answer = await phone.register(password)
        assert answer is not None and answer.status == 200
        keepalive = KeepAlive(services, server)
        for _ in range(MAX_MISSES):
            assert await keepalive.round() == 0
            ping = parse(await asyncio.to_thread(phone.sock.recv, 65535))  # it arrives, through the NAT binding
            assert ping.method == "OPTIONS" and ping.uri == f"sip:{account}@127.0.0.1:{phone.sock.getsockname()[1]}"
        assert await keepalive.round() == 1  # never answered: dropped
        assert await contacts(services, account) == []


async def test_a_replayed_register_is_refused(services: Services) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services) as (address, _, _):
        phone = Phone(address, account)
        first = await phone.send(phone.request())
        assert first is not None
        uri = f"sip:{address[0]}:{address[1]}"
        auth = digest.authorization(
            Phone.challenges(first)["MD5"], method="REGISTER", uri=uri, username=account, password=password, cnonce="b"
        )
        signed = phone.request(auth=auth)
        ok = await phone.send(signed)
        assert ok is not None and ok.status == 200
        replayed = await phone.send(signed)  # the same bytes again (a captured REGISTER sent once more)
        assert replayed is not None and replayed.status == 403
        thief = Phone(address, account)  # ... or from another address
        stolen = await thief.send(signed)
        assert stolen is not None and stolen.status == 403


async def test_an_address_that_keeps_failing_is_blocked(services: Services, clock: FakeClock) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services, guard=FailureGuard(limit=3, window=60, block=120)) as (address, registrar, _):
        phone = Phone(address, account)
        for _ in range(3):
            answer = await phone.register("guessing")
            assert answer is not None and answer.status == 403
        phone.sock.settimeout(0.5)
        assert await phone.send(phone.request()) is None  # blocked: not answered at all, even OPTIONS-like probes
        assert registrar.counters["blocked"] == 1
        clock.advance(121)
        phone.sock.settimeout(2)
        answer = await phone.register(password)
        assert answer is not None and answer.status == 200


async def test_options_is_answered_and_other_methods_refused(services: Services) -> None:
    async with sip_port(services) as (address, _, _):
        phone = Phone(address, "nobody")
        options = phone.request()
        options.method, options.uri = "OPTIONS", f"sip:{address[0]}:{address[1]}"
        options.replace("cseq", "1 OPTIONS")
        answer = await phone.send(options)
        assert answer is not None and answer.status == 200 and "REGISTER" in (answer.get("allow") or "")
        options.method = "SUBSCRIBE"
        options.replace("cseq", "2 SUBSCRIBE")
        refused = await phone.send(options)
        assert refused is not None and refused.status == 405


async def test_garbage_on_udp_and_tcp_leaves_the_port_working(services: Services) -> None:
    ((account, password),) = await make_phones(services, 1)
    async with sip_port(services) as (address, _, _):
        noise = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        OPEN.append(noise)
        samples = [b"\x00" * 64, b"REGISTER\r\n\r\n", b"\xff\xfe" * 500, b"SIP/2.0 200 OK\r\n\r\n", b"A" * 20000]
        for i in range(400):
            noise.sendto(samples[i % len(samples)] + str(i).encode(), address)
        reader, writer = await asyncio.open_connection(*address)
        writer.write(b"\r\n\r\nREGISTER sip:x SIP/2.0\r\nContent-Length: 999999\r\n\r\n")
        await writer.drain()
        pongs = await asyncio.wait_for(reader.read(), 5)  # keep-alive pongs, then closed: no SIP answer
        assert pongs.replace(b"\r\n", b"") == b""
        writer.close()
        await writer.wait_closed()
        phone = Phone(address, account)
        answer = await phone.register(password)
        assert answer is not None and answer.status == 200
