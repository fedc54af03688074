"""What a scenario is: a name, a one-line description, and ``run(ctx)`` recording its measurements in ctx."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rich.markup import escape

from bench.config import BenchConfig
from bench.load import LoadResult, LoadSpec, run_load
from bench.procs import log_problems
from bench.report import console, step
from bench.results import Measurement
from bench.sbserver import Target

NOISE_PCT = 25.0  # CPU used outside the server and the generator beyond which a run is called noisy


@dataclass
class Context:
    """Shared by the scenarios of one run: the settings and the failures recorded so far."""

    config: BenchConfig
    measurements: list[Measurement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _log_problems_seen: dict[Path, int] = field(default_factory=dict)

    def record(self, measurement: Measurement) -> None:
        """Keep a measurement at once, so an interrupted run still reports what it measured."""
        self.measurements.append(measurement)

    def step(self, message: str) -> None:
        step(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        console.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)

    def fail(self, where: str, error: BaseException) -> None:
        self.errors.append(f"{where}: {error}")
        console.print(f"[bold red]{escape(where)} failed:[/bold red] {escape(str(error))}", highlight=False)

    def load(
        self,
        label: str,
        target: Target,
        batch: int,
        *,
        quiet_machine: bool = True,
        api: str = "v3",
        path: str = "/v3/sendSms",
        params: dict[str, str] | None = None,
        record_ids: bool = False,
        rate: float = 0.0,
    ) -> LoadResult:
        """Run the load generator against ``target``'s sendSms with this run's concurrency and timing.

        ``quiet_machine``: nothing but the server and the generator should use CPU (no database server),
        so a busy rest of the machine means other work distorted the figures. A target with several
        ``urls`` (API processes) gets its connections spread over them; ``api``/``path``/``params`` select
        another HTTP API (Jasmin's ``/send``); ``record_ids`` returns every accepted message id."""
        cfg = self.config
        spec = LoadSpec(
            url=f"{target.base_url}{path}",
            api_key=target.api_key,
            api_secret=target.api_secret,
            app_id=target.app_id,
            batch=batch,
            connections=cfg.connections,
            seconds=cfg.seconds,
            warmup=cfg.warmup,
            server_pid=target.pid,
            seed=random.randrange(1 << 30),
            client=cfg.client,
            api=api,
            urls=[f"{url}{path}" for url in target.urls],
            server_pids=list(target.pids),
            params=params or {},
            record_ids=record_ids,
            rate=rate,
        )
        result = run_load(spec)
        if result.requests < 2 * cfg.connections:
            self.warn(
                f"{label}: only {result.requests} requests completed in the "
                f"{cfg.seconds:g}s window; its figures are rough (give more --seconds)"
            )
        rest = result.other_cpu_pct
        if quiet_machine and rest is not None and rest > NOISE_PCT:
            self.warn(f"{label}: the rest of the machine used {rest:.0f}% CPU meanwhile; its figures are distorted")
        if target.log is not None:
            count, first = log_problems(target.log)
            if count > self._log_problems_seen.get(target.log, 0):
                self._log_problems_seen[target.log] = count
                self.warn(f"server log has {count} error/traceback lines so far; first: {' | '.join(first)}")
        return result


class Scenario(Protocol):
    name: str
    description: str

    def run(self, ctx: Context) -> None: ...
