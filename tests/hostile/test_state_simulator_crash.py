"""After a kill -9 of ``serve``, the simulated carrier keeps the promises it made: the receipts it owed are
re-created on start (a message's fate depends only on the scenario's seed and its msgId), so no message reads
"sending" for the whole validity period and then expires, charged."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.integration.cluster import Burst, Cluster, setup_account
from tests.integration.server import base_env, cli

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

DELAY_S = 4.0  # every receipt is owed this long after its submit: the kill lands inside that window


def _states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())


def _wait(db: Path, want: str, count: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    states = _states(db)
    while states.get(want, 0) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        states = _states(db)
    return states


def test_receipts_owed_by_the_simulated_carrier_survive_a_kill(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data", SWITCHBOARD_WORKER_POLL="0.1", SWITCHBOARD_LOG_LEVEL="warning")
    key, secret, app_id, _account = setup_account(env)
    scenario = {"seed": 3, "default": {"delivered": 0.8, "undelivered": 0.2, "delay": [DELAY_S, DELAY_S]}}
    cli(env, "carrier", "add", "--name", "sim", "--type", "simulator", "--config", json.dumps(scenario))
    db = tmp_path / "data" / "switchboard.db"
    cluster = Cluster(env, tmp_path)
    serve = cluster.add("serve", "serve", http=True)
    cluster.start_all()
    try:
        burst = Burst(key, secret, app_id, lambda: [serve.url])
        burst.run(requests=4, numbers_per_request=10, threads=2)
        sent = len(burst.acknowledged)
        assert _wait(db, "submitted", sent, timeout=20).get("submitted") == sent
        serve.kill()  # every receipt is still owed
        serve.start()
        serve.wait_healthy()
        states = _wait(db, "submitted", 0, timeout=0)
        deadline = time.monotonic() + DELAY_S + 15
        while states.get("submitted", 0) + states.get("queued", 0) and time.monotonic() < deadline:
            time.sleep(0.2)
            states = _states(db)
    finally:
        cluster.stop_all()
    assert sent == 40
    assert states.get("submitted", 0) == 0 and states.get("queued", 0) == 0, states
    assert states.get("delivered", 0) + states.get("failed", 0) == sent, states
    assert states.get("delivered", 0) > 0 and states.get("failed", 0) > 0, states  # the scenario's fates, kept
