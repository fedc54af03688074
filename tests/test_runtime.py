"""Garbage-collector tuning at process start (switchboard.runtime.tune_gc), checked in fresh interpreters so
that the test process's own collector is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from switchboard.settings import Settings

PROBE = """
import gc, json, os, sys
before = gc.get_threshold()
from switchboard.runtime import tune_gc
tune_gc(int(sys.argv[1]))
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""

CLI_PROBE = """
import gc, json, sys
from switchboard.cli import common
def fake_loop(coro):
    coro.close()
    print(json.dumps({"after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
common._run_loop = fake_loop
common.run(lambda services: None)
"""


def _probe(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_threshold_raised_and_start_objects_frozen() -> None:
    seen = _probe(PROBE, "50000")
    assert seen["after"][0] == 50000  # type: ignore[index]
    assert seen["after"][1:] == seen["before"][1:]  # type: ignore[index]
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 1000  # the imported modules' objects


def test_zero_leaves_python_defaults() -> None:
    seen = _probe(PROBE, "0")
    assert seen["after"] == seen["before"]
    assert seen["frozen"] == 0


def test_every_command_applies_the_setting(tmp_path: object) -> None:
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path), "SWITCHBOARD_GC_THRESHOLD": "12345"}
    seen = _probe(CLI_PROBE, env=env)
    assert seen["after"][0] == 12345  # type: ignore[index]
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0


def test_setting_default_and_bounds() -> None:
    assert Settings().gc_threshold == 50_000
    assert Settings(gc_threshold=0).gc_threshold == 0
    with pytest.raises(ValueError):
        Settings(gc_threshold=-1)
