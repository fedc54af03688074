"""Simulated customers that really talk: scripted replies rendered by espeak-ng to 8 kHz telephone audio.

A persona answers each robot question with its next reply: words (spoken in its voice and speed), DTMF
keys, or silence. ``speak`` is also what the tests and the ``robot`` benchmark use to make utterances.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass

from switchboard.domain.voice.g711 import pcm16_to_ulaw, ulaw_to_pcm16

VOICES = ("en-us", "en", "en-gb-scotland", "en-us+f3", "en+m3", "en-gb-x-rp")
SPEEDS = (130, 160, 190)


@functools.lru_cache(maxsize=512)
def speak(text: str, voice: str = "en-us", wpm: int = 160) -> bytes:
    """``render`` kept in memory: a persona's lines are the callee's audio, not work of the robot's side."""
    return render(text, voice, wpm)


def render(text: str, voice: str = "en-us", wpm: int = 160, timeout: float = 20.0) -> bytes:
    """``text`` spoken by espeak-ng, as 8 kHz 16-bit mono PCM that went through a mu-law phone channel.

    sox runs without dither (``-D``): with it the same text gave different audio each time, so the held-out
    accuracy moved from run to run."""
    try:
        wav = subprocess.run(  # noqa: S603 - a fixed program, arguments as a list
            ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],  # noqa: S607
            capture_output=True,
            check=True,
            timeout=timeout,
        ).stdout
        pcm = subprocess.run(  # noqa: S603
            ["sox", "-D", "-t", "wav", "-", "-t", "raw", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", "-"],  # noqa: S607
            input=wav,
            capture_output=True,
            check=True,
            timeout=timeout,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"could not synthesise {text!r}: {exc}") from exc
    return ulaw_to_pcm16(pcm16_to_ulaw(pcm))


@dataclass(frozen=True)
class Reply:
    text: str | None = None  # words to say; None with no keys: silence
    keys: str | None = None
    delay_ms: int = 300


@dataclass(frozen=True)
class Persona:
    name: str
    replies: tuple[Reply, ...]
    voice: str = "en-us"
    wpm: int = 160
    answers: bool = True  # False: the call rings out (NO_ANSWER)

    def reply(self, turn: int) -> Reply:
        return self.replies[turn] if turn < len(self.replies) else Reply()


PERSONAS: dict[str, Persona] = {
    "agrees": Persona("agrees", (Reply("yes I am interested"),)),
    "refuses": Persona("refuses", (Reply("no thanks I am not interested"),), voice="en-us+f3"),
    "later": Persona("later", (Reply("I am busy call me later"),), voice="en", wpm=140),
    "keys": Persona("keys", (Reply(keys="1"),)),
    "silent": Persona("silent", ()),
    "noanswer": Persona("noanswer", (), answers=False),
}
