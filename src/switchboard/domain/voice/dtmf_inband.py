"""In-band DTMF: keys heard in the audio (for far ends that do not send RFC 4733 events). Pure: samples in,
digits out.

Each 20 ms frame of 8 kHz G.711 audio is decoded and, when it carries enough energy, measured with the
Goertzel filter at the eight DTMF frequencies. A frame holds a key when its strongest row and column tones
together carry most of the frame's energy, each stands well above the other tones of its group, and the two
are within 8 dB of each other (twist). A key is reported once it is held for two frames (40 ms; keys last at
least 40 ms, ITU-T Q.24) and not again until a frame without it.
"""

from __future__ import annotations

import math
from functools import cache

from switchboard.domain.voice import g711

RATE = 8000
ROWS = (697, 770, 852, 941)
COLUMNS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
MIN_ENERGY = 160 * 400.0**2  # a frame quieter than a 400-amplitude tone (about -38 dBFS) holds no key
TONE_SHARE = 0.6  # of the frame's energy in the two tones (a pure pair of tones: ~1.0)
GROUP_MARGIN = 6.0  # the strongest tone of a group over the next one (power ratio, ~8 dB)
TWIST = 10 ** (8 / 10)  # the row and column tones within 8 dB of each other
HOLD_FRAMES = 2


@cache
def _coefficients(size: int) -> tuple[float, ...]:
    return tuple(2 * math.cos(2 * math.pi * f / RATE) for f in (*ROWS, *COLUMNS))


@cache
def _ulaw() -> tuple[int, ...]:
    return tuple(g711.ulaw_decode(b) for b in range(256))


@cache
def _alaw() -> tuple[int, ...]:
    return tuple(g711.alaw_decode(b) for b in range(256))


def decode(frame: bytes, *, alaw: bool = False) -> list[int]:
    table = _alaw() if alaw else _ulaw()
    return [table[b] for b in frame]


def _power(samples: list[int], coefficient: float) -> float:
    """The Goertzel filter's power at one frequency."""
    s1 = s2 = 0.0
    for sample in samples:
        s1, s2 = sample + coefficient * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2


def _best(powers: list[float]) -> tuple[int, float] | None:
    ordered = sorted(range(len(powers)), key=powers.__getitem__, reverse=True)
    first, second = powers[ordered[0]], powers[ordered[1]]
    return (ordered[0], first) if first > GROUP_MARGIN * second else None


def key_of(samples: list[int]) -> str | None:
    """The key one frame holds, or None."""
    energy = float(sum(s * s for s in samples))
    if energy < MIN_ENERGY:
        return None
    powers = [_power(samples, c) for c in _coefficients(len(samples))]
    row, column = _best(powers[:4]), _best(powers[4:])
    if row is None or column is None:
        return None
    (r, row_power), (c, column_power) = row, column
    if max(row_power, column_power) > TWIST * min(row_power, column_power):
        return None
    # Goertzel power of a tone of amplitude A over N samples is (A N / 2)^2; its energy is A^2 N / 2.
    tones = 2 * (row_power + column_power) / len(samples)
    return KEYS[r][c] if tones >= TONE_SHARE * energy else None


class InbandDetector:
    """Feed it the call's received frames; it answers a key once per press."""

    def __init__(self) -> None:
        self._candidate: str | None = None
        self._held = 0
        self._reported = False

    def feed(self, samples: list[int]) -> str | None:
        key = key_of(samples)
        if key is None or key != self._candidate:
            self._candidate, self._held, self._reported = key, (1 if key else 0), False
            return None
        self._held += 1
        if self._held >= HOLD_FRAMES and not self._reported:
            self._reported = True
            return key
        return None


def tone(key: str, seconds: float, amplitude: int = 6000) -> list[int]:
    """The two tones of ``key`` as 8 kHz samples (for the simulated callee and tests)."""
    for r, row in enumerate(KEYS):
        if key in row:
            low, high = ROWS[r], COLUMNS[row.index(key)]
            break
    else:
        raise ValueError(f"{key!r} is not a DTMF key")
    count = int(RATE * seconds)
    return [
        int(amplitude * (math.sin(2 * math.pi * low * n / RATE) + math.sin(2 * math.pi * high * n / RATE)))
        for n in range(count)
    ]
