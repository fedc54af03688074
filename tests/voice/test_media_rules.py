"""RTP packets, DTMF events, framing and G.711 tables (pure)."""

from __future__ import annotations

import struct
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.domain.voice import g711, rtp


def test_an_rtp_packet_round_trips() -> None:
    packet = rtp.RtpPacket(8, 65535, 2**32 - 1, 1234, b"\xd5" * 160, marker=True)
    assert rtp.parse(packet.encode()) == packet


def test_csrc_extension_and_padding_are_skipped() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 0x01, 0, 1, 2, 3)
    data = header + b"\x00\x00\x00\x09" + b"\xbe\xde\x00\x01" + b"\x01\x02\x03\x04" + b"PAYLOAD" + b"\x00\x00\x03"
    parsed = rtp.parse(data)
    assert parsed is not None and parsed.payload == b"PAYLOAD"
    assert rtp.parse(b"\x40" + bytes(20)) is None and rtp.parse(b"\x80") is None


def test_a_key_press_is_reported_once_despite_repeated_packets() -> None:
    detector = rtp.DtmfDetector(101)
    packets = rtp.event_packets("5", payload_type=101, ssrc=9, sequence=100, timestamp=8000)
    assert len(packets) == 8 and sum(rtp.parse_event(p.payload).end for p in packets) == 3  # type: ignore[union-attr]
    digits = [detector.feed(p) for p in packets]
    assert digits == ["5"] + [None] * 7
    second = rtp.event_packets("#", payload_type=101, ssrc=9, sequence=108, timestamp=9600)
    assert [d for d in map(detector.feed, second) if d] == ["#"]
    assert rtp.DtmfDetector(None).feed(packets[0]) is None
    assert detector.feed(rtp.RtpPacket(0, 1, 1, 9, b"\x05\x80\x00\xa0")) is None  # audio, not the event type


def test_frames_are_20_ms_and_the_last_is_padded_with_silence() -> None:
    frames = list(rtp.frames(b"\x01" * 200, 2))
    assert [len(f) for f in frames] == [160, 160, 160] and frames[-1] == b"\x01" * 80 + b"\xff" * 80
    assert rtp.frame_count(200, 2) == 3


def test_g711_matches_the_reference_codec_on_every_sample() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    samples = list(range(-32768, 32768))
    pcm = struct.pack(f"<{len(samples)}h", *samples)
    assert g711.pcm16_to_ulaw(pcm) == audioop.lin2ulaw(pcm, 2)
    assert bytes(g711.alaw_encode(s) for s in samples) == audioop.lin2alaw(pcm, 2)
    every = bytes(range(256))
    assert g711.ulaw_to_pcm16(every) == audioop.ulaw2lin(every, 2)
    assert g711.ulaw_to_alaw(every) == audioop.lin2alaw(audioop.ulaw2lin(every, 2), 2)


@given(st.integers(min_value=0, max_value=255))
def test_alaw_and_ulaw_survive_a_round_trip_through_each_other(byte: int) -> None:
    alaw = g711.ULAW_TO_ALAW[byte]
    assert (
        abs(g711.ulaw_decode(g711.ALAW_TO_ULAW[alaw]) - g711.ulaw_decode(byte)) <= abs(g711.ulaw_decode(byte)) // 8 + 16
    )
    assert g711.ulaw_to_alaw(bytes([g711.ULAW_SILENCE])) == bytes([g711.ALAW_SILENCE])
