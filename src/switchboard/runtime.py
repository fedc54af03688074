"""Process-wide tuning applied when a command starts its event loop."""

from __future__ import annotations

import gc


def tune_gc(threshold: int) -> None:
    """Make the cyclic garbage collector run less often, and never walk the objects that exist at start.

    A 1000-number send allocates tens of thousands of short-lived containers (parsed numbers, rows, response
    items); with Python's threshold of 700 the collector ran dozens of times per request, each pass also
    walking every survivor of earlier passes. ``gc.freeze()`` moves the objects made while importing and
    starting (modules, the app, caches) to a generation the collector skips. ``threshold`` 0 leaves Python's
    defaults. Reference counting still frees everything that is not part of a cycle at once; only cycles
    wait longer, so memory grows by at most the garbage ``threshold`` allocations can leave behind."""
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(threshold, second, third)
