"""In-band DTMF: keys heard in G.711 audio (pure detector), and the RTP stream using it only when the far end
did not accept telephone-event (real UDP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import math
import random
import socket

import pytest

from switchboard.connectors.voice.media import RtpStream
from switchboard.domain.voice import dtmf_inband, g711, rtp, sdp

pytestmark = pytest.mark.timeout(30)
KEYS = "0123456789*#ABCD"


def frames(samples: list[int], *, alaw: bool = False, offset: int = 0) -> list[bytes]:
    encode = g711.alaw_encode if alaw else g711.ulaw_encode
    data = bytes(encode(s) for s in samples[offset:])
    return [data[i : i + 160] for i in range(0, len(data) - 159, 160)]


def heard(chunks: list[bytes], *, alaw: bool = False) -> str:
    detector = dtmf_inband.InbandDetector(alaw=alaw)
    keys = (detector.feed_frame(chunk) for chunk in chunks)
    return "".join(k for k in keys if k)


@pytest.mark.parametrize("alaw", [False, True], ids=["PCMU", "PCMA"])
def test_every_key_is_heard_once_per_press(alaw: bool) -> None:
    silence = [0] * 800
    audio: list[int] = []
    for key in KEYS:
        audio += dtmf_inband.tone(key, 0.08) + silence
    assert heard(frames(audio, alaw=alaw, offset=37), alaw=alaw) == KEYS


@pytest.mark.parametrize(
    "samples",
    [
        pytest.param([int(random.Random(3).gauss(0, 4000)) for _ in range(8000)], id="noise"),
        pytest.param([int(8000 * math.sin(2 * math.pi * 1000 * n / 8000)) for n in range(8000)], id="one-tone"),
        pytest.param(dtmf_inband.tone("5", 0.02), id="too-short"),
        pytest.param([s // 40 for s in dtmf_inband.tone("5", 0.2)], id="too-quiet"),
        pytest.param(
            [a + b for a, b in zip(dtmf_inband.tone("1", 0.2), dtmf_inband.tone("9", 0.2), strict=True)], id="two-keys"
        ),
    ],
)
def test_sounds_that_are_not_a_key_are_not_heard(samples: list[int]) -> None:
    assert heard(frames([max(-32768, min(32767, s)) for s in samples])) == ""


async def _stream_hears(dtmf_pt: int | None) -> list[str]:
    digits: list[str] = []
    stream = await RtpStream.open("127.0.0.1", digits.append)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    try:
        stream.play(sdp.Negotiated(sdp.PCMU, dtmf_pt, sink.getsockname()), b"\xff" * 160, 1)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for index, chunk in enumerate(frames(dtmf_inband.tone("7", 0.1) + [0] * 1600)):
            packet = rtp.RtpPacket(sdp.PCMU, index, index * 160, 1234, chunk)
            sender.sendto(packet.encode(), ("127.0.0.1", stream.port))
        sender.close()
        for _ in range(50):
            await asyncio.sleep(0.01)
            if stream.received >= 9:
                break
    finally:
        stream.close()
        sink.close()
    return digits


async def test_the_rtp_stream_hears_keys_in_the_audio_without_telephone_event() -> None:
    assert await _stream_hears(None) == ["7"]


async def test_with_telephone_event_the_audio_is_not_searched_for_keys() -> None:
    assert await _stream_hears(sdp.DTMF_PT) == []
