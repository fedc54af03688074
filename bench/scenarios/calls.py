"""calls: Switchboard's SIP call engine (``SipTrunk``, what the voice worker uses) against SIPp on loopback.

SIPp (Debian ``sip-tester``) runs as an answering UAS on 127.0.0.1 with ``-rtp_echo`` (180 then 200 with SDP at
once, ACK, BYE/200). The engine runs in the bench process: one trunk, calls paced by the worker's ``CpsPacer``
at increasing calls per second, each playing a short mu-law tone. Per step: calls attempted and answered,
answered calls/s, INVITE->200 p50/p99, RTP send lateness (mean of the calls' means, worst packet), packets
echoed/sent, the peak of calls in progress, and the CPU of the engine and of SIPp.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.procs import ManagedProcess
from bench.procstats import CpuSampler
from bench.results import Extra, Measurement
from bench.scenarios.base import Context
from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.domain.voice.pacing import CpsPacer

QUICK_RATES = (5, 10)
RATES = (5, 10, 20, 40, 80)
QUICK_STEP_S = 3.0
MAX_STEP_S = 6.0
AUDIO_S = 1.0
RING_S = 5.0
STEP_TAIL_S = 8.0  # seconds after the last start before unfinished calls are hung up
SIPP_START_S = 0.5


def tone(seconds: float = AUDIO_S, hz: float = 400.0) -> bytes:
    """``seconds`` of an 8 kHz mu-law sine at about -12 dBFS."""
    out = bytearray()
    for n in range(int(8000 * seconds)):
        sample = int(8000 * math.sin(2 * math.pi * hz * n / 8000))
        sign = 0x80 if sample < 0 else 0
        magnitude = min(abs(sample), 32635) + 0x84
        exponent = max(0, magnitude.bit_length() - 8)
        mantissa = (magnitude >> (exponent + 3)) & 0x0F
        out.append(~(sign | (exponent << 4) | mantissa) & 0xFF)
    return bytes(out)


SDP = """v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""


def _response(code: int, reason: str, *, tag: bool = True, sdp: bool = False) -> str:
    to = "[last_To:];tag=[pid]SIPpTag01[call_number]" if tag else "[last_To:]"
    kind = "Content-Type: application/sdp\n" if sdp else ""
    retrans = ' retrans="500"' if sdp else ""
    return (
        f"<send{retrans}><![CDATA[\n"
        f"SIP/2.0 {code} {reason}\n[last_Via:]\n[last_From:]\n{to}\n[last_Call-ID:]\n[last_CSeq:]\n"
        f"Contact: <sip:[local_ip]:[local_port];transport=[transport]>\n{kind}Content-Length: [len]\n\n"
        f"{SDP if sdp else ''}]]></send>\n"
    )


ANSWER_XML = (
    '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="bench-answer">\n'
    '<recv request="INVITE" crlf="true"/>\n'
    + _response(180, "Ringing")
    + _response(200, "OK", sdp=True)
    + '<recv request="ACK" crlf="true"/>\n<recv request="BYE"/>\n'
    + _response(200, "OK", tag=False)
    + "</scenario>\n"
)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class StepResult:
    cps: int
    seconds: float
    results: list[CallResult]
    errors: int
    peak_active: int
    started: float
    ended: float


async def _step(trunk: SipTrunk, cps: int, seconds: float, audio: bytes, offset: int) -> StepResult:
    loop = asyncio.get_running_loop()
    pacer = CpsPacer(cps)
    hangup = asyncio.Event()
    count = max(1, round(cps * seconds))
    active = peak = 0

    async def one(n: int) -> CallResult:
        nonlocal active, peak
        await asyncio.sleep(pacer.reserve(loop.time()))
        active += 1
        peak = max(peak, active)
        try:
            number = offset + n
            request = CallRequest(f"bench-{number}", f"9198{number:08d}", "1234567", audio, 1, RING_S, None)
            return await trunk.place(request, hangup)
        finally:
            active -= 1

    started = time.time()
    tasks = [asyncio.ensure_future(one(n)) for n in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=seconds + STEP_TAIL_S)
    if pending:  # hang up what is still running; the trunk still returns a result for each
        hangup.set()
        await asyncio.wait(pending, timeout=5.0)
    results: list[CallResult] = []
    errors = 0
    for task in tasks:
        if not task.done():
            task.cancel()
            errors += 1
        elif task.exception() is not None:
            errors += 1
        else:
            results.append(task.result())
    return StepResult(cps, seconds, results, errors, peak, started, time.time())


async def _run_steps(port: int, rates: tuple[int, ...], seconds: float, on_step: Any) -> list[StepResult]:
    trunk = SipTrunk(SipTrunkConfig(name="sipp", host="127.0.0.1", port=port, local_host="127.0.0.1"))
    await trunk.start()
    audio = tone()
    out: list[StepResult] = []
    try:
        for index, cps in enumerate(rates):
            on_step(cps)
            out.append(await _step(trunk, cps, seconds, audio, offset=index * 10_000))
            await asyncio.sleep(0.5)  # let the last BYEs settle before the next step
    finally:
        await trunk.stop()
    return out


def _fmt(value: float | None, unit: str = " ms") -> str:
    return "n/a" if value is None else f"{value:,.2f}{unit}"


def _measurement(step: StepResult, cpu: dict[str, float | None]) -> Measurement:
    results = step.results
    attempted = len(results) + step.errors
    answered = [r for r in results if r.answered and r.answered_at is not None]
    setup_ms = [(r.answered_at - r.started_at) * 1000 for r in answered if r.answered_at is not None]
    answers = sorted(r.answered_at for r in answered if r.answered_at is not None)
    rate = (len(answers) - 1) / (answers[-1] - answers[0]) if len(answers) > 1 and answers[-1] > answers[0] else None
    sent = sum(r.media.sent for r in answered)
    received = sum(r.media.received for r in answered)
    mean_late = sum(r.media.mean_late_ms for r in answered) / len(answered) if answered else None
    worst_late = max((r.media.max_late_ms for r in answered), default=None)
    echo = received / sent if sent else None
    p50, p99 = percentile(setup_ms, 0.5), percentile(setup_ms, 0.99)
    codes: dict[str, int] = {}
    for r in results:
        codes[str(r.code)] = codes.get(str(r.code), 0) + 1
    engine, sipp = cpu.get("engine"), cpu.get("sipp")
    prefix = f"{step.cps} cps: "
    extra = [
        Extra(prefix + "calls attempted / answered", len(answered), f"{attempted:,} / {len(answered):,}"),
        Extra(prefix + "answered calls/s", rate, _fmt(rate, "")),
        Extra(prefix + "INVITE->200 p50 / p99", p50, f"{_fmt(p50, '')} / {_fmt(p99)}"),
        Extra(prefix + "RTP send lateness mean / worst", mean_late, f"{_fmt(mean_late, '')} / {_fmt(worst_late)}"),
        Extra(prefix + "RTP echoed / sent", echo, f"{received:,} / {sent:,} ({_fmt(echo, '')})"),
        Extra(prefix + "peak concurrent calls", step.peak_active, f"{step.peak_active}"),
        Extra(
            prefix + "CPU engine / sipp",
            engine,
            f"{_fmt(engine, '%')} / {_fmt(sipp, '%')}",
        ),
    ]
    data = {
        "cps": step.cps,
        "seconds": step.seconds,
        "attempted": attempted,
        "answered": len(answered),
        "errors": step.errors,
        "codes": codes,
        "answered_per_s": rate,
        "invite_to_200_ms": {"p50": p50, "p99": p99, "all": setup_ms},
        "rtp": {"sent": sent, "received": received, "mean_late_ms": mean_late, "max_late_ms": worst_late},
        "peak_concurrent": step.peak_active,
        "call_s_mean": (
            sum(r.ended_at - r.started_at for r in answered if r.ended_at) / len(answered) if answered else None
        ),
        "cpu_pct": cpu,
    }
    return Measurement("calls", "sip-trunk", "", 1, None, extra=extra, data=data)


class CallsScenario:
    name = "calls"
    description = "SIP calls through the voice engine against a SIPp UAS with RTP echo, at increasing calls/s"

    def run(self, ctx: Context) -> None:
        if shutil.which("sipp") is None:
            ctx.warn("calls: skipped, `sipp` is not installed (Debian package sip-tester: apt-get install sip-tester)")
            return
        quick = ctx.config.quick
        rates = QUICK_RATES if quick else RATES
        seconds = QUICK_STEP_S if quick else min(ctx.config.seconds, MAX_STEP_S)
        with tempfile.TemporaryDirectory(prefix="bench-calls-") as tmp:
            folder = Path(tmp)
            xml = folder / "answer.xml"
            xml.write_text(ANSWER_XML)
            port, media = free_udp_port(), free_udp_port()
            command = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1"]
            command += ["-mp", str(media), "-rtp_echo", "-nostdin", "-max_socket", "1024"]
            log = folder / "sipp.log"
            ctx.step(f"calls: SIPp UAS on 127.0.0.1:{port} with RTP echo; steps {', '.join(map(str, rates))} cps")
            try:
                with ManagedProcess(command, env=dict(os.environ), log=log, grace=2.0) as sipp:
                    time.sleep(SIPP_START_S)
                    if sipp.exited():
                        raise BenchError(f"SIPp exited at start: {log.read_text(errors='replace')[-500:]}")
                    with CpuSampler({"engine": [os.getpid()], "sipp": [sipp.pid]}) as cpu:

                        def on_step(cps: int) -> None:
                            ctx.step(f"calls: {cps} calls/s for {seconds:g}s, {AUDIO_S:g}s of audio each")

                        steps = asyncio.run(_run_steps(port, rates, seconds, on_step))
                    if sipp.exited():
                        ctx.warn(f"calls: SIPp exited during the run: {log.read_text(errors='replace')[-300:]}")
            except BenchError as exc:
                ctx.fail("calls", exc)
                return
            for step in steps:
                measurement = _measurement(step, cpu.percent(step.started, step.ended))
                if measurement.data["answered"] < measurement.data["attempted"]:
                    ctx.warn(
                        f"calls: {step.cps} cps: {measurement.data['answered']} of "
                        f"{measurement.data['attempted']} calls answered (codes {measurement.data['codes']})"
                    )
                ctx.record(measurement)
