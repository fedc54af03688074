"""Audio test files made on the spot: WAV with sox, MP3 and M4A (AAC) with PyAV's encoders."""

from __future__ import annotations

import io
import math
import struct
from typing import Any

import av


def encode(container: str, codec: str, seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A 440 Hz tone encoded by FFmpeg (through PyAV): ("mp3", "libmp3lame") or ("ipod", "aac") for .m4a."""
    pcm = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        for start in range(0, len(pcm) // 2, 1024):
            chunk = pcm[start * 2 : (start + 1024) * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk)
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
