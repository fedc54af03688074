"""The SMSC sink of the delivery scenarios: ``switchboard smsc``'s own server loop, logging its counters often.

``python -m bench.smsc_sink --port P`` runs :func:`switchboard.smsc.server.run_smsc` (what ``switchboard smsc``
runs: every submit_sm accepted, a DELIVRD receipt at once for each part that asks for one) in its own process,
with the counters logged every ``--report-every`` seconds (0.2) instead of the CLI's fixed 10 s, each line
stamped with the epoch time, so that the bench can tell how many messages the SMSC had answered at any moment.
:func:`read_counters` reads them back.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from switchboard.smsc.server import SmscScenario, run_smsc

MARKER = " test SMSC: {"


@dataclass(frozen=True)
class Sample:
    at: float  # epoch seconds
    counters: dict[str, Any]


def read_counters(log: Path) -> list[Sample]:
    """Every counters line of a sink's log, oldest first."""
    samples: list[Sample] = []
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return samples
    for line in lines:
        head, marker, rest = line.partition(MARKER)
        if not marker:
            continue
        try:
            samples.append(Sample(float(head.split(" ", 1)[0]), ast.literal_eval("{" + rest)))
        except (ValueError, SyntaxError):
            continue
    return samples


def count_at(samples: list[Sample], name: str, at: float) -> float:
    """Counter ``name`` at time ``at``, interpolated linearly between the samples around it."""
    if not samples:
        return 0.0
    before = [s for s in samples if s.at <= at]
    after = [s for s in samples if s.at >= at]
    if not before:
        return float(after[0].counters.get(name, 0))
    if not after:
        return float(before[-1].counters.get(name, 0))
    a, b = before[-1], after[0]
    va, vb = float(a.counters.get(name, 0)), float(b.counters.get(name, 0))
    if b.at == a.at:
        return vb
    return va + (vb - va) * (at - a.at) / (b.at - a.at)


def first_reaching(samples: list[Sample], name: str, target: float, since: float = 0.0) -> float | None:
    """The time of the first sample (at or after ``since``) whose counter ``name`` is at least ``target``."""
    for sample in samples:
        if sample.at >= since and sample.counters.get(name, 0) >= target:
            return sample.at
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description="SMSC sink for the bench (switchboard smsc's run_smsc).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--report-every", type=float, default=0.2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(created).3f %(levelname)s %(name)s %(message)s")
    asyncio.run(run_smsc("127.0.0.1", args.port, SmscScenario(), report_every=args.report_every))


if __name__ == "__main__":
    main()
