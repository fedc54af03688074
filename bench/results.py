"""Measurements, the figures shown for them (with their ratio to the ceiling), and the saved JSON report."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.config import PROJECT_ROOT, RESULTS_DIR, BenchConfig
from bench.load import LoadResult

PACKAGES = ("switchboard", "uvicorn", "httptools", "uvloop", "httpx", "sqlalchemy", "aiosqlite", "asyncpg")


Ratio = tuple[float, str]  # (value / reference, the reference's short name)


@dataclass(frozen=True)
class Extra:
    """A figure a scenario computed itself (beyond the load generator's): shown after the standard rows."""

    metric: str
    value: float | None
    shown: str
    ratios: tuple[Ratio, ...] = ()


@dataclass
class Measurement:
    """One run of a scenario against one backend (mode: "single" or "batch"); ``result`` is its HTTP load run,
    if it had one, and ``extra`` the scenario's own figures."""

    scenario: str
    backend: str
    mode: str
    batch: int
    result: LoadResult | None
    reference: bool = False  # the ceiling other throughputs are divided by
    notes: dict[str, str] = field(default_factory=dict)
    extra: list[Extra] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # raw measurements kept in the JSON report only

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "result": self.result.to_dict() if self.result is not None else None}


@dataclass(frozen=True)
class Figure:
    scenario: str
    backend: str
    metric: str
    value: float | None
    shown: str  # the value as printed
    ratio: float | None = None  # value / ceiling requests per second, for throughputs
    others: tuple[Ratio, ...] = ()  # ratios to other references, named


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:,.1f}"


def _figures_of(m: Measurement, ceiling_rps: float | None) -> list[Figure]:
    label = {"single": "single", "batch": f"batch x{m.batch}", "half": "single at half load"}.get(m.mode, m.mode)
    prefix = f"{label}: " if label else ""
    extra = [Figure(m.scenario, m.backend, prefix + e.metric, e.value, e.shown, None, e.ratios) for e in m.extra]
    if m.result is None:
        return extra
    return _load_figures(m, m.result, label, ceiling_rps) + extra


def _load_figures(m: Measurement, r: LoadResult, label: str, ceiling_rps: float | None) -> list[Figure]:
    def fig(metric: str, value: float | None, shown: str, throughput: bool = False) -> Figure:
        ratio = value / ceiling_rps if throughput and value is not None and ceiling_rps else None
        return Figure(m.scenario, m.backend, f"{label}: {metric}", value, shown, ratio)

    brief = bool(m.extra)  # a scenario with figures of its own shows them instead of requests and CPU
    rows = [] if brief else [fig("requests", r.requests, f"{r.requests:,}")]
    if m.scenario == "ceiling":
        rows.append(fig("requests/s", r.rps, f"{r.rps:,.0f}", throughput=True))
    elif m.batch == 1:
        rows.append(fig("accepted msg/s", r.numbers_per_s, f"{r.numbers_per_s:,.0f}", throughput=True))
    else:
        rows.append(fig("requests/s", r.rps, f"{r.rps:,.1f}", throughput=True))
        rows.append(fig("numbers accepted/s", r.numbers_per_s, f"{r.numbers_per_s:,.0f}", throughput=True))
    p50, p99 = r.latency_ms["p50"], r.latency_ms["p99"]
    if r.requests:
        rows.append(fig("p50 / p99 ms", p50, f"{_ms(p50)} / {_ms(p99)}"))
    else:
        rows.append(fig("p50 / p99 ms", None, "n/a (none completed)"))
    errors = f"{r.errors:,}" + (f" (+{r.numbers_refused:,} numbers refused)" if r.numbers_refused else "")
    rows.append(fig("errors", r.errors + r.numbers_refused, errors))
    if not brief:
        shares = (r.server_cpu_pct, r.client_cpu_pct, r.other_cpu_pct)
        cpu = " / ".join("n/a" if x is None else f"{x:.0f}%" for x in shares)
        rows.append(fig("CPU server / loadgen / rest", r.server_cpu_pct, cpu))
        if m.scenario != "ceiling" and r.server_cpu_pct is not None and r.numbers_per_s:
            # process CPU over accepted messages: the cost of one, whatever share of a core the server got
            per_msg = 10 * r.server_cpu_pct / r.numbers_per_s  # pct of a core -> ms per second, over msg/s
            rows.append(fig("server CPU ms per accepted msg", per_msg, f"{per_msg:.3f}"))
    return rows


def figures(measurements: list[Measurement]) -> list[Figure]:
    ceiling = next((m.result.rps for m in measurements if m.reference and m.result is not None), None)
    return [f for m in measurements for f in _figures_of(m, ceiling)]


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": None,
        "packages": {},
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for name in PACKAGES:
        try:
            info["packages"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info["packages"][name] = None
    return info


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def build_report(
    config: BenchConfig,
    scenarios: list[str],
    measurements: list[Measurement],
    errors: list[str],
    warnings: list[str],
    started: datetime,
    duration_s: float,
) -> dict[str, Any]:
    return {
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round(duration_s, 1),
        "git_commit": git_commit(),
        "machine": machine_info(),
        "loadavg_end": list(os.getloadavg()),
        "config": {**asdict(config), "scenarios": scenarios},
        "figures": [asdict(f) for f in figures(measurements)],
        "measurements": [m.to_dict() for m in measurements],
        "errors": errors,
        "warnings": warnings,
    }


def save(report: dict[str, Any], started: datetime) -> Path:
    """Write ``results/<timestamp>.json`` and ``results/latest.json``; returns the former."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    path = RESULTS_DIR / f"{started.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text)
    (RESULTS_DIR / "latest.json").write_text(text)
    return path


def now() -> datetime:
    return datetime.now(UTC)
