"""The one exception the bench raises for a failed step (a scenario records it and goes on)."""

from __future__ import annotations


class BenchError(Exception):
    """A step of the bench failed: a command, a server start, a load run."""
