"""Printing through rich: progress lines, the results table, and the error bodies seen."""

from __future__ import annotations

import math
import sys
import time

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench.results import Figure, Measurement

console = Console(width=None if sys.stdout.isatty() else 120)  # logs and pipes get the whole table
_STARTED = time.monotonic()


def step(message: str) -> None:
    """A progress line, with the seconds since the bench started."""
    console.print(f"[dim]{time.monotonic() - _STARTED:5.0f}s {escape(message)}[/dim]", highlight=False)


def table(figs: list[Figure], title: str) -> Table:
    out = Table(title=title, title_justify="left")
    out.add_column("scenario")
    out.add_column("backend")
    out.add_column("metric")
    out.add_column("value", justify="right")
    out.add_column("ratio", justify="right")
    previous: tuple[str, str] | None = None
    for f in figs:
        group = (f.scenario, f.backend)
        if previous is not None and group != previous:
            out.add_section()
        previous = group
        ratios = ([_ratio(f.ratio)] if f.ratio is not None else []) + [f"{_ratio(x)} {to}" for x, to in f.others]
        out.add_row(f.scenario, f.backend, f.metric, f.shown, "\n".join(ratios))
    return out


def _ratio(value: float | None) -> str:
    """Two significant digits below 0.1 (0.0029x, 0.000024x), two decimals above."""
    if value is None:
        return ""
    if value >= 0.1 or value <= 0:
        return f"{value:.2f}x"
    return f"{value:.{1 - math.floor(math.log10(value))}f}x"


def error_bodies(measurements: list[Measurement]) -> None:
    for m in measurements:
        if m.result is not None and m.result.error_samples:
            console.print(f"[bold red]{m.scenario}/{m.backend}/{m.mode}: {m.result.errors:,} errors[/bold red]")
            for sample in m.result.error_samples:
                console.print(f"  {sample}", markup=False, highlight=False)


def problems(errors: list[str], warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for error in errors:
        console.print(f"[bold red]error:[/bold red] {escape(error)}", highlight=False)
