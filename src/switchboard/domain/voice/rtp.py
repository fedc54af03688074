"""RTP (RFC 3550) packets, DTMF named events (RFC 4733, formerly RFC 2833) and the 20 ms frame schedule."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from switchboard.domain.voice.g711 import ULAW_SILENCE

HEADER = struct.Struct("!BBHII")
FRAME_BYTES = 160  # 20 ms of 8 kHz G.711
FRAME_SECONDS = 0.02
EVENT_DIGITS = "0123456789*#ABCD"


@dataclass(frozen=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def encode(self) -> bytes:
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        return HEADER.pack(0x80, second, self.sequence & 0xFFFF, self.timestamp & 0xFFFFFFFF, self.ssrc) + self.payload


def parse(data: bytes) -> RtpPacket | None:
    """An RTP version-2 packet (CSRCs, header extension and padding removed), or None."""
    if len(data) < HEADER.size:
        return None
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != 2:
        return None
    offset = HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:  # extension
        if len(data) < offset + 4:
            return None
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20 and end > offset:  # padding
        end -= data[-1]
    if end < offset:
        return None
    return RtpPacket(second & 0x7F, sequence, timestamp, ssrc, data[offset:end], bool(second & 0x80))


@dataclass(frozen=True)
class DtmfEvent:
    event: int
    end: bool
    volume: int
    duration: int

    @property
    def digit(self) -> str | None:
        return EVENT_DIGITS[self.event] if self.event < len(EVENT_DIGITS) else None

    def encode(self) -> bytes:
        return struct.pack("!BBH", self.event, (0x80 if self.end else 0) | (self.volume & 0x3F), self.duration)


def parse_event(payload: bytes) -> DtmfEvent | None:
    if len(payload) < 4:
        return None
    event, flags, duration = struct.unpack_from("!BBH", payload)
    return DtmfEvent(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)


class DtmfDetector:
    """Turns telephone-event packets into digits, once per key press.

    The packets of one press share an RTP timestamp and are repeated (the end packet usually three times);
    a digit is reported when its first packet arrives, and never again for the same timestamp.
    """

    def __init__(self, payload_type: int | None) -> None:
        self.payload_type = payload_type
        self._seen: set[tuple[int, int]] = set()

    def feed(self, packet: RtpPacket) -> str | None:
        if self.payload_type is None or packet.payload_type != self.payload_type:
            return None
        event = parse_event(packet.payload)
        if event is None or event.digit is None:
            return None
        key = (packet.ssrc, packet.timestamp)
        if key in self._seen:
            return None
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen.add(key)
        return event.digit


def frames(audio: bytes, loops: int, *, silence: int = ULAW_SILENCE) -> Iterator[bytes]:
    """The audio ``loops`` times over in 20 ms frames; the last frame is padded with silence."""
    whole = audio * max(1, loops)
    for start in range(0, len(whole), FRAME_BYTES):
        frame = whole[start : start + FRAME_BYTES]
        yield frame + bytes([silence]) * (FRAME_BYTES - len(frame))


def frame_count(audio_bytes: int, loops: int) -> int:
    return -(-(audio_bytes * max(1, loops)) // FRAME_BYTES)


def event_packets(digit: str, *, payload_type: int, ssrc: int, sequence: int, timestamp: int) -> list[RtpPacket]:
    """The packets a phone sends for one short key press: 5 progress packets and 3 end packets (100 ms)."""
    event = EVENT_DIGITS.index(digit)
    packets: list[RtpPacket] = []
    for index in range(8):
        end = index >= 5
        duration = min(index + 1, 5) * FRAME_BYTES
        payload = DtmfEvent(event=event, end=end, volume=10, duration=duration).encode()
        packets.append(RtpPacket(payload_type, sequence + index, timestamp, ssrc, payload, marker=index == 0))
    return packets
