"""Switchboard benchmarks: ``python -m bench`` (``make bench``) runs the registered scenarios.

Every process the bench starts listens on 127.0.0.1 only, runs for a bounded time and is stopped at the
end, also on errors and Ctrl-C. Scenarios live in ``bench.scenarios`` and are registered in one list there.
"""
