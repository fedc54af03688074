"""The held-out utterance set: phrasings nobody wrote into the flow verbatim, in several voices and speeds.

Each item is (text, expected intent); ``utterances`` crosses them with espeak-ng voices and speeds, and
``accuracy`` runs recognition + intent matching over them (the tests and the ``robot`` benchmark report it).
A separate tuning set (other sayings, voices and speeds) is what settings are tried on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from switchboard.connectors.asr.base import Recogniser
from switchboard.domain.aivoice.dialog import match_intent
from switchboard.domain.aivoice.flow import Node
from switchboard.domain.aivoice.vad import FRAME_BYTES
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


# The tuning set: other sayings, voices and speeds. Decoder settings, grammars and phrase variants are
# tried on this set only; the held-out set above only measures.
TUNING_SAYINGS: tuple[tuple[str, str], ...] = (
    ("I will pay", "yes"),
    ("yes thank you", "yes"),
    ("I am interested", "yes"),
    ("not interested", "no"),
    ("no please", "no"),
    ("never thanks", "no"),
    ("busy", "later"),
    ("call back please", "later"),
    ("call me later please", "later"),
    ("hello", ""),
    ("what is this", ""),
    ("the car is red", ""),
)
TUNING_VOICES = ("en-029", "en-gb-x-gbclan", "en-us-nyc", "en-gb-x-gbcwmd", "en-us+f2", "en+m5")
TUNING_SPEEDS = (120, 145, 175)

Item = tuple[str, str, str, int]  # text, intent, voice, speed
Miss = tuple[str, str, str, str]  # text, voice@speed, words heard, intent matched


def utterances(count: int, *, tuning: bool = False) -> Iterator[Item]:
    """``count`` (text, intent, voice, speed) items, cycling sayings, voices and speeds."""
    sayings, voices, speeds = (TUNING_SAYINGS, TUNING_VOICES, TUNING_SPEEDS) if tuning else (SAYINGS, VOICES, SPEEDS)
    for i in range(count):
        text, intent = sayings[i % len(sayings)]
        voice = voices[(i // len(sayings)) % len(voices)]
        speed = speeds[(i // (len(sayings) * len(voices)) + i) % len(speeds)]
        yield text, intent, voice, speed


def accuracy(node: Node, asr: Recogniser, count: int, *, tuning: bool = False) -> tuple[float, list[Miss]]:
    """The share of utterances whose recognised intent is the expected one, and the misses."""
    misses: list[Miss] = []
    for text, expected, voice, speed in utterances(count, tuning=tuning):
        pcm = speak(text, voice, speed)
        stream = asr.stream()  # as the robot decodes: 20 ms at a time while the words arrive
        for i in range(0, len(pcm), FRAME_BYTES):
            stream.feed(pcm[i : i + FRAME_BYTES])
        heard = stream.finish().text
        intent = match_intent(node, heard, None)
        if (intent.name if intent else "") != expected:
            misses.append((text, f"{voice}@{speed}", heard, intent.name if intent else ""))
    return 1 - len(misses) / count, misses


def confusion(misses: list[Miss]) -> list[tuple[str, str, int]]:
    """(expected intent, intent matched, count) over the misses, commonest first ("" = no intent)."""
    expected = dict(SAYINGS + TUNING_SAYINGS)
    counts = Counter((expected.get(text, "?"), got) for text, _, _, got in misses)
    return [(want, got, n) for (want, got), n in counts.most_common()]
