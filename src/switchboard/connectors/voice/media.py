"""The RTP side of one call: stream G.711 audio in 20 ms packets and receive audio and DTMF events (and, when
the far end did not accept telephone-event, keys heard in its audio: ``domain/voice/dtmf_inband.py``).

Packets are sent on an absolute schedule ``start + n * 20 ms`` of the event loop's monotonic clock, so a
late wake-up never accumulates into drift; how late each packet left is measured (``MediaStats``).
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from typing import cast

from switchboard.connectors.voice.base import MediaStats
from switchboard.domain.voice import dtmf_inband, g711, rtp, sdp

Address = tuple[str, int]


class RtpStream(asyncio.DatagramProtocol):
    def __init__(self, on_digit: Callable[[str], None], *, rng: random.Random | None = None) -> None:
        self._on_digit = on_digit
        self._rng = rng or random.Random()  # noqa: S311 (RTP ids, not secrets)
        self.transport: asyncio.DatagramTransport | None = None
        self.remote: Address | None = None
        self.payload_type: int | None = None
        self._dtmf = rtp.DtmfDetector(None)
        self._inband: dtmf_inband.InbandDetector | None = None  # keys in the audio, without telephone-event
        self._task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.sent = 0
        self.received = 0
        self._late_total = 0.0
        self._late_max = 0.0

    @classmethod
    async def open(cls, host: str, on_digit: Callable[[str], None]) -> RtpStream:
        """Bind on ``host``, preferring an even port (RTP convention; RTCP would take the odd one above)."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        stream: RtpStream | None = None
        for _ in range(5):
            _, stream = await loop.create_datagram_endpoint(lambda: cls(on_digit), local_addr=(host, 0), family=family)
            if stream.port % 2 == 0:
                return stream
            stream.close()
        assert stream is not None
        _, stream = await loop.create_datagram_endpoint(lambda: cls(on_digit), local_addr=(host, 0), family=family)
        return stream

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython 3.11's selector datagram transport does not subclass DatagramTransport: no isinstance check.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        packet = rtp.parse(data)
        if packet is None:
            return
        digit = self._dtmf.feed(packet)
        if digit is not None:
            self._on_digit(digit)
        elif packet.payload_type in (sdp.PCMU, sdp.PCMA):
            self.received += 1
            if self._inband is not None:
                heard = self._inband.feed_frame(packet.payload)
                if heard is not None:
                    self._on_digit(heard)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable while the far end is not listening yet: keep streaming

    def play(self, media: sdp.Negotiated, audio_ulaw: bytes, loops: int) -> None:
        """Start streaming ``audio_ulaw`` ``loops`` times to the negotiated address; ``done`` is set at the end."""
        self.remote = media.remote
        self.payload_type = media.payload_type
        self._dtmf = rtp.DtmfDetector(media.dtmf_pt)
        alaw = media.payload_type == sdp.PCMA
        self._inband = dtmf_inband.InbandDetector(alaw=alaw) if media.dtmf_pt is None else None
        audio = g711.ulaw_to_alaw(audio_ulaw) if media.payload_type == sdp.PCMA else audio_ulaw
        self._task = asyncio.get_running_loop().create_task(self._stream(audio, loops, media.payload_type))

    async def _stream(self, audio: bytes, loops: int, payload_type: int) -> None:
        loop = asyncio.get_running_loop()
        silence = g711.ALAW_SILENCE if payload_type == sdp.PCMA else g711.ULAW_SILENCE
        ssrc = self._rng.getrandbits(32)
        sequence = self._rng.getrandbits(16)
        timestamp = self._rng.getrandbits(32)
        start = loop.time()
        try:
            for index, frame in enumerate(rtp.frames(audio, loops, silence=silence)):
                due = start + index * rtp.FRAME_SECONDS
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                late = max(0.0, loop.time() - due)
                packet = rtp.RtpPacket(
                    payload_type, sequence + index, timestamp + index * rtp.FRAME_BYTES, ssrc, frame, index == 0
                )
                self._send(packet.encode())
                self._late_total += late
                self._late_max = max(self._late_max, late)
        finally:
            self.done.set()

    def _send(self, data: bytes) -> None:
        if self.transport is not None and self.remote is not None and not self.transport.is_closing():
            self.transport.sendto(data, self.remote)
            self.sent += 1

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.done.set()

    def close(self) -> None:
        self.stop()
        if self.transport is not None:
            self.transport.close()

    def stats(self) -> MediaStats:
        return MediaStats(
            sent=self.sent,
            received=self.received,
            payload_type=self.payload_type,
            max_late_ms=round(self._late_max * 1000, 3),
            mean_late_ms=round(self._late_total / self.sent * 1000, 3) if self.sent else 0.0,
        )
