"""Offline recognition on telephone audio synthesised by espeak-ng: VAD, pocketsphinx, intents."""

from __future__ import annotations

import pytest

from switchboard.connectors.asr.base import AsrError, engine
from switchboard.connectors.asr.sphinx import upsample
from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.domain.aivoice.flow import load_text
from switchboard.domain.aivoice.vad import FRAME_BYTES, Detector
from switchboard.services.aivoice.conversation import frames, run_with_persona
from switchboard.services.aivoice.heldout import accuracy
from switchboard.services.aivoice.personas import PERSONAS, speak

FLOW = load_text(REMINDER_YAML)


@pytest.fixture(scope="module")
def asr():  # type: ignore[no-untyped-def]
    return engine("pocketsphinx", FLOW.phrases())


def test_upsample_doubles_and_interpolates() -> None:
    import array

    out = array.array("h", upsample(array.array("h", [0, 100, -100]).tobytes()))
    assert list(out) == [0, 50, 100, 0, -100, -100]


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(AsrError):
        engine("cloud", ["yes"])


def test_vad_finds_the_utterance_and_times_out_on_silence() -> None:
    pcm = bytes(FRAME_BYTES * 10) + speak("yes I am interested") + bytes(FRAME_BYTES * 50)
    detector = Detector(timeout_ms=3000)
    for frame in frames(pcm):
        if detector.feed(frame):
            break
    assert detector.result is not None
    assert 150 <= detector.result.start_ms <= 300 and detector.result.end_ms > detector.result.start_ms + 400
    quiet = Detector(timeout_ms=1000)
    for frame in frames(bytes(FRAME_BYTES * 100)):
        if quiet.feed(frame):
            break
    assert quiet.done and quiet.result is None and quiet.elapsed_ms == 1000


@pytest.mark.parametrize(
    ("persona", "intent", "level", "last"),
    [
        ("agrees", "yes", "A", "Thank you. Goodbye."),
        ("refuses", "no", "E", "I understand. Goodbye."),
        ("later", "later", "C", "We will call you later. Goodbye."),
        ("keys", "yes", "A", "Thank you. Goodbye."),
        ("silent", None, None, "Are you there?"),
    ],
)
def test_personas_take_their_branch_on_real_audio(
    asr, persona: str, intent: str | None, level: str | None, last: str
) -> None:  # type: ignore[no-untyped-def]
    outcome = run_with_persona(FLOW, {"name": "Ann", "amount": "40"}, PERSONAS[persona], asr)
    dialog = outcome.dialog
    assert dialog.intent == intent and dialog.level == level
    assert dialog.turns[-1].who == "ROBOT" and dialog.turns[-1].text == last
    if persona in ("agrees", "refuses", "later"):
        person = [t for t in dialog.turns if t.who == "PERSON"]
        assert person and person[0].start_ms is not None and person[0].end_ms is not None


def test_held_out_accuracy_on_102_utterances(asr) -> None:  # type: ignore[no-untyped-def]
    """The goal is 90%; measured 80-85% (the misses are mostly words outside every intent, which the phrase
    grammar forces onto some phrase). The floor here guards against regressions."""
    share, misses = accuracy(FLOW.nodes["ask"], asr, 102)
    assert share >= 0.75, misses
