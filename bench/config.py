"""The settings of one bench run, shared by every scenario."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BACKENDS: tuple[str, ...] = ("sqlite", "postgres")
CLIENTS: tuple[str, ...] = ("raw", "httpx")
BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


@dataclass(frozen=True)
class BenchConfig:
    seconds: float = 10.0  # measured time of each load run
    warmup: float = 1.0  # time before the measured window, excluded from all figures
    connections: int = 4  # keep-alive connections of the load generator
    batch_size: int = 1000  # numbers per request in the "batch" load
    backends: tuple[str, ...] = BACKENDS
    client: str = "raw"  # the load generator's HTTP client: raw | httpx
    quick: bool = False
