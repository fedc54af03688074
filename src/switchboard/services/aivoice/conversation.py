"""A robot conversation over audio frames: robot TTS out, the callee's audio in through VAD and ASR.

``Conversation`` is transport-free: the caller hands it 20 ms frames of the callee's audio and takes what the
robot says. ``run_with_persona`` drives one against a simulated persona in-process (the same frame path the
RTP loop feeds), which is what the tests and the ``robot`` benchmark measure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from switchboard.connectors.asr.base import Recogniser
from switchboard.domain.aivoice.dialog import Dialog, Step
from switchboard.domain.aivoice.flow import Flow
from switchboard.domain.aivoice.vad import FRAME_BYTES, FRAME_MS, Detector
from switchboard.services.aivoice.personas import Persona, render, speak

MAX_TURNS = 20


@dataclass
class Outcome:
    dialog: Dialog
    ended_by: str  # ROBOT | PERSON
    delays_ms: list[float]
    elapsed_ms: int = 0  # the callee-audio timeline the robot listened to
    started: float = 0.0  # perf_counter at the start and the end of the conversation
    ended: float = 0.0


def frames(pcm: bytes) -> list[bytes]:
    """20 ms frames, the last one padded with silence."""
    out = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
    if out and len(out[-1]) < FRAME_BYTES:
        out[-1] = out[-1] + bytes(FRAME_BYTES - len(out[-1]))
    return out


def listen(step: Step, pcm: bytes) -> tuple[Detector, int]:
    """Feed the callee's audio (then silence) to a detector with the node's timeouts until it decides."""
    node = step.listen
    assert node is not None
    detector = Detector(timeout_ms=node.timeout_ms, max_speech_ms=node.max_speech_ms)
    silence = bytes(FRAME_BYTES)
    fed = 0
    for frame in frames(pcm):
        fed += 1
        if detector.feed(frame):
            return detector, fed
    while not detector.feed(silence):
        fed += 1
    return detector, fed


def _play(step: Step) -> None:
    """The robot's words take as long to play as their audio lasts (8 kHz, 16-bit)."""
    for action in step.actions:
        if action.kind == "speak" and action.text:
            time.sleep(len(speak(action.text)) / 16000)


def run_with_persona(
    flow: Flow, properties: dict[str, str], persona: Persona, asr: Recogniser, *, realtime: bool = False
) -> Outcome:
    """Run the flow against the persona's replies. ``delays_ms`` per reply: the end-of-utterance silence the
    detector waits for, plus recognition, the next step and rendering the robot's next words (TTS).
    ``realtime``: the callee's audio takes as long as it lasts (as over RTP), so concurrent calls interleave."""
    started = time.perf_counter()
    dialog = Dialog.of(flow, properties)
    step = dialog.begin()
    delays: list[float] = []
    offset_ms = 0
    for turn in range(MAX_TURNS):
        if realtime:
            _play(step)
        if step.listen is None:
            return Outcome(dialog, "ROBOT", delays, offset_ms, started, time.perf_counter())
        reply = persona.reply(turn)
        if reply.keys:
            step = dialog.hear(None, reply.keys)
            continue
        pcm = bytes(FRAME_BYTES * (reply.delay_ms // FRAME_MS))
        if reply.text:
            pcm += speak(reply.text, persona.voice, persona.wpm)
        heard_at = time.perf_counter()
        detector, _ = listen(step, pcm)
        if realtime:
            time.sleep(max(0.0, detector.elapsed_ms / 1000 - (time.perf_counter() - heard_at)))
        utterance = detector.result
        if utterance is None:
            step = dialog.hear(None)
            offset_ms += detector.elapsed_ms
            continue
        began = time.perf_counter()
        text = asr.recognise(utterance.pcm).text
        step = dialog.hear(text, None, offset_ms + utterance.start_ms, offset_ms + utterance.end_ms)
        first = next((a.text for a in step.actions if a.kind == "speak" and a.text), None)
        if first:
            render(first)  # the robot's next words rendered (not cached): its first audio could go out now
        delays.append((time.perf_counter() - began) * 1000 + detector.end_silence_ms)
        offset_ms += detector.elapsed_ms
    return Outcome(dialog, "ROBOT", delays, offset_ms, started, time.perf_counter())
