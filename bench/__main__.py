"""``python -m bench``: run the chosen scenarios, print one table, save ``bench/results/<timestamp>.json``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from bench import report
from bench.config import BACKENDS, CLIENTS, PROJECT_ROOT, BenchConfig
from bench.results import build_report, figures, now, save
from bench.scenarios import Context, names, select

QUICK_SECONDS = 3.0
DEFAULT_SECONDS = 10.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Switchboard benchmarks.")
    parser.add_argument("--scenario", choices=[*names(), "all"], default="all")
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], default="all")
    parser.add_argument("--seconds", type=float, help=f"measured seconds per load run (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections (default 4)")
    parser.add_argument("--client", choices=CLIENTS, default="raw", help="load generator HTTP client (default raw)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_SECONDS:g}s per load run")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> BenchConfig:
    seconds = args.seconds or (QUICK_SECONDS if args.quick else DEFAULT_SECONDS)
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    return BenchConfig(
        seconds=seconds, connections=args.connections, backends=backends, client=args.client, quick=args.quick
    )


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up the same way as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = parse_args(argv)
    ctx = Context(config_from(args))
    scenarios = select(args.scenario)
    started, clock = now(), time.monotonic()
    interrupted = False
    try:
        for scenario in scenarios:
            try:
                scenario.run(ctx)
            except Exception as exc:  # a bug in one scenario must not lose the others' figures
                report.console.print_exception()
                ctx.fail(scenario.name, exc)
    except KeyboardInterrupt:
        interrupted = True
        ctx.errors.append("interrupted; the figures are partial")
    measurements = ctx.measurements
    result = build_report(
        ctx.config,
        [s.name for s in scenarios],
        measurements,
        ctx.errors,
        ctx.warnings,
        started,
        time.monotonic() - clock,
    )
    cfg = ctx.config
    title = f"Switchboard bench: {cfg.seconds:g}s per run, {cfg.connections} connections, {cfg.client} client"
    report.console.print(report.table(figures(measurements), title))
    report.error_bodies(measurements)
    report.problems(ctx.errors, ctx.warnings)
    path = save(result, started)
    report.step(f"saved {path.relative_to(PROJECT_ROOT)} in {result['duration_s']:.0f}s")
    if interrupted:
        return 130
    return 1 if ctx.errors else 0


if __name__ == "__main__":
    sys.exit(main())
