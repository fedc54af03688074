"""A robot conversation over audio frames: robot TTS out, the callee's audio in through VAD and ASR.

The loop is transport-free: it takes 20 ms frames of the callee's audio and answers what the robot says.
``run_with_persona`` drives one against a simulated persona in-process (the same frame path the RTP loop
feeds), which is what the tests and the ``robot`` benchmark measure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from switchboard.connectors.asr.base import Recogniser, Stream
from switchboard.domain.aivoice.dialog import Dialog, Step
from switchboard.domain.aivoice.flow import Flow
from switchboard.domain.aivoice.vad import FRAME_BYTES, FRAME_MS, Detector
from switchboard.services.aivoice.personas import Persona, speak
from switchboard.services.aivoice.prompts import Prompts

MAX_TURNS = 20
PACE_FRAMES = 1  # realtime: audio arrives 20 ms at a time, as RTP packets do


@dataclass
class Outcome:
    dialog: Dialog
    ended_by: str  # ROBOT | PERSON
    delays_ms: list[float]
    parts_ms: list[tuple[float, float, float]] = field(default_factory=list)  # per delay: wait, decode, prompt
    elapsed_ms: int = 0  # the callee-audio timeline the robot listened to
    started: float = 0.0  # perf_counter at the start and the end of the conversation
    ended: float = 0.0


def frames(pcm: bytes) -> list[bytes]:
    """20 ms frames, the last one padded with silence."""
    out = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
    if out and len(out[-1]) < FRAME_BYTES:
        out[-1] = out[-1] + bytes(FRAME_BYTES - len(out[-1]))
    return out


@dataclass
class Heard:
    """What one listening turn got: the detector's decision, the words (None: no speech) and when, on the
    performance counter, the callee's speech ended."""

    detector: Detector
    text: str | None
    speech_end: float
    decode_ms: float = 0.0  # the decoding left at the end of the utterance


def listen(step: Step, pcm: bytes, asr: Recogniser, *, realtime: bool = False) -> Heard:
    """Feed the callee's audio (then silence) to a detector with the node's timeouts until it decides; the
    speech is decoded while it arrives (streaming), so at the end of the utterance only its tail is left.
    ``realtime``: each frame is fed when it would have arrived over RTP."""
    node = step.listen
    assert node is not None
    detector = Detector(timeout_ms=node.timeout_ms, max_speech_ms=node.max_speech_ms)
    pieces = frames(pcm)
    silence = bytes(FRAME_BYTES)
    stream: Stream | None = None
    streamed = 0
    began = time.perf_counter()
    index = 0
    while True:
        if realtime and index % PACE_FRAMES == 0:
            # frames are fed once they have arrived (never earlier than over RTP)
            time.sleep(max(0.0, began + (index + PACE_FRAMES) * FRAME_MS / 1000 - time.perf_counter()))
        done = detector.feed(pieces[index] if index < len(pieces) else silence)
        index += 1
        if detector.speaking:
            stream = stream or asr.stream()
            for frame in detector.buffer[streamed:]:
                stream.feed(frame)
            streamed = len(detector.buffer)
        if done:
            break
    result = detector.result
    if result is None or stream is None:
        return Heard(detector, None, time.perf_counter())
    end_at = began + result.end_ms / 1000 if realtime else time.perf_counter() - detector.end_silence_ms / 1000
    decoding = time.perf_counter()
    text = stream.finish().text
    return Heard(detector, text, end_at, (time.perf_counter() - decoding) * 1000)


def _play(step: Step, prompts: Prompts) -> None:
    """The robot's words take as long to play as their audio lasts (8 kHz, 16-bit)."""
    for action in step.actions:
        if action.kind == "speak" and action.text:
            time.sleep(len(prompts.audio(action.text)) / 16000)


def run_with_persona(
    flow: Flow,
    properties: dict[str, str],
    persona: Persona,
    asr: Recogniser,
    *,
    realtime: bool = False,
    prompts: Prompts | None = None,
) -> Outcome:
    """Run the flow against the persona's replies. ``delays_ms`` per reply: from the end of the callee's
    speech to the robot's next words ready as audio (the end-of-utterance silence the detector waits for,
    the tail of the decoding, the next step, the prompt's audio from ``prompts``).
    ``realtime``: the callee's audio takes as long as it lasts (as over RTP), so concurrent calls interleave;
    the delay is then measured on that timeline, so any lag of the decoding behind the speech counts."""
    prompts = prompts or Prompts()
    started = time.perf_counter()
    dialog = Dialog.of(flow, properties)
    step = dialog.begin()
    delays: list[float] = []
    parts: list[tuple[float, float, float]] = []
    offset_ms = 0
    for turn in range(MAX_TURNS):
        if realtime:
            _play(step, prompts)
        if step.listen is None:
            return Outcome(dialog, "ROBOT", delays, parts, offset_ms, started, time.perf_counter())
        reply = persona.reply(turn)
        if reply.keys:
            step = dialog.hear(None, reply.keys)
            continue
        pcm = bytes(FRAME_BYTES * (reply.delay_ms // FRAME_MS))
        if reply.text:
            pcm += speak(reply.text, persona.voice, persona.wpm)
        heard = listen(step, pcm, asr, realtime=realtime)
        utterance = heard.detector.result
        if utterance is None:
            step = dialog.hear(None)
            offset_ms += heard.detector.elapsed_ms
            continue
        step = dialog.hear(heard.text, None, offset_ms + utterance.start_ms, offset_ms + utterance.end_ms)
        first = next((a.text for a in step.actions if a.kind == "speak" and a.text), None)
        rendering = time.perf_counter()
        if first:
            prompts.audio(first)  # the robot's next words as audio: its first RTP packet could go out now
        ready = time.perf_counter()
        delays.append((ready - heard.speech_end) * 1000)
        prompt_ms = (ready - rendering) * 1000
        parts.append((delays[-1] - heard.decode_ms - prompt_ms, heard.decode_ms, prompt_ms))
        offset_ms += heard.detector.elapsed_ms
    return Outcome(dialog, "ROBOT", delays, parts, offset_ms, started, time.perf_counter())
