"""The held-out utterance set: phrasings nobody wrote into the flow verbatim, in several voices and speeds.

Each item is (text, expected intent); ``utterances`` crosses them with espeak-ng voices and speeds, and
``accuracy`` runs recognition + intent matching over them (the tests and the ``robot`` benchmark report it).
"""

from __future__ import annotations

from collections.abc import Iterator

from switchboard.connectors.asr.base import Recogniser
from switchboard.domain.aivoice.dialog import match_intent
from switchboard.domain.aivoice.flow import Node
from switchboard.services.aivoice.personas import SPEEDS, VOICES, speak

SAYINGS: tuple[tuple[str, str], ...] = (
    ("yes", "yes"),
    ("yes sure", "yes"),
    ("sure I will pay", "yes"),
    ("sure I am interested", "yes"),
    ("yes please", "yes"),
    ("no", "no"),
    ("no thanks", "no"),
    ("I am not interested", "no"),
    ("never", "no"),
    ("no thank you", "no"),
    ("call me later", "later"),
    ("I am busy", "later"),
    ("later please", "later"),
    ("please call back", "later"),
    ("I am busy call me later", "later"),
    ("banana", ""),
    ("the weather", ""),
)


def utterances(count: int) -> Iterator[tuple[str, str, str, int]]:
    """``count`` (text, intent, voice, speed) items, cycling sayings, voices and speeds."""
    for i in range(count):
        text, intent = SAYINGS[i % len(SAYINGS)]
        voice = VOICES[(i // len(SAYINGS)) % len(VOICES)]
        speed = SPEEDS[(i // (len(SAYINGS) * len(VOICES)) + i) % len(SPEEDS)]
        yield text, intent, voice, speed


def accuracy(node: Node, asr: Recogniser, count: int) -> tuple[float, list[tuple[str, str, str, str]]]:
    """The share of utterances whose recognised intent is the expected one, and the misses."""
    misses: list[tuple[str, str, str, str]] = []
    for text, expected, voice, speed in utterances(count):
        heard = asr.recognise(speak(text, voice, speed)).text
        intent = match_intent(node, heard, None)
        if (intent.name if intent else "") != expected:
            misses.append((text, f"{voice}@{speed}", heard, intent.name if intent else ""))
    return 1 - len(misses) / count, misses
