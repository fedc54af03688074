"""Offline recognition on telephone audio synthesised by espeak-ng: VAD, pocketsphinx, intents."""

from __future__ import annotations

import pytest

from switchboard.connectors.asr.base import AsrError, engine
from switchboard.connectors.asr.sphinx import upsample
from switchboard.domain.aivoice.dialog import match_intent
from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.domain.aivoice.flow import load_text
from switchboard.domain.aivoice.vad import END_SILENCE_MS, FRAME_BYTES, Detector
from switchboard.services.aivoice.conversation import frames, run_with_persona
from switchboard.services.aivoice.heldout import accuracy, confusion, utterances
from switchboard.services.aivoice.personas import PERSONAS, speak
from switchboard.services.aivoice.prompts import Prompts

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
    """The goal is 90%; measured 83.3% (the misses are mostly "no" sayings decoded as an unfinished path, so
    no intent). The floor here guards against regressions."""
    share, misses = accuracy(FLOW.nodes["ask"], asr, 102)
    assert share >= 0.8, misses


def test_streaming_decodes_while_the_callee_speaks(asr) -> None:  # type: ignore[no-untyped-def]
    """Fed 20 ms at a time, the stream ends with the same intent as decoding the whole utterance."""
    node = FLOW.nodes["ask"]
    for text in ("yes I am interested", "call me later"):
        pcm = speak(text)
        stream = asr.stream()
        for frame in frames(pcm):
            stream.feed(frame)
        streamed = match_intent(node, stream.finish().text, None)
        whole = match_intent(node, asr.recognise(pcm).text, None)
        assert streamed is not None and whole is not None and streamed.name == whole.name
    assert asr.stream().finish().text == ""


def test_prompts_render_static_texts_once_and_keep_the_recent() -> None:
    rendered: list[str] = []

    def tts(text: str) -> bytes:
        rendered.append(text)
        return text.encode()

    prompts = Prompts(limit=5, tts=tts)
    static = prompts.preload(FLOW)
    assert static == len(rendered) == 5 and not any("${" in text for text in rendered)
    assert prompts.audio("Are you there?") == b"Are you there?" and len(rendered) == 5
    prompts.audio("Hello Ann")
    assert rendered[-1] == "Hello Ann" and len(rendered) == 6
    prompts.audio("Are you there?")
    assert len(rendered) == 6  # used recently: kept
    prompts.audio("I understand. Goodbye.")
    assert len(rendered) == 7  # the least recently used went past the limit


def test_response_delay_parts_add_up(asr) -> None:  # type: ignore[no-untyped-def]
    outcome = run_with_persona(FLOW, {"name": "Ann", "amount": "40"}, PERSONAS["later"], asr)
    assert len(outcome.delays_ms) == len(outcome.parts_ms) == 1
    wait, decode, prompt = outcome.parts_ms[0]
    assert abs(wait + decode + prompt - outcome.delays_ms[0]) < 1
    assert wait >= END_SILENCE_MS - 1


def test_tuning_set_shares_nothing_with_the_held_out_set() -> None:
    held = list(utterances(102))
    tuning = list(utterances(72, tuning=True))
    assert not {t for t, *_ in held} & {t for t, *_ in tuning}
    assert not {v for _, _, v, _ in held} & {v for _, _, v, _ in tuning}
    assert len({(v, s) for _, _, v, s in held}) >= 6 and len({v for _, _, v, _ in tuning}) == 6
    misses = [("banana", "en@130", "i no", "no"), ("never", "en@160", "i will", ""), ("no", "en@190", "", "")]
    assert confusion(misses) == [("no", "", 2), ("", "no", 1)]


def test_a_streamed_utterance_does_not_depend_on_the_previous_call(asr) -> None:  # type: ignore[no-untyped-def]
    """Each stream starts from the same cepstral mean, so the same audio gives the same words on a decoder
    that has just decoded another voice."""
    pcm = speak("call me later", "en-gb-scotland", 130)

    def decode(audio: bytes) -> str:
        stream = asr.stream()
        for frame in frames(audio):
            stream.feed(frame)
        return str(stream.finish().text)

    first = decode(pcm)
    decode(speak("no thanks", "en-us+f3", 190))
    assert decode(pcm) == first
