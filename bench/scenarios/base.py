"""What a scenario is: a name, a one-line description, and ``run(ctx)`` returning its measurements."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from bench.config import BenchConfig
from bench.load import LoadResult, LoadSpec, run_load
from bench.report import console, step
from bench.results import Measurement
from bench.sbserver import Target


@dataclass
class Context:
    """Shared by the scenarios of one run: the settings and the failures recorded so far."""

    config: BenchConfig
    errors: list[str] = field(default_factory=list)

    def step(self, message: str) -> None:
        step(message)

    def fail(self, where: str, error: Exception) -> None:
        self.errors.append(f"{where}: {error}")
        console.print(f"[bold red]{where} failed:[/bold red] {error}", highlight=False)

    def load(self, target: Target, batch: int) -> LoadResult:
        """Run the load generator against ``target``'s sendSms with this run's concurrency and timing."""
        cfg = self.config
        spec = LoadSpec(
            url=f"{target.base_url}/v3/sendSms",
            api_key=target.api_key,
            api_secret=target.api_secret,
            app_id=target.app_id,
            batch=batch,
            connections=cfg.connections,
            seconds=cfg.seconds,
            warmup=cfg.warmup,
            server_pid=target.pid,
            seed=random.randrange(1 << 30),
        )
        return run_load(spec)


class Scenario(Protocol):
    name: str
    description: str

    def run(self, ctx: Context) -> list[Measurement]: ...
