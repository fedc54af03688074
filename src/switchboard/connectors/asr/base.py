"""The recogniser interface: 8 kHz 16-bit mono PCM of one utterance in, the words heard out.

An engine is built for a vocabulary (the flow's intent phrases), so it can decode against a grammar or a
keyword list; ``engine(name, phrases)`` picks one by the operator's setting. ``stream()`` decodes while the
callee speaks (the robot's response delay is then the end-of-utterance silence plus the last bit of work).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Hypothesis:
    text: str
    score: int = 0


class Stream(Protocol):
    """One utterance decoded while it arrives: ``feed`` audio as it comes, ``finish`` at its end."""

    def feed(self, pcm8k: bytes) -> None: ...

    def finish(self) -> Hypothesis:
        """The words of the utterance; the stream is closed (its decoder goes back to the pool)."""
        ...


class Recogniser(Protocol):
    def recognise(self, pcm8k: bytes) -> Hypothesis:
        """The words of one utterance (empty text when nothing was understood)."""
        ...

    def stream(self) -> Stream:
        """Start an utterance that is fed while the callee speaks, so little is left to do at its end."""
        ...

    def warm(self, decoders: int) -> None:
        """Get ready for ``decoders`` utterances at once (load models now rather than during a call)."""
        ...


class AsrError(RuntimeError):
    """An engine could not be built or failed on audio."""


def engine(name: str, phrases: list[str]) -> Recogniser:
    """The engine called ``name`` for a vocabulary; "pocketsphinx" is the only one built in."""
    if name == "pocketsphinx":
        from switchboard.connectors.asr.sphinx import SphinxRecogniser

        return SphinxRecogniser(phrases)
    raise AsrError(f"unknown speech recognition engine {name!r}")
