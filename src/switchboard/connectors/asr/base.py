"""The recogniser interface: 8 kHz 16-bit mono PCM of one utterance in, the words heard out.

An engine is built for a vocabulary (the flow's intent phrases), so it can decode against a grammar or a
keyword list; ``engine(name, phrases)`` picks one by the operator's setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Hypothesis:
    text: str
    score: int = 0


class Recogniser(Protocol):
    def recognise(self, pcm8k: bytes) -> Hypothesis:
        """The words of one utterance (empty text when nothing was understood)."""
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
