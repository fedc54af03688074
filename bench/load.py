"""One load run: what to send (LoadSpec), what came out (LoadResult), and running it in its own process.

The generator runs as ``python -m bench.loadgen`` so that it never shares an interpreter (or a GIL) with
the bench or the server; the spec goes in on stdin and the result comes back as one JSON line on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.config import PROJECT_ROOT
from bench.errors import BenchError

RESULT_GRACE_S = 45.0  # beyond warm-up + measured time: start-up, in-flight requests, reporting


@dataclass(frozen=True)
class LoadSpec:
    url: str  # the POST endpoint
    api_key: str
    api_secret: str
    app_id: str
    batch: int  # numbers per request
    connections: int
    seconds: float
    warmup: float
    server_pid: int | None = None  # to sample the server's CPU time during the measured window
    seed: int = 0
    timeout: float = 30.0  # per request
    client: str = "raw"  # raw | httpx (bench.clients)
    api: str = "v3"  # v3: Switchboard's /v3/sendSms (JSON, signed) | jasmin: Jasmin's /send (form, one number)
    urls: list[str] = field(default_factory=list)  # several servers: connection i posts to urls[i % len]
    server_pids: list[int] = field(default_factory=list)  # more server processes whose CPU counts as "server"
    params: dict[str, str] = field(default_factory=dict)  # api "jasmin": extra form fields (dlr-url, ...)
    record_ids: bool = False  # return the id of every accepted message with the time its answer arrived
    rate: float = 0.0  # requests/s over all connections on a fixed schedule (open loop); 0: each as fast as it can

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadSpec:
        return cls(**json.loads(text))


@dataclass
class LoadResult:
    window_s: float  # the measured window (warm-up excluded)
    requests: int  # successful requests completed in the window
    numbers_accepted: int  # "success" counts summed over those requests
    numbers_refused: int  # "fail" counts summed over those requests
    errors: int  # failed requests over the whole run, warm-up included
    latency_ms: dict[str, float]  # p50, p90, p99, max, mean over the window's successful requests
    client_cpu_pct: float  # load generator CPU time / window (100 = one core)
    server_cpu_pct: float | None  # server CPU time / window, when it could be read
    other_cpu_pct: float | None = None  # the rest of the machine (database, other users): noise or not
    warmup_requests: int = 0
    error_samples: list[str] = field(default_factory=list)  # the first few distinct error bodies
    window_start: float | None = None  # wall-clock (epoch seconds) start of the measured window
    accepted_ids: list[tuple[str, float]] = field(default_factory=list)  # record_ids: (id, epoch answered)

    @property
    def rps(self) -> float:
        return self.requests / self.window_s if self.window_s else 0.0

    @property
    def numbers_per_s(self) -> float:
        return self.numbers_accepted / self.window_s if self.window_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": self.rps, "numbers_per_s": self.numbers_per_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadResult:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def run_load(spec: LoadSpec) -> LoadResult:
    """Run the load generator process for ``spec`` and return its result (it is killed if it overruns)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.loadgen"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(spec.to_json(), timeout=spec.warmup + spec.seconds + RESULT_GRACE_S)
    except subprocess.TimeoutExpired as exc:
        raise BenchError("the load generator overran its time") from exc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = out.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise BenchError(f"the load generator exited {proc.returncode}: {err.strip()[-800:]}")
    return LoadResult.from_dict(json.loads(lines[-1]))
