"""Measuring a gateway end to end: HTTP accept -> SMSC (submit_sm_resp) -> receipt -> report push.

Shared by the "deliver" (Switchboard) and "jasmin" scenarios. A :class:`Harness` is the SMSC sink
(``bench.smsc_sink``: ``switchboard smsc``'s server, counters logged every 0.2 s) and the push receiver
(``bench.receiver``), each in its own process. A :class:`System` is the gateway under test: where to send, its
processes (for CPU and peak RSS) and, for Switchboard, a reader of its messages table. :func:`measure` runs one
load (the load generator of "accept"), waits a bounded time for the pipeline to drain, and turns the SMSC's
counters, the database's timestamps and the receiver's arrivals into figures.
"""

from __future__ import annotations

import bisect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from bench.config import PROJECT_ROOT
from bench.errors import BenchError
from bench.loadgen import percentile
from bench.procs import ManagedProcess, free_port, tail, wait_healthy
from bench.procstats import CpuSampler, peak_rss_mb
from bench.results import Extra, Measurement, Ratio
from bench.sbserver import Target
from bench.smsc_sink import Sample, count_at, read_counters

if TYPE_CHECKING:  # bench.scenarios imports this module
    from bench.scenarios.base import Context

SMSC_SYSTEM_ID = "bench"
SMSC_PASSWORD = "bench"  # noqa: S105 (the test SMSC checks no password)
STALL_S = 3.0  # the drain stops early when neither the SMSC nor the receiver saw anything for this long
CEILING_GRACE_S = 30.0


@dataclass(frozen=True)
class Message:
    """One accepted message and when (epoch seconds) it was accepted, submitted and final, when known."""

    msg_id: str
    accepted: float
    submitted: float | None = None
    final: float | None = None
    smsc_id: int | None = None  # the sink's message id of its last part (ids count accepted submit_sm from 1)


class MessageStore(Protocol):
    """Switchboard's messages table, read from outside the platform."""

    def mark(self) -> int: ...

    def count_since(self, mark: int) -> int: ...

    def rows_since(self, mark: int) -> list[Message]: ...


@dataclass
class System:
    backend: str  # its name in the table
    target: Target
    processes: dict[str, int]  # its own processes: label -> pid (CPU and peak RSS)
    store: MessageStore | None = None  # Switchboard: final states and timestamps; None: ids from the loadgen
    api: str = "v3"
    path: str = "/v3/sendSms"
    params: dict[str, str] = field(default_factory=dict)
    shared_cpu: dict[str, list[int]] = field(default_factory=dict)  # shared services, CPU only (RabbitMQ)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Harness:
    smsc: ManagedProcess
    smsc_port: int
    receiver: ManagedProcess
    receiver_url: str

    def samples(self) -> list[Sample]:
        return read_counters(self.smsc.log)

    def latest(self, name: str) -> int:
        samples = self.samples()
        return int(samples[-1].counters.get(name, 0)) if samples else 0

    def wait_sessions(self, count: int, timeout: float, *, what: str, log: Path | None = None) -> None:
        """Wait until ``count`` SMPP sessions are bound to the sink."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.smsc.exited():
                raise BenchError(f"the SMSC sink exited:\n{tail(self.smsc.log)}")
            if self.latest("sessions") >= count:
                return
            time.sleep(0.2)
        detail = f":\n{tail(log)}" if log is not None else ""
        raise BenchError(f"{what}: {self.latest('sessions')} of {count} SMPP binds after {timeout:.0f}s{detail}")

    def arrival_count(self) -> int:
        return int(httpx.get(f"{self.receiver_url}/count", timeout=10).text)

    def arrivals(self) -> list[tuple[str, float, str]]:
        """(message id, epoch arrival, SMSC id or "") of every push received so far, in arrival order."""
        data = httpx.get(f"{self.receiver_url}/dump", timeout=30).json()
        return [(str(i), float(t), str(smsc)) for i, t, smsc in data["arrivals"]]


@contextmanager
def running_harness(label: str) -> Iterator[Harness]:
    """A fresh SMSC sink and push receiver, stopped (and their logs removed) on exit."""
    with ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sb-bench-{label}-")))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        smsc_port, receiver_port = free_port(), free_port()
        smsc = stack.enter_context(
            ManagedProcess(
                [sys.executable, "-m", "bench.smsc_sink", "--port", str(smsc_port)], env=env, log=logs / "smsc.log"
            )
        )
        receiver = stack.enter_context(
            ManagedProcess(
                [sys.executable, "-m", "bench.receiver", "--port", str(receiver_port)],
                env=env,
                log=logs / "receiver.log",
            )
        )
        receiver_url = f"http://127.0.0.1:{receiver_port}"
        wait_healthy(f"{receiver_url}/health", receiver)
        harness = Harness(smsc, smsc_port, receiver, receiver_url)
        deadline = time.monotonic() + 20
        while not harness.samples():
            if smsc.exited() or time.monotonic() > deadline:
                raise BenchError(f"the SMSC sink did not start:\n{tail(smsc.log)}")
            time.sleep(0.1)
        yield harness


def smpp_ceiling(
    harness: Harness,
    mode: str,
    *,
    binds: int,
    window: int,
    seconds: float,
    port: int | None = None,
    credentials: tuple[str, str] | None = None,
    pipeline_parts: bool = False,
) -> dict[str, Any]:
    """Run ``bench.smpp_ceiling`` (``mode``: smpp34 | connector) against the harness's SMSC sink, or against
    ``port`` binding with ``credentials`` (Switchboard's SMPP server, scenario "smpp-in")."""
    spec: dict[str, Any] = {"mode": mode, "binds": binds, "window": window, "seconds": seconds}
    spec["port"] = port or harness.smsc_port
    if credentials is not None:
        spec["system_id"], spec["password"] = credentials
    spec["pipeline_parts"] = pipeline_parts
    spec["warmup"] = 1.0
    with CpuSampler({"smsc": [harness.smsc.pid]}) as cpu:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.smpp_ceiling"],
                input=json.dumps(spec),
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=seconds + CEILING_GRACE_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"the SMPP ceiling ({mode}) overran its time") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"the SMPP ceiling ({mode}) exited {done.returncode}: {done.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    start = result["window_start"]
    result["smsc_cpu_pct"] = cpu.percent(start, start + seconds)["smsc"]
    return result


def ceiling_measurement(scenario: str, backend: str, result: dict[str, Any]) -> Measurement:
    shown = f"{result['messages_per_s']:,.0f} ({result['submit_sm_per_s']:,.0f} submit_sm/s)"
    cpu = f"{result['client_cpu_pct']:.0f}% / {_pct(result.get('smsc_cpu_pct'))}"
    extra = [
        Extra("msg/s to the SMSC", result["messages_per_s"], shown),
        Extra("errors", result["errors"], f"{result['errors']:,}"),
        Extra("CPU client / smsc", result["client_cpu_pct"], cpu),
    ]
    mode = f"{result['binds']} bind{'s' if result['binds'] > 1 else ''} x window {result['window']}"
    return Measurement(scenario, backend, mode, 1, None, extra=extra, data=result)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _ms_pair(values: list[float]) -> tuple[float | None, str]:
    if not values:
        return None, "n/a (none)"
    ms = sorted(v * 1000 for v in values)
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    return p50, f"{_ms(p50)} / {_ms(p99)}"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _after(at: float, load_end: float) -> str:
    """When, relative to the end of the load: "+1.2s", or "during the load"."""
    return f"+{at - load_end:.1f}s" if at > load_end else "during the load"


def _ratios(value: float | None, references: dict[str, float]) -> tuple[Ratio, ...]:
    if value is None:
        return ()
    return tuple((value / ref, name) for name, ref in references.items() if ref)


def drain(system: System, harness: Harness, mark: int, pushed_before: int, expected: int, limit: float) -> float:
    """Wait until every accepted message was pushed, nothing moved for STALL_S, or ``limit`` seconds passed;
    returns the seconds waited."""
    started = time.time()
    last: tuple[int, int] = (-1, -1)
    moved = started
    while time.time() - started < limit:
        if system.store is not None:
            expected = system.store.count_since(mark)
        state = (harness.arrival_count() - pushed_before, harness.latest("messages"))
        if state[0] >= expected:
            break
        if state != last:
            last, moved = state, time.time()
        elif time.time() - moved > STALL_S:
            break
        time.sleep(0.25)
    return time.time() - started


def measure(
    ctx: Context,
    scenario: str,
    system: System,
    harness: Harness,
    mode: str,
    batch: int,
    *,
    ceilings: dict[str, float],
    drain_limit: float,
    rate: float = 0.0,
) -> Measurement:
    """One load run through ``system`` and its figures (see the module docstring)."""
    label = f"{scenario}/{system.backend}/{mode}"
    mark = system.store.mark() if system.store is not None else 0
    pushed_before = harness.arrival_count()
    run_start = time.time()
    pids = {name: [pid] for name, pid in system.processes.items()} | system.shared_cpu
    pids |= {"smsc": [harness.smsc.pid], "receiver": [harness.receiver.pid]}
    with CpuSampler(pids) as cpu:
        result = ctx.load(
            label,
            system.target,
            batch,
            quiet_machine=False,
            api=system.api,
            path=system.path,
            params=system.params,
            record_ids=system.store is None,
            rate=rate,
        )
        load_end = time.time()
        if system.store is not None:
            expected = system.store.count_since(mark)
        else:
            expected = len(result.accepted_ids)
        waited = drain(system, harness, mark, pushed_before, expected, drain_limit)
    if system.store is not None:
        messages = system.store.rows_since(mark)
    else:
        messages = [Message(msg_id, at) for msg_id, at in result.accepted_ids]
    result.accepted_ids = []  # not kept in the JSON report (can be tens of thousands)
    arrivals = harness.arrivals()[pushed_before:]
    samples = harness.samples()
    window_start = result.window_start or run_start
    window_end = window_start + result.window_s
    peak = {name: peak_rss_mb(pid) for name, pid in system.processes.items()}
    peak["smsc"] = peak_rss_mb(harness.smsc.pid)
    facts = Facts(
        messages=messages,
        arrivals=arrivals,
        samples=samples,
        run_start=run_start,
        load_end=load_end,
        window=(window_start, window_end),
        waited=waited,
        cpu=cpu.percent(window_start, window_end),
        peak_rss=peak,
        other_cpu=result.other_cpu_pct,
    )
    extra, data = facts.figures(ceilings, has_store=system.store is not None)
    return Measurement(scenario, system.backend, mode, batch, result, notes=system.notes, extra=extra, data=data)


@dataclass
class Facts:
    messages: list[Message]
    arrivals: list[tuple[str, float, str]]
    samples: list[Sample]
    run_start: float
    load_end: float
    window: tuple[float, float]
    waited: float
    cpu: dict[str, float | None]
    peak_rss: dict[str, float | None]
    other_cpu: float | None

    def smsc_delta(self, name: str, at: float) -> float:
        return count_at(self.samples, name, at) - count_at(self.samples, name, self.run_start)

    def figures(self, ceilings: dict[str, float], *, has_store: bool) -> tuple[list[Extra], dict[str, Any]]:
        start, end = self.window
        seconds = end - start
        first_push: dict[str, float] = {}
        smsc_ids: dict[str, int] = {}
        for msg_id, at, smsc_id in self.arrivals:
            first_push.setdefault(msg_id, at)
            if smsc_id.isdigit():
                smsc_ids.setdefault(msg_id, int(smsc_id))
        smsc_msgs = (self.smsc_delta("messages", end) - self.smsc_delta("messages", start)) / seconds
        smsc_parts = (self.smsc_delta("accepted", end) - self.smsc_delta("accepted", start)) / seconds
        pushes = sum(1 for at in first_push.values() if start <= at <= end) / seconds  # distinct messages
        shown = f"{smsc_msgs:,.0f} ({smsc_parts:,.0f} submit_sm/s)"
        rows = [Extra("to SMSC msg/s (submit_sm_resp)", smsc_msgs, shown, _ratios(smsc_msgs, ceilings))]
        data: dict[str, Any] = {"smsc_msg_per_s": smsc_msgs, "smsc_submit_sm_per_s": smsc_parts}
        if has_store:
            finals = sum(1 for m in self.messages if m.final is not None and start <= m.final <= end) / seconds
            shown = f"{finals:,.0f} (pushes received {pushes:,.0f}/s)"
            rows.append(Extra("to final state msg/s (receipt in DB)", finals, shown, _ratios(finals, ceilings)))
            data["final_msg_per_s"] = finals
        else:
            rows.append(Extra("to DLR push msg/s (receiver)", pushes, f"{pushes:,.0f}", _ratios(pushes, ceilings)))
        data["pushes_per_s"] = pushes
        in_window = [m for m in self.messages if start <= m.accepted <= end]
        latencies: dict[str, list[float]] = {"accept_push": [], "accept_submit": [], "final_push": []}
        for m in in_window:
            pushed = first_push.get(m.msg_id)
            if pushed is not None:
                latencies["accept_push"].append(pushed - m.accepted)
                if m.final is not None:
                    latencies["final_push"].append(max(0.0, pushed - m.final))
            if m.submitted is not None:
                latencies["accept_submit"].append(m.submitted - m.accepted)
        latencies["receipt_push"] = self.receipt_to_push(first_push, smsc_ids)
        wanted = [("accept->submitted (DB)", "accept_submit"), ("final_at->push", "final_push")] if has_store else []
        wanted += [("SMSC receipt->push", "receipt_push"), ("accept->push", "accept_push")]
        for label, key in wanted:
            value, shown = _ms_pair(latencies[key])
            rows.append(Extra(f"{label} p50 / p99 ms", value, f"{shown} (n={len(latencies[key]):,})"))
            ms = sorted(x * 1000 for x in latencies[key])
            data[f"{key}_p50_ms"] = percentile(ms, 50) if ms else None
            data[f"{key}_p99_ms"] = percentile(ms, 99) if ms else None
        rows.append(self._backlog(first_push, data))
        rows.append(self._cpu_row(data))
        rss = " · ".join(f"{name} {v:,.0f}" for name, v in self.peak_rss.items() if v is not None)
        rows.append(Extra("peak RSS MiB", sum(v for v in self.peak_rss.values() if v is not None), rss))
        data["peak_rss_mib"] = self.peak_rss
        return rows, data

    def receipt_to_push(self, first_push: dict[str, float], smsc_ids: dict[str, int]) -> list[float]:
        """Receipt -> push delay measured from outside, the same way for every gateway. The sink numbers the
        submit_sm it accepts 1, 2, 3... (its message ids) and sends each receipt in the instant it answers, so
        the receipt of the part with id n left when the sink's "accepted" counter reached n. The id comes from
        the database (Switchboard: the message's last part) or from the DLR itself (Jasmin's ``id_smsc``).
        Only messages whose receipt left inside the measured window count."""
        ids = {m.msg_id: m.smsc_id for m in self.messages if m.smsc_id is not None} | smsc_ids
        points = [(s.at, float(s.counters.get("accepted", 0))) for s in self.samples]
        counts = [c for _t, c in points]
        start, end = self.window
        gaps: list[float] = []
        for msg_id, pushed_at in first_push.items():
            number = ids.get(msg_id)
            if number is None:
                continue
            j = bisect.bisect_left(counts, number)
            if j == len(points):
                continue
            t1, c1 = points[j]
            t0, c0 = points[j - 1] if j else (t1, c1)
            sent = t0 + (t1 - t0) * (number - c0) / (c1 - c0) if c1 > c0 else t1
            if start <= sent <= end:
                gaps.append(max(0.0, pushed_at - sent))
        return gaps

    def _backlog(self, first_push: dict[str, float], data: dict[str, Any]) -> Extra:
        """How long after the load the SMSC had every message and every report was pushed (or how far it got)."""
        total = len(self.messages)
        last_at = self.samples[-1].at if self.samples else self.load_end
        smsc_total = self.smsc_delta("messages", last_at)
        pushed = sum(1 for m in self.messages if m.msg_id in first_push)
        smsc_done = next(
            (s.at for s in self.samples if s.at >= self.run_start and self.smsc_delta("messages", s.at) >= total),
            None,
        )
        pushes_done = max(first_push.values()) if pushed >= total and first_push else None
        receipts = self.smsc_delta("receipts", last_at)
        after = f"+{self.waited:.0f}s"
        smsc = f"SMSC all {_after(smsc_done, self.load_end)}" if smsc_done else f"SMSC {smsc_total:,.0f} at {after}"
        push = f"pushed all {_after(pushes_done, self.load_end)}" if pushes_done else f"pushed {pushed:,} at {after}"
        data |= {"accepted_total": total, "smsc_total": smsc_total, "pushed_total": pushed, "drain_s": self.waited}
        data["smsc_receipts_sent"] = receipts
        data["smsc_counters_end"] = self.samples[-1].counters if self.samples else {}
        shown = f"{total:,} accepted; {smsc} ({receipts:,.0f} receipts sent); {push}"
        return Extra("after the load", total, shown)

    def _cpu_row(self, data: dict[str, Any]) -> Extra:
        own = {k: v for k, v in self.cpu.items() if k not in ("smsc", "receiver")}
        parts = [f"{k} {_pct(v)}" for k, v in own.items()]
        parts += [f"smsc {_pct(self.cpu.get('smsc'))}", f"receiver {_pct(self.cpu.get('receiver'))}"]
        if self.other_cpu is not None:
            harness = (self.cpu.get("smsc") or 0.0) + (self.cpu.get("receiver") or 0.0)
            shared = sum(v or 0.0 for k, v in own.items() if k.startswith("rabbitmq"))
            parts.append(f"rest {max(0.0, self.other_cpu - harness - shared):.0f}%")
        data["cpu_pct"] = self.cpu
        total = sum(v or 0.0 for v in own.values())
        return Extra("CPU % in the window", total, " · ".join(parts))
