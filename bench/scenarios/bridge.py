"""bridge: concurrent bridged, recorded calls (the sendSip B2BUA) with SIPp on both sides, on loopback.

Two SIPp UAS processes play the phones and the callees: each answers, then streams a tone (``rtp_stream``)
until our BYE. The bench process runs the call logic as the voice worker does: a ``SipServer`` rings the
"phone" (``BridgedCall``), a ``SipTrunk`` dials the callee with the relay's socket, ``RtpRelay`` carries both
directions and ``CallRecorder`` records each call. Per step of N concurrent calls, held ``HOLD_S`` seconds:
calls bridged, RTP packets the relay received and forwarded per direction (a packet received and not
forwarded is dropped; fewer received than the tone's 50 packets/s is lost before us), the event loop's
lateness p99 (each packet is forwarded synchronously on arrival, so it waits at most that long: the relay
delay), the CPU of the bench process per call and its memory per call, and the time to finish the recordings.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.procs import ManagedProcess
from bench.procstats import CpuSampler
from bench.results import Extra, Measurement
from bench.scenarios.base import Context
from bench.scenarios.calls import SIPP_START_S, _fmt, _response, free_udp_port, percentile
from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.bridge import BridgeConfig, BridgedCall, BridgeResult
from switchboard.connectors.voice.phone_leg import PhoneContact
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.sip_server import Inbound, SipServer
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig

QUICK_SIZES = (10, 25)
SIZES = (25, 50, 100, 150)
QUICK_HOLD_S = 5.0
HOLD_S = 10.0
START_CPS = 25


def uas_xml(tone: Path) -> str:
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="bench-bridge">\n'
        '<recv request="INVITE" crlf="true"/>\n'
        + _response(180, "Ringing")
        + _response(200, "OK", sdp=True)
        + '<recv request="ACK" crlf="true"/>\n'
        + f'<nop><action><exec rtp_stream="{tone},-1,0"/></action></nop>\n'
        + '<recv request="BYE"/>\n'
        + _response(200, "OK", tag=False)
        + "</scenario>\n"
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class StepResult:
    size: int
    results: list[BridgeResult]
    hold_from: float
    hold_to: float
    lag_ms: list[float]
    rss_before: float
    rss_held: float
    finish_s: float


async def _lag(stop: asyncio.Event, out: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + 0.01
        await asyncio.sleep(0.01)
        out.append(max(0.0, loop.time() - due) * 1000)


async def _step(size: int, hold: float, phones: int, callees: int, folder: Path) -> StepResult:
    async def ignore(_: Inbound) -> None:
        return None

    server = SipServer(ignore)
    await server.start("127.0.0.1", 0)
    trunk = SipTrunk(SipTrunkConfig(name="sipp", host="127.0.0.1", port=callees, local_host="127.0.0.1", linger=1))
    await trunk.start()
    hangup = asyncio.Event()
    rss_before = rss_mb()

    async def dial(request: CallRequest, ending: asyncio.Event) -> CallResult:
        return await trunk.place(request, ending)

    async def one(n: int) -> BridgeResult:
        await asyncio.sleep(n / START_CPS)
        contact = PhoneContact(f"sip:phone{n}@127.0.0.1:{phones}", ("127.0.0.1", phones))
        recorder = CallRecorder(folder / "recordings", f"call{size}-{n}")
        bridge = BridgedCall(server, contact, dial=dial, recorder=recorder, config=BridgeConfig(ringing=10, linger=1))
        request = CallRequest(f"b{n}", f"9198{n:08d}", "1234567", b"", 1, 10.0, None)
        return await bridge.run(request, hangup)

    tasks = [asyncio.ensure_future(one(n)) for n in range(size)]
    await asyncio.sleep(size / START_CPS + 2.0)  # all started and answered
    lag: list[float] = []
    stop = asyncio.Event()
    lagging = asyncio.ensure_future(_lag(stop, lag))
    hold_from = time.time()
    await asyncio.sleep(hold)
    hold_to = time.time()
    rss_held = rss_mb()
    stop.set()
    await lagging
    hangup.set()
    finishing = time.monotonic()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    finish_s = time.monotonic() - finishing
    await trunk.stop()
    await server.stop()
    results = [r for r in done if isinstance(r, BridgeResult)]
    return StepResult(size, results, hold_from, hold_to, lag, rss_before, rss_held, finish_s)


def _measurement(step: StepResult, cpu: dict[str, float | None]) -> Measurement:
    bridged = [r for r in step.results if r.callee is not None and r.callee.answered]
    received = [sum(r.received[i] for r in bridged) for i in (0, 1)]
    forwarded = [sum(r.relayed[i] for r in bridged) for i in (0, 1)]
    talk = [
        (r.callee.ended_at - r.callee.answered_at)
        for r in bridged
        if r.callee is not None and r.callee.ended_at and r.callee.answered_at
    ]
    expected = round(sum(talk) * 50)  # per direction: the tone's 20 ms packets while the callee was connected
    dropped = sum(received) - sum(forwarded)
    p99 = percentile(step.lag_ms, 0.99)
    engine = cpu.get("engine")
    per_call_cpu = engine / len(bridged) if engine is not None and bridged else None
    per_call_mb = (step.rss_held - step.rss_before) / len(bridged) if bridged else None
    recorded = sum(1 for r in bridged if r.recording is not None)
    prefix = f"{step.size} calls: "
    extra = [
        Extra(prefix + "bridged / recorded", len(bridged), f"{len(bridged)} / {recorded}"),
        Extra(prefix + "RTP phone->callee recv / fwd", received[0], f"{received[0]:,} / {forwarded[0]:,}"),
        Extra(prefix + "RTP callee->phone recv / fwd", received[1], f"{received[1]:,} / {forwarded[1]:,}"),
        Extra(prefix + "RTP expected per direction", expected, f"~{expected:,} (dropped {dropped:,})"),
        Extra(prefix + "relay delay (loop lateness) p99", p99, _fmt(p99)),
        Extra(prefix + "CPU bench / sipp", engine, f"{_fmt(engine, '%')} / {_fmt(cpu.get('sipp'), '%')}"),
        Extra(prefix + "CPU per call", per_call_cpu, _fmt(per_call_cpu, "%")),
        Extra(prefix + "memory per call", per_call_mb, _fmt(per_call_mb, " MiB")),
        Extra(prefix + "recordings finished in", step.finish_s, _fmt(step.finish_s, " s")),
    ]
    data = {
        "size": step.size,
        "bridged": len(bridged),
        "recorded": recorded,
        "received": received,
        "forwarded": forwarded,
        "expected_per_direction": expected,
        "dropped": dropped,
        "loop_lateness_ms": {"p50": percentile(step.lag_ms, 0.5), "p99": p99, "max": max(step.lag_ms, default=None)},
        "cpu_pct": cpu,
        "rss_mb": {"before": step.rss_before, "held": step.rss_held},
        "finish_s": step.finish_s,
    }
    return Measurement("bridge", "b2bua", "", 1, None, extra=extra, data=data)


class BridgeScenario:
    name = "bridge"
    description = "Concurrent bridged, recorded calls (sendSip's B2BUA) with SIPp as phones and callees"

    def run(self, ctx: Context) -> None:
        if shutil.which("sipp") is None or shutil.which("sox") is None:
            ctx.warn("bridge: skipped, needs `sipp` (Debian sip-tester) and `sox`")
            return
        sizes = QUICK_SIZES if ctx.config.quick else SIZES
        hold = QUICK_HOLD_S if ctx.config.quick else HOLD_S
        with tempfile.TemporaryDirectory(prefix="bench-bridge-") as tmp:
            folder = Path(tmp)
            tone = folder / "tone.ul"
            subprocess.run(
                [
                    "sox",
                    "-n",
                    "-r",
                    "8000",
                    "-c",
                    "1",
                    "-e",
                    "u-law",
                    "-t",
                    "raw",
                    str(tone),
                    "synth",
                    "5",
                    "sine",
                    "700",
                ],
                check=True,
            )
            xml = folder / "uas.xml"
            xml.write_text(uas_xml(tone))
            ports = {"phones": free_udp_port(), "callees": free_udp_port()}
            commands = {
                name: ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1"]
                + ["-mp", str(free_udp_port()), "-nostdin", "-max_socket", "2048"]
                for name, port in ports.items()
            }
            ctx.step(f"bridge: SIPp phones and callees; steps of {', '.join(map(str, sizes))} calls held {hold:g}s")
            try:
                with (
                    ManagedProcess(commands["phones"], env=dict(os.environ), log=folder / "phones.log") as phones,
                    ManagedProcess(commands["callees"], env=dict(os.environ), log=folder / "callees.log") as callees,
                ):
                    time.sleep(SIPP_START_S)
                    if phones.exited() or callees.exited():
                        raise BenchError("SIPp exited at start")
                    for size in sizes:
                        ctx.step(f"bridge: {size} concurrent bridged calls")
                        with CpuSampler({"engine": [os.getpid()], "sipp": [phones.pid, callees.pid]}) as cpu:
                            step = asyncio.run(_step(size, hold, ports["phones"], ports["callees"], folder))
                        ctx.record(_measurement(step, cpu.percent(step.hold_from, step.hold_to)))
                        for path in (folder / "recordings").glob("*"):
                            path.unlink()
            except BenchError as exc:
                ctx.fail("bridge", exc)
