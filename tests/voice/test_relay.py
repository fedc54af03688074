"""The RTP relay of a bridged call over real UDP sockets: a PCMU leg and a PCMA leg hear each other's tone
(checked on the decoded audio), RFC 4733 DTMF crosses with the other leg's payload type, the relay latches
onto where a leg really sends from, and a silent leg is seen."""

from __future__ import annotations

import array
import asyncio
import math
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.relay import A, B, RtpRelay
from switchboard.domain.voice import g711
from switchboard.domain.voice.relay import LegMedia, translate
from switchboard.domain.voice.rtp import RtpPacket, event_packets, parse, parse_event
from switchboard.domain.voice.sdp import PCMA, PCMU


def tone(frequency: float, frames: int) -> list[list[int]]:
    return [
        [int(8000 * math.sin(2 * math.pi * frequency * (f * 160 + i) / 8000)) for i in range(160)]
        for f in range(frames)
    ]


def dominant(samples: list[int]) -> float:
    """The strongest of a few frequencies (Goertzel), enough to tell two tones apart."""
    best, power_best = 0.0, -1.0
    for frequency in (440.0, 1000.0):
        k = 2 * math.cos(2 * math.pi * frequency / 8000)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + k * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - k * s1 * s2
        if power > power_best:
            best, power_best = frequency, power
    return best


@pytest.fixture
def peers() -> Iterator[tuple[socket.socket, socket.socket]]:
    pair = []
    for _ in range(2):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2)
        pair.append(sock)
    yield pair[0], pair[1]
    for sock in pair:
        sock.close()


def address(sock: socket.socket) -> tuple[str, int]:
    host, port = sock.getsockname()[:2]
    return str(host), int(port)


async def test_two_codecs_hear_each_other_and_dtmf_crosses(peers: tuple[socket.socket, socket.socket]) -> None:
    phone, carrier = peers  # the phone speaks PCMU with events on 101, the carrier PCMA with events on 96
    relay = RtpRelay(LegMedia(PCMU, 101), LegMedia(PCMA, 96))
    local_a, local_b = await relay.open()
    relay.set_peer(A, ("127.0.0.1", 9))  # the SDP's address: wrong, the relay latches onto the real one
    relay.set_peer(B, address(carrier))
    tapped: list[int] = []
    relay.tap = lambda leg, packet: tapped.append(leg)
    try:
        for n, frame in enumerate(tone(440, 10)):
            payload = bytes(g711.ulaw_encode(x) for x in frame)
            phone.sendto(RtpPacket(PCMU, n, n * 160, 1111, payload).encode(), local_a)
        heard_b = [parse(await asyncio.to_thread(carrier.recv, 2048)) for _ in range(10)]
        assert all(p is not None and p.payload_type == PCMA and p.ssrc == 1111 for p in heard_b)
        samples = [g711.alaw_decode(b) for p in heard_b if p is not None for b in p.payload]
        assert dominant(samples) == 440.0
        for n, frame in enumerate(tone(1000, 10)):
            payload = bytes(g711.alaw_encode(x) for x in frame)
            carrier.sendto(RtpPacket(PCMA, n, n * 160, 2222, payload).encode(), local_b)
        heard_a = [parse(await asyncio.to_thread(phone.recv, 2048)) for _ in range(10)]
        assert all(p is not None and p.payload_type == PCMU for p in heard_a)
        assert dominant([g711.ulaw_decode(b) for p in heard_a if p is not None for b in p.payload]) == 1000.0
        for packet in event_packets("5", payload_type=101, ssrc=1111, sequence=100, timestamp=1600):
            phone.sendto(packet.encode(), local_a)
        events = [parse(await asyncio.to_thread(carrier.recv, 2048)) for _ in range(3)]
        assert {p.payload_type for p in events if p is not None} == {96}
        first = events[0]
        assert first is not None and (event := parse_event(first.payload)) is not None and event.digit == "5"
        phone.sendto(RtpPacket(13, 200, 0, 1111, b"\x40").encode(), local_a)  # comfort noise: dropped
        await asyncio.sleep(0.1)
        assert relay.legs[A].dropped == 1 and relay.legs[A].peer == address(phone)
        assert tapped.count(A) == 10 and tapped.count(B) == 10  # audio only
        assert relay.silent_for(A) < 1
    finally:
        relay.close()


def test_translate_rules() -> None:
    packet = RtpPacket(PCMU, 1, 160, 7, bytes([0xFF] * 160))
    same = translate(packet, LegMedia(PCMU), LegMedia(PCMU))
    assert same is not None and same.payload == packet.payload
    alaw = translate(packet, LegMedia(PCMU), LegMedia(PCMA))
    assert alaw is not None and alaw.payload == bytes([g711.ALAW_SILENCE] * 160)
    event = RtpPacket(101, 2, 160, 7, b"\x05\x0a\x00\xa0")
    assert translate(event, LegMedia(PCMU, 101), LegMedia(PCMA, None)) is None  # the other leg has no events
    with pytest.raises(ValueError):
        LegMedia(18)


async def test_a_bridged_call_is_recorded_with_both_parties(
    peers: tuple[socket.socket, socket.socket], tmp_path: Path
) -> None:
    phone, carrier = peers
    relay = RtpRelay(LegMedia(PCMU, 101), LegMedia(PCMA, 96))
    local_a, local_b = await relay.open()
    relay.set_peer(A, address(phone))
    relay.set_peer(B, address(carrier))
    recorder = CallRecorder(tmp_path / "recordings", "call1")
    relay.tap = recorder.add
    try:
        for n, (a, b) in enumerate(zip(tone(440, 50), tone(1000, 50), strict=True)):  # 1 s each, at once
            phone.sendto(RtpPacket(PCMU, n, n * 160, 1, bytes(g711.ulaw_encode(x) for x in a)).encode(), local_a)
            carrier.sendto(RtpPacket(PCMA, n, n * 160, 2, bytes(g711.alaw_encode(x) for x in b)).encode(), local_b)
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.1)
    finally:
        relay.close()
    path = await recorder.finish()
    assert path is not None and path.suffix == ".mp3" and path.stat().st_size > 1000
    assert not list((tmp_path / "recordings").glob("*.raw"))
    decoded = tmp_path / "decoded.raw"
    await asyncio.to_thread(decode_to_raw, path, decoded)
    samples = array.array("h", decoded.read_bytes())
    assert 7000 <= len(samples) <= 12000  # about a second, both parties on one timeline
    middle = list(samples[2000:6000])
    assert power(middle, 440) > 1e9 and power(middle, 1000) > 1e9  # both tones are in the mix
    assert power(middle, 440) > 100 * power(middle, 2500)


def power(samples: list[int], frequency: float) -> float:
    k = 2 * math.cos(2 * math.pi * frequency / 8000)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def decode_to_raw(mp3: Path, raw: Path) -> None:
    import av

    with av.open(str(mp3)) as source, raw.open("wb") as out:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                out.write(bytes(converted.planes[0])[: converted.samples * 2])


def test_the_recorder_decodes_every_g711_code_as_the_codec_does() -> None:
    from switchboard.connectors.voice.recorder import to_pcm16

    codes = bytes(range(256))
    for payload_type, decode in ((PCMU, g711.ulaw_decode), (PCMA, g711.alaw_decode)):
        expected = b"".join(decode(code).to_bytes(2, "little", signed=True) for code in codes)
        assert to_pcm16(codes, payload_type) == expected
