"""The load generator process: C keep-alive connections, each posting back to back for a fixed time.

Run by ``bench.load.run_load`` as ``python -m bench.loadgen`` (LoadSpec JSON on stdin, LoadResult JSON on
stdout). Requests completing inside the measured window count; the warm-up before it does not.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import orjson

from bench.clients import TRANSPORT_ERRORS, HttpxConnection, Poster, RawConnection
from bench.load import LoadResult, LoadSpec
from bench.messages import MESSAGE_MIX, NumberSource
from switchboard.auth.signature import sign
from switchboard.domain.sms.encoding import is_gsm7

MAX_ERROR_SAMPLES = 5
IN_FLIGHT_GRACE_S = 35.0


class Signer:
    """The signed headers, computed again when the second changes."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self._ts = ""
        self._headers: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        ts = str(int(time.time()))
        if ts != self._ts:
            self._ts = ts
            self._headers = {
                "Api-Key": self.api_key,
                "Timestamp": ts,
                "Sign": sign(self.api_key, self.api_secret, ts),
                "Content-Type": "application/json",
            }
        return self._headers


@dataclass
class Tally:
    measure_from: float
    end: float
    latencies: list[float] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0
    errors: int = 0
    warmup_requests: int = 0
    samples: list[str] = field(default_factory=list)
    ids: list[tuple[str, float]] | None = None  # (message id, epoch answered), when the spec asks for them

    def error(self, text: str) -> None:
        self.errors += 1
        text = text[:300]
        if len(self.samples) < MAX_ERROR_SAMPLES and text not in self.samples:
            self.samples.append(text)

    def success(self, started: float, finished: float, accepted: int, refused: int, ids: list[str]) -> None:
        if self.ids is not None:
            answered = time.time()
            self.ids.extend((msg_id, answered) for msg_id in ids)
        if finished < self.measure_from:
            self.warmup_requests += 1
        elif finished <= self.end:
            self.latencies.append(finished - started)
            self.accepted += accepted
            self.refused += refused


Outcome = tuple[int, int, list[str]]  # numbers accepted, numbers refused, message ids (when recorded)


def check(status: int, content: bytes, want_ids: bool = False) -> Outcome | str:
    """(accepted, refused, ids) for a Switchboard success answer, else the error text to count."""
    text = content[:400].decode(errors="replace")
    if status != 200:
        return f"HTTP {status}: {text}"
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return f"HTTP 200, not JSON: {text}"
    if not isinstance(data, dict) or data.get("status") != "0":
        return f"HTTP 200: {text}"
    ids = [str(item.get("msgId")) for item in data.get("array") or []] if want_ids else []
    return int(data.get("success") or 0), int(data.get("fail") or 0), ids


def check_kannel(status: int, content: bytes, message_id: str) -> Outcome | str:
    """Kannel's sendsms answers ``0: Accepted for delivery`` (HTTP 202) or ``3: Queued for later delivery``; it
    gives no id, so the id is the one this client put into the request's DLR URL."""
    text = content[:400].decode(errors="replace").strip()
    if status not in (200, 202) or not text.startswith(("0:", "3:")):
        return f"HTTP {status}: {text}"
    return 1, 0, [message_id]


def check_jasmin(status: int, content: bytes) -> Outcome | str:
    """Jasmin's /send answers ``Success "<message id>"`` (HTTP 200) or ``Error "<reason>"``."""
    text = content[:400].decode(errors="replace").strip()
    if status != 200 or not text.startswith('Success "'):
        return f"HTTP {status}: {text}"
    return 1, 0, [text[len('Success "') :].rstrip('"')]


class Requests:
    """The body and headers of each request of one connection, and how to read its answer."""

    def __init__(self, spec: LoadSpec, worker: int) -> None:
        self.spec = spec
        self.numbers = NumberSource(random.Random(spec.seed * 1000 + worker))
        self.signer = Signer(spec.api_key, spec.api_secret)
        self.worker = worker
        self.turn = worker
        self.last_id = ""

    def next(self) -> tuple[bytes, dict[str, str]]:
        text = MESSAGE_MIX[self.turn % len(MESSAGE_MIX)]
        self.turn += 1
        if self.spec.api == "jasmin":
            return self._jasmin(text), FORM_HEADERS
        if self.spec.api == "kannel":
            return self._kannel(text)
        numbers = ",".join(self.numbers.take(self.spec.batch))
        return orjson.dumps({"appId": self.spec.app_id, "numbers": numbers, "content": text}), self.signer.headers()

    def _jasmin(self, text: str) -> bytes:
        """One number per request (Jasmin's /send has no multi-number form): GSM text as is, else UCS-2 in hex."""
        fields = {"username": self.spec.api_key, "password": self.spec.api_secret, "to": self.numbers.take(1)[0]}
        if is_gsm7(text):
            fields |= {"coding": "0", "content": text}
        else:
            fields |= {"coding": "8", "hex-content": text.encode("utf-16-be").hex()}
        return urlencode({**fields, **self.spec.params}).encode()

    def _kannel(self, text: str) -> tuple[bytes, dict[str, str]]:
        """One number per POST to Kannel's sendsms: the text as the body, the rest in X-Kannel headers (its POST
        takes no form body); GSM text as is, else UTF-8 sent as UCS-2 (coding 2). The DLR URL carries an id of
        this client's making, since Kannel answers none."""
        self.last_id = f"{self.spec.seed}-{self.worker}-{self.turn}"
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "X-Kannel-Username": self.spec.api_key,
            "X-Kannel-Password": self.spec.api_secret,
            "X-Kannel-To": self.numbers.take(1)[0],
            "X-Kannel-Coding": "0" if is_gsm7(text) else "2",
        }
        if "dlr-url" in self.spec.params:
            url = f"{self.spec.params['dlr-url']}?id={self.last_id}&status=%d&id_smsc=%F"
            headers |= {"X-Kannel-DLR-Mask": self.spec.params.get("dlr-mask", "3"), "X-Kannel-DLR-Url": url}
        return text.encode(), headers

    def check(self, status: int, content: bytes) -> Outcome | str:
        if self.spec.api == "kannel":
            return check_kannel(status, content, self.last_id)
        if self.spec.api == "jasmin":
            return check_jasmin(status, content)
        return check(status, content, self.spec.record_ids)


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


async def connection(poster: Poster, spec: LoadSpec, worker: int, tally: Tally) -> None:
    """One connection's loop: build a request, send it, count it; until the window ends."""
    requests = Requests(spec, worker)
    interval = spec.connections / spec.rate if spec.rate > 0 else 0.0
    due = time.perf_counter() + interval * worker / max(1, spec.connections)
    while time.perf_counter() < tally.end:
        if interval:  # open loop: this connection's share of the rate, on a fixed schedule
            due += interval
            await asyncio.sleep(max(0.0, due - interval - time.perf_counter()))
        body, headers = requests.next()
        started = time.perf_counter()
        try:
            status, answer = await poster.post(body, headers)
        except TRANSPORT_ERRORS as exc:
            tally.error(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(0.01)  # a refused connection must not spin
            continue
        outcome = requests.check(status, answer)
        if isinstance(outcome, str):
            tally.error(outcome)
        else:
            tally.success(started, time.perf_counter(), *outcome)


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def servers_cpu_seconds(spec: LoadSpec) -> float | None:
    """CPU seconds of every server process of the spec together (None when one cannot be read)."""
    pids = ([spec.server_pid] if spec.server_pid is not None else []) + list(spec.server_pids)
    values = [cpu_seconds(pid) for pid in pids]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]  # user .. steal (guest is inside user)
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class CpuWindow:
    client: float = 0.0
    server: float | None = None
    machine: float | None = None


async def sample_cpu(spec: LoadSpec, tally: Tally, into: CpuWindow) -> None:
    """CPU used by this process and the server between the start and the end of the measured window."""
    await asyncio.sleep(max(0.0, tally.measure_from - time.perf_counter()))
    client0, server0, machine0 = time.process_time(), servers_cpu_seconds(spec), busy_cpu_seconds()
    await asyncio.sleep(max(0.0, tally.end - time.perf_counter()))
    server1, machine1 = servers_cpu_seconds(spec), busy_cpu_seconds()
    into.client = time.process_time() - client0
    into.server = server1 - server0 if server0 is not None and server1 is not None else None
    into.machine = machine1 - machine0 if machine0 is not None and machine1 is not None else None


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


def _pct(seconds: float | None, window: float) -> float | None:
    return None if seconds is None else max(0.0, 100 * seconds / window)  # tick rounding can dip below 0


def summarize(spec: LoadSpec, tally: Tally, cpu: CpuWindow, window_start: float | None = None) -> LoadResult:
    ms = sorted(x * 1000 for x in tally.latencies)
    latency = {f"p{p}": percentile(ms, p) for p in (50, 90, 99)}
    latency |= {"max": ms[-1] if ms else 0.0, "mean": sum(ms) / len(ms) if ms else 0.0}
    return LoadResult(
        window_s=spec.seconds,
        requests=len(ms),
        numbers_accepted=tally.accepted,
        numbers_refused=tally.refused,
        errors=tally.errors,
        latency_ms=latency,
        client_cpu_pct=100 * cpu.client / spec.seconds,
        server_cpu_pct=_pct(cpu.server, spec.seconds),
        other_cpu_pct=_pct(None if cpu.machine is None else cpu.machine - cpu.client - (cpu.server or 0), spec.seconds),
        warmup_requests=tally.warmup_requests,
        error_samples=tally.samples,
        window_start=window_start,
        accepted_ids=tally.ids or [],
    )


async def generate(spec: LoadSpec) -> LoadResult:
    limits = httpx.Limits(max_connections=spec.connections, max_keepalive_connections=spec.connections)
    async with httpx.AsyncClient(limits=limits, timeout=spec.timeout) as client:
        urls = spec.urls or [spec.url]
        posters: list[Poster] = [
            HttpxConnection(client, url) if spec.client == "httpx" else RawConnection(url, spec.timeout)
            for url in (urls[i % len(urls)] for i in range(spec.connections))
        ]
        now, wall = time.perf_counter(), time.time()
        tally = Tally(measure_from=now + spec.warmup, end=now + spec.warmup + spec.seconds)
        tally.ids = [] if spec.record_ids else None
        cpu = CpuWindow()
        sampler = asyncio.create_task(sample_cpu(spec, tally, cpu))
        tasks = [asyncio.create_task(connection(p, spec, i, tally)) for i, p in enumerate(posters)]
        _, pending = await asyncio.wait(tasks, timeout=spec.warmup + spec.seconds + IN_FLIGHT_GRACE_S)
        for task in pending:
            task.cancel()
        await sampler
        for poster in posters:
            await poster.close()
    return summarize(spec, tally, cpu, wall + spec.warmup)


def main() -> None:
    spec = LoadSpec.from_json(sys.stdin.read())
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(generate(spec))
    else:
        result = uvloop.run(generate(spec))
    sys.stdout.write(orjson.dumps(result.to_dict()).decode() + "\n")


if __name__ == "__main__":
    main()
