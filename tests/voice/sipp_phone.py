"""SIPp (Debian ``sip-tester``) as a registered SIP phone: its main scenario REGISTERs with digest to our registrar
and then waits; the calls the platform places to it arrive with a Call-ID SIPp does not know, so they run its
out-of-call scenario (``-oocsf``), which answers them as a phone would (here: answer and send RFC 4733 DTMF from
one of SIPp's pcaps, or answer busy). A UDP socket of the test can stand for a callee's media (``MediaPeer``)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from switchboard.domain.voice import rtp
from tests.voice.registrar_peers import Address, register
from tests.voice.sipp import (
    ANSWER,
    DTMF_PCAP,
    RECV_ACK_SAVING_DIALOG,
    RECV_BYE_AND_OK,
    RECV_INVITE,
    RECV_INVITE_SAVING_CONTACT,
    free_media_port,
    free_udp_port,
    request,
    require_sipp,
    response,
    scenario,
)

EVENT = 101  # telephone-event, as SIPp's SDP and pcaps have it


def registering(user: str, password: str, *, stay: int) -> str:
    """REGISTER, 401, REGISTER with credentials, 200, then stay registered ``stay`` ms."""
    auth = f"[authentication username={user} password={password}]\n"
    body = register(1, user) + '<recv response="401" auth="true"/>\n' + register(2, user, auth=auth)
    return scenario("register", body + f'<recv response="200"/>\n<pause milliseconds="{stay}"/>\n')


def answering_with_dtmf(pcap: str, *, wait: int) -> str:
    """Answer, wait ``wait`` ms (the callee is being dialled and bridged), play the pcap, then wait for our BYE."""
    play = f'<nop><action><exec play_pcap_audio="{DTMF_PCAP / pcap}"/></action></nop>\n'
    return scenario(
        "phone",
        RECV_INVITE
        + response(180, "Ringing")
        + response(200, "OK", sdp=True)
        + '<recv request="ACK" crlf="true"/>\n'
        + f'<pause milliseconds="{wait}"/>\n'
        + play
        + RECV_BYE_AND_OK,
    )


BUSY = scenario(
    "phone", RECV_INVITE + response(100, "Trying", tag=False) + response(486, "Busy Here") + '<recv request="ACK"/>\n'
)


class SippPhone:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None

    @property
    def errors(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-1500:] for p in self.folder.glob("*_errors.log"))


@contextlib.asynccontextmanager
async def sipp_phone(
    folder: Path, account: str, password: str, target: Address, *, answers: str, stay: int = 20_000
) -> AsyncIterator[SippPhone]:
    """SIPp registered as ``account`` at ``target``, answering calls with the ``answers`` scenario and echoing
    the RTP it receives (``-rtp_echo``); stopped on exit."""
    require_sipp()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "register.xml").write_text(registering(account, password, stay=stay))
    (folder / "phone.xml").write_text(answers)
    command = ["sipp", f"{target[0]}:{target[1]}", "-sf", "register.xml", "-oocsf", "phone.xml", "-i", "127.0.0.1"]
    command += ["-p", str(free_udp_port()), "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-rtp_echo"]
    command += ["-m", "1", "-timeout", f"{stay // 1000 + 10}s", "-nostdin", "-trace_err"]
    phone = SippPhone(folder)
    phone.process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield phone
    finally:
        if phone.process.returncode is None:
            phone.process.terminate()
            try:
                await asyncio.wait_for(phone.process.wait(), 5)
            except TimeoutError:
                phone.process.kill()
                await phone.process.wait()


class MediaPeer(asyncio.DatagramProtocol):
    """A callee's media: a UDP socket of the test that keeps every RTP packet it receives and can send RFC 4733
    key presses back to where they came from (the relay's socket of that leg)."""

    def __init__(self) -> None:
        self.received: list[rtp.RtpPacket] = []
        self.source: Address | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.first = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        packet = rtp.parse(data)
        if packet is not None:
            self.received.append(packet)
            self.source = (str(addr[0]), int(addr[1]))
            self.first.set()

    def press(self, digit: str, *, ssrc: int) -> None:
        assert self.transport is not None and self.source is not None
        for packet in rtp.event_packets(digit, payload_type=EVENT, ssrc=ssrc, sequence=1000, timestamp=160_000):
            self.transport.sendto(packet.encode(), self.source)

    def digits(self, *, ssrc: int | None = None) -> str:
        """The keys of the RFC 4733 events received (one per event, at its first packet), optionally of one SSRC."""
        keys, last = "", None
        for packet in self.received:
            if packet.payload_type != EVENT or (ssrc is not None and packet.ssrc != ssrc):
                continue
            event = rtp.parse_event(packet.payload)
            if event is None or event.digit is None:
                continue
            if (packet.ssrc, packet.timestamp) != last:
                keys += event.digit
                last = (packet.ssrc, packet.timestamp)
        return keys

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


@contextlib.asynccontextmanager
async def media_peer() -> AsyncIterator[MediaPeer]:
    loop = asyncio.get_running_loop()
    transport, peer = await loop.create_datagram_endpoint(MediaPeer, local_addr=("127.0.0.1", 0))
    try:
        yield peer
    finally:
        transport.close()


def callee_with_media(port: int, *, talk: int) -> str:
    """A SIPp callee whose SDP names ``port`` (a ``MediaPeer``) as its media, hanging up after ``talk`` ms."""
    return (
        RECV_INVITE_SAVING_CONTACT
        + ANSWER.replace("[media_port]", str(port))
        + RECV_ACK_SAVING_DIALOG
        + f'<pause milliseconds="{talk}"/>\n'
        + request("BYE")
        + '<recv response="200"/>\n'
    )
