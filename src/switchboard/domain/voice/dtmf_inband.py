"""In-band DTMF: keys heard in the audio (for far ends that do not send RFC 4733 events). Pure: samples in,
digits out.

Each 20 ms frame of 8 kHz G.711 audio is decoded, taken at 4 kHz (every second sample: the highest DTMF
tone, 1633 Hz, is below 2 kHz, and 20 ms still resolve 50 Hz) and, when it carries enough energy,
measured with the Goertzel filter at the eight DTMF frequencies. A frame holds a key when its strongest row
and column tones together carry most of the frame's energy, each stands well above the other tones of its
group, and the two are within 8 dB of each other (twist). A key is reported once two frames in a row hold
it (40 ms; keys last at least 40 ms, ITU-T Q.24) and not again until one without it. The cost (about 40 us
of CPU per frame with energy) is paid only on calls whose far end did not accept telephone-event.
"""

from __future__ import annotations

import math
from functools import cache

from switchboard.domain.voice import g711

RATE = 8000
STEP = 2  # analyse every second sample (4 kHz)
EVERY = 1  # of every frame
ROWS = (697, 770, 852, 941)
COLUMNS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
MIN_ENERGY = 160 * 400.0**2  # a frame quieter than a 400-amplitude tone (about -38 dBFS) holds no key
TONE_SHARE = 0.6  # of the frame's energy in the two tones (a pure pair of tones: ~1.0)
GROUP_MARGIN = 6.0  # the strongest tone of a group over the next one (power ratio, ~8 dB)
TWIST = 10 ** (8 / 10)  # the row and column tones within 8 dB of each other
HOLD_FRAMES = 2


@cache
def _coefficients(step: int) -> tuple[float, ...]:
    return tuple(2 * math.cos(2 * math.pi * f * step / RATE) for f in (*ROWS, *COLUMNS))


@cache
def _ulaw() -> tuple[int, ...]:
    return tuple(g711.ulaw_decode(b) for b in range(256))


@cache
def _alaw() -> tuple[int, ...]:
    return tuple(g711.alaw_decode(b) for b in range(256))


def decode(frame: bytes, *, alaw: bool = False, step: int = 1) -> list[int]:
    """Linear samples of a G.711 frame (every ``step``-th one)."""
    table = _alaw() if alaw else _ulaw()
    return [table[b] for b in frame[::step]]


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


def key_of(samples: list[int], *, step: int = 1) -> str | None:
    """The key one frame holds, or None (``samples`` taken at 8 kHz / ``step``)."""
    energy = float(sum(s * s for s in samples))
    if energy < MIN_ENERGY * len(samples) / 160:
        return None
    powers = [_power(samples, c) for c in _coefficients(step)]
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
    """Feed it the call's received G.711 frames; it answers a key once per press."""

    def __init__(self, *, alaw: bool = False) -> None:
        self.alaw = alaw
        self._frames = 0
        self._candidate: str | None = None
        self._held = 0
        self._reported = False

    def feed_frame(self, frame: bytes) -> str | None:
        self._frames += 1
        if self._frames % EVERY:
            return None
        return self.feed(decode(frame, alaw=self.alaw, step=STEP), step=STEP)

    def feed(self, samples: list[int], *, step: int = 1) -> str | None:
        """One analysed frame of samples (at 8 kHz / ``step``)."""
        key = key_of(samples, step=step)
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
