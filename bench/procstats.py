"""CPU time and peak memory of the processes of a run, from Linux /proc (psutil is not a dependency)."""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType

from bench.loadgen import cpu_seconds


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set size so far (VmHWM), in MiB; None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def pids_named(name: str) -> list[int]:
    """Every process whose command name (comm) is ``name``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() == name:
                    found.append(int(entry))
        except OSError:
            continue
    return found


class CpuSampler:
    """Samples the CPU seconds of named processes every ``period`` seconds in a thread, so that the CPU each
    used between two wall-clock instants can be read afterwards (``with CpuSampler({...}) as cpu:``)."""

    def __init__(self, pids: dict[str, list[int]], period: float = 0.1) -> None:
        self.pids = pids
        self.period = period
        self.samples: list[tuple[float, dict[str, float | None]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._take()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._take()

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self._take()

    def _take(self) -> None:
        values: dict[str, float | None] = {}
        for label, pids in self.pids.items():
            seconds = [cpu_seconds(pid) for pid in pids]
            values[label] = None if any(s is None for s in seconds) else sum(s for s in seconds if s is not None)
        self.samples.append((time.time(), values))

    def _at(self, label: str, at: float) -> float | None:
        known = [(t, v[label]) for t, v in self.samples if v.get(label) is not None]
        if not known:
            return None
        before = [(t, v) for t, v in known if t <= at]
        after = [(t, v) for t, v in known if t >= at]
        if not before or not after:
            return (before or after)[-1 if before else 0][1]
        (t0, v0), (t1, v1) = before[-1], after[0]
        assert v0 is not None and v1 is not None
        return v1 if t1 == t0 else v0 + (v1 - v0) * (at - t0) / (t1 - t0)

    def percent(self, start: float, end: float) -> dict[str, float | None]:
        """CPU of each label between ``start`` and ``end`` (epoch seconds), in % of one core."""
        out: dict[str, float | None] = {}
        for label in self.pids:
            a, b = self._at(label, start), self._at(label, end)
            out[label] = None if a is None or b is None or end <= start else max(0.0, 100 * (b - a) / (end - start))
        return out
