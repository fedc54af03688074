"""Voice activity and end of utterance on 8 kHz 16-bit PCM, one 20 ms frame at a time (pure, no I/O).

A frame is voiced when its RMS energy passes a threshold (fixed floor, or 3x the noise measured so far,
whichever is higher). Speech starts after ``start_frames`` voiced frames in a row; the utterance ends after
``end_silence_ms`` of unvoiced frames, or at ``max_speech_ms``. Before any speech, ``timeout_ms`` ends the
wait with no input.
"""

from __future__ import annotations

import array
import math
from dataclasses import dataclass, field

RATE = 8000
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000 * 2
END_SILENCE_MS = 500  # the silence that ends an utterance (600 before streaming decoding)


def rms(frame: bytes) -> float:
    samples = array.array("h", frame[: len(frame) // 2 * 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


@dataclass
class Utterance:
    start_ms: int
    end_ms: int
    pcm: bytes


@dataclass
class Detector:
    timeout_ms: int = 5000
    max_speech_ms: int = 10000
    end_silence_ms: int = END_SILENCE_MS
    floor: float = 300.0
    start_frames: int = 3
    elapsed_ms: int = 0
    noise: float = 0.0
    voiced_run: int = 0
    silence_ms: int = 0
    start_ms: int | None = None
    buffer: list[bytes] = field(default_factory=list)
    pending: list[bytes] = field(default_factory=list)
    done: bool = False
    result: Utterance | None = None

    @property
    def speaking(self) -> bool:
        """Speech has started (the robot stops talking here when barge-in is on)."""
        return self.start_ms is not None

    def feed(self, frame: bytes) -> bool:
        """Take one 20 ms frame; True once the wait is over (``result`` is the utterance or None: no input)."""
        if self.done:
            return True
        self.elapsed_ms += FRAME_MS
        energy = rms(frame)
        voiced = energy > max(self.floor, 3 * self.noise)
        if self.start_ms is None:
            return self._before_speech(frame, energy, voiced)
        self.buffer.append(frame)
        self.silence_ms = 0 if voiced else self.silence_ms + FRAME_MS
        if self.silence_ms >= self.end_silence_ms or self.elapsed_ms - self.start_ms >= self.max_speech_ms:
            end = self.elapsed_ms - self.silence_ms
            self.result = Utterance(self.start_ms, end, b"".join(self.buffer))
            self.done = True
        return self.done

    def _before_speech(self, frame: bytes, energy: float, voiced: bool) -> bool:
        if voiced:
            self.voiced_run += 1
            self.pending.append(frame)
            if self.voiced_run >= self.start_frames:
                self.start_ms = self.elapsed_ms - self.voiced_run * FRAME_MS
                self.buffer = list(self.pending)
        else:
            self.noise = energy if self.noise == 0 else 0.95 * self.noise + 0.05 * energy
            self.voiced_run = 0
            self.pending = []
        if self.start_ms is None and self.elapsed_ms >= self.timeout_ms:
            self.done = True
        return self.done

    def finish(self) -> Utterance | None:
        """The stream ended: whatever speech was under way is the utterance."""
        if not self.done and self.start_ms is not None:
            self.result = Utterance(self.start_ms, self.elapsed_ms - self.silence_ms, b"".join(self.buffer))
        self.done = True
        return self.result
