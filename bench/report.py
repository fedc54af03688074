"""Printing through rich: progress lines, the results table, and the error bodies seen."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bench.results import Figure, Measurement

console = Console()


def step(message: str) -> None:
    console.print(f"[dim]{message}[/dim]", highlight=False)


def table(figs: list[Figure], title: str) -> Table:
    out = Table(title=title, title_justify="left")
    out.add_column("scenario")
    out.add_column("backend")
    out.add_column("metric")
    out.add_column("value", justify="right")
    out.add_column("ratio-to-ceiling", justify="right")
    previous: tuple[str, str] | None = None
    for f in figs:
        group = (f.scenario, f.backend)
        if previous is not None and group != previous:
            out.add_section()
        previous = group
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
        out.add_row(f.scenario, f.backend, f.metric, f.shown, ratio)
    return out


def error_bodies(measurements: list[Measurement]) -> None:
    for m in measurements:
        if m.result.error_samples:
            console.print(f"[bold red]{m.scenario}/{m.backend}/{m.mode}: {m.result.errors:,} errors[/bold red]")
            for sample in m.result.error_samples:
                console.print(f"  {sample}", markup=False, highlight=False)


def failures(errors: list[str]) -> None:
    for error in errors:
        console.print(f"[bold red]error:[/bold red] {error}", highlight=False)
