"""The ``robot`` scenario: concurrent AI-voice robot conversations with recognition running, on 2 cores.

Each conversation is the payment-reminder flow against a speaking simulated persona (espeak-ng audio at
8 kHz through a mu-law channel -> VAD -> pocketsphinx -> intent -> next node -> TTS of the reply). The
callee's audio is paced in real time, 20 ms frames as RTP would deliver them, and decoded while it arrives.
The response delay is from the end of the callee's speech (on that real-time timeline) to the robot's next
words ready as audio; its parts: the silence that decides the utterance is over, how late the call's thread
took that decision (scheduling under load), the decoding left at the end, the next prompt's audio. The
held-out set's intent accuracy is reported too, with the confusion of its misses.
"""

from __future__ import annotations

import concurrent.futures
import statistics
import time

from bench.results import Extra, Measurement
from bench.scenarios.base import Context
from switchboard.connectors.asr.base import engine
from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.domain.aivoice.flow import load_text
from switchboard.domain.aivoice.vad import END_SILENCE_MS
from switchboard.services.aivoice.conversation import run_with_persona
from switchboard.services.aivoice.heldout import accuracy, confusion
from switchboard.services.aivoice.personas import PERSONAS
from switchboard.services.aivoice.prompts import Prompts

CONCURRENT = 20
DIAL_CPS = 2.0
HELD_OUT = 102
TALKERS = ("agrees", "refuses", "later")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RobotScenario:
    name = "robot"
    description = "20 concurrent robot calls (VAD + pocketsphinx + TTS) and intent accuracy on 102 held-out utterances"

    def run(self, ctx: Context) -> None:
        flow = load_text(REMINDER_YAML)
        asr = engine("pocketsphinx", flow.phrases())
        calls = CONCURRENT if not ctx.config.quick else 6
        asr.warm(calls)
        prompts = Prompts()
        prompts.preload(flow)
        ctx.step(f"robot: {calls} concurrent conversations")
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=calls) as pool:
            outcomes = list(
                pool.map(
                    lambda i: run_with_persona(
                        flow,
                        {"name": "Ann", "amount": "40"},
                        PERSONAS[TALKERS[i % 3]],
                        asr,
                        realtime=True,
                        prompts=prompts,
                    ),
                    range(calls),
                )
            )
        wall = time.perf_counter() - began
        spans = [(o.started, o.ended) for o in outcomes]
        peak = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
        delays = [d for o in outcomes for d in o.delays_ms]
        right = sum(
            o.dialog.intent == TALKERS[i % 3].replace("agrees", "yes").replace("refuses", "no")
            for i, o in enumerate(outcomes)
        )
        ctx.step(f"robot: intent accuracy over {HELD_OUT} held-out utterances")
        share, misses = accuracy(flow.nodes["ask"], asr, HELD_OUT if not ctx.config.quick else 34)
        p50, p95 = _pct(delays, 0.5), _pct(delays, 0.95)
        parts = [p for o in outcomes for p in o.parts_ms]
        wait, decode, prompt = (statistics.median(p[k] for p in parts) if parts else 0.0 for k in range(3))
        extra = [
            Extra("response delay p50 / p95", p50, f"{p50:.0f} / {p95:.0f} ms (goal < 800 / 1500)"),
            Extra(
                "delay parts (median)",
                wait,
                f"silence {END_SILENCE_MS} + late {wait - END_SILENCE_MS:.0f} + decode tail {decode:.0f}"
                f" + prompt {prompt:.0f} ms",
            ),
            Extra("branch right", right / calls, f"{right}/{calls} conversations"),
            Extra("held-out intent accuracy", share, f"{share:.1%} (goal >= 90%)"),
            Extra(
                "held-out misses (want>got)",
                len(misses),
                ", ".join(f"{want or '-'}>{got or '-'} {n}" for want, got, n in confusion(misses)) or "none",
            ),
            Extra("wall time", wall, f"{wall:.1f} s for {calls} calls, {peak} at once at the peak"),
        ]
        data = {
            "concurrent": calls,
            "peak_concurrent": peak,
            "delays_ms": delays,
            "p50_ms": p50,
            "p95_ms": p95,
            "parts_ms": parts,
            "mean_ms": statistics.fmean(delays) if delays else None,
            "accuracy": share,
            "misses": misses,
        }
        ctx.record(Measurement("robot", "in-process", "", 1, None, extra=extra, data=data))
