"""G.711 mu-law and A-law (ITU-T G.711), as lookup tables: 8-bit samples to 16-bit linear and back.

Stored audio is 8 kHz mu-law; a call that negotiates PCMA gets it through ``ulaw_to_alaw`` (one
``bytes.translate``), so no audio is decoded during a call.
"""

from __future__ import annotations

import array
import sys
from functools import cache

ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5
BIAS = 0x84
ULAW_CLIP = 8159
ULAW_SEGMENTS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
ALAW_SEGMENTS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def ulaw_decode(byte: int) -> int:
    byte = ~byte & 0xFF
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    sample = (((mantissa << 3) + BIAS) << exponent) - BIAS
    return -sample if sign else sample


def ulaw_encode(sample: int) -> int:
    """The G.711 reference encoder (14-bit magnitude, as in CPython's audioop)."""
    value = max(-32768, min(32767, sample)) >> 2
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, ULAW_CLIP) + (BIAS >> 2)
    segment = _segment(value, ULAW_SEGMENTS)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


def alaw_decode(byte: int) -> int:
    byte ^= 0x55
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    if exponent == 0:
        sample = (mantissa << 4) + 8
    else:
        sample = ((mantissa << 4) + 0x108) << (exponent - 1)
    return sample if sign else -sample


def alaw_encode(sample: int) -> int:
    """The G.711 reference encoder (13-bit magnitude, as in CPython's audioop)."""
    value = max(-32768, min(32767, sample)) >> 3
    mask = 0xD5
    if value < 0:
        value, mask = -value - 1, 0x55
    segment = _segment(value, ALAW_SEGMENTS)
    if segment >= 8:
        return 0x7F ^ mask
    shift = 1 if segment < 2 else segment
    return ((segment << 4) | ((value >> shift) & 0x0F)) ^ mask


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for index, end in enumerate(ends):
        if value <= end:
            return index
    return len(ends)


ULAW_TO_ALAW = bytes(alaw_encode(ulaw_decode(b)) for b in range(256))
ALAW_TO_ULAW = bytes(ulaw_encode(alaw_decode(b)) for b in range(256))


def ulaw_to_alaw(data: bytes) -> bytes:
    return data.translate(ULAW_TO_ALAW)


def alaw_to_ulaw(data: bytes) -> bytes:
    return data.translate(ALAW_TO_ULAW)


@cache
def _ulaw_table() -> bytes:
    """mu-law byte of every 16-bit sample, indexed by the sample as unsigned (built once, 64 KiB)."""
    return bytes(ulaw_encode(s - 65536 if s >= 32768 else s) for s in range(65536))


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Signed 16-bit little-endian mono samples to mu-law bytes."""
    samples = array.array("H")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    table = _ulaw_table()
    return bytes([table[s] for s in samples])


def ulaw_to_pcm16(data: bytes) -> bytes:
    samples = array.array("h", (ulaw_decode(b) for b in data))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()
