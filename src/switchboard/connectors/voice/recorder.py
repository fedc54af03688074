"""Recording a bridged call: both parties mixed into one file, MP3 where an encoder is available, else WAV.

The relay's tap hands every forwarded audio packet to ``add``. Each party's audio is decoded to 16-bit PCM
and written at its place on the call's timeline (the first packet by arrival time, the rest by RTP
timestamp) into a raw file per party, on disk, so a long call costs no memory. ``finish`` mixes the two
files with sox into a WAV and encodes it to MP3 with FFmpeg's LAME (through PyAV); when MP3 cannot be made
the WAV is kept. A packet past ``max_seconds`` is not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from switchboard.domain.voice import g711
from switchboard.domain.voice.rtp import RtpPacket
from switchboard.domain.voice.sdp import PCMA, PCMU

log = logging.getLogger("switchboard.voice.recorder")
RATE = 8000
RAW = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]


def _tables(decode: Callable[[int], int]) -> tuple[bytes, bytes]:
    """The low and the high byte of each code's 16-bit little-endian sample."""
    words = [decode(code) & 0xFFFF for code in range(256)]
    return bytes(w & 0xFF for w in words), bytes(w >> 8 for w in words)


TABLES = {PCMU: _tables(g711.ulaw_decode), PCMA: _tables(g711.alaw_decode)}


def to_pcm16(payload: bytes, payload_type: int) -> bytes:
    """G.711 to 16-bit little-endian PCM with two byte translations (C speed: the recorder runs per packet)."""
    low, high = TABLES[PCMU if payload_type == PCMU else PCMA]
    out = bytearray(2 * len(payload))
    out[0::2] = payload.translate(low)
    out[1::2] = payload.translate(high)
    return bytes(out)


@dataclass
class _Party:
    file: BinaryIO
    first_timestamp: int
    first_offset: int  # samples from the start of the recording


class CallRecorder:
    def __init__(
        self, folder: Path, name: str, *, max_seconds: int = 4 * 3600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.name = folder, name
        self.max_samples = max_seconds * RATE
        self.clock = clock
        self.started = clock()
        self.parties: dict[int, _Party] = {}

    def raw(self, leg: int) -> Path:
        return self.folder / f"{self.name}.leg{leg}.raw"

    def add(self, leg: int, packet: RtpPacket) -> None:
        if packet.payload_type not in (PCMU, PCMA):
            return
        party = self.parties.get(leg)
        if party is None:
            offset = int((self.clock() - self.started) * RATE)
            party = self.parties[leg] = _Party(self.raw(leg).open("wb"), packet.timestamp, offset)
        position = party.first_offset + ((packet.timestamp - party.first_timestamp) & 0xFFFFFFFF)
        if position + len(packet.payload) > self.max_samples:
            return
        party.file.seek(position * 2)
        party.file.write(to_pcm16(packet.payload, packet.payload_type))

    async def finish(self) -> Path | None:
        """Mix and compress; answers the recording (``.mp3`` or ``.wav``), None when nobody spoke."""
        for party in self.parties.values():
            party.file.close()
        raws = [self.raw(leg) for leg in sorted(self.parties)]
        if not raws:
            return None
        wav = self.folder / f"{self.name}.wav"
        try:
            command = ["sox", *(["-m"] if len(raws) > 1 else [])]
            for raw in raws:
                command += [*RAW, str(raw)]
            await asyncio.to_thread(subprocess.run, [*command, str(wav)], check=True, capture_output=True, timeout=600)
        finally:
            for raw in raws:
                raw.unlink(missing_ok=True)
        mp3 = self.folder / f"{self.name}.mp3"
        try:
            await asyncio.to_thread(encode_mp3, wav, mp3)
        except Exception as exc:  # no LAME in this FFmpeg build, or a broken file: keep the WAV
            log.warning("recording %s kept as WAV: %s", self.name, exc)
            mp3.unlink(missing_ok=True)
            return wav
        wav.unlink(missing_ok=True)
        return mp3

    def discard(self) -> None:
        for leg, party in self.parties.items():
            with contextlib.suppress(OSError):
                party.file.close()
            self.raw(leg).unlink(missing_ok=True)


def encode_mp3(wav: Path, mp3: Path) -> None:
    import av

    with av.open(str(wav)) as source, av.open(str(mp3), mode="w", format="mp3") as out:
        stream: Any = out.add_stream("libmp3lame", rate=RATE)
        stream.layout = "mono"
        for frame in source.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
