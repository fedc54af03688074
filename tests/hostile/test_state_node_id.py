"""Two processes with the same SWITCHBOARD_NODE_ID would mint the same msgIds: the second one refuses to start,
with a clear error, while the first is alive; a holder killed with SIGKILL does not keep the id."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.integration.cluster import BIN, Cluster
from tests.integration.server import base_env, free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _second_serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [str(BIN), "serve", "--port", str(free_port())]
    return subprocess.run(args, env={**env, "SWITCHBOARD_NODE_ID": "7"}, capture_output=True, text=True, timeout=60)


def test_a_second_process_with_the_same_node_id_refuses_to_start(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data", SWITCHBOARD_LOG_LEVEL="warning")
    cluster = Cluster(env, tmp_path)
    first = cluster.add("first", "serve", http=True, node=7)
    cluster.start_all()
    try:
        refused = _second_serve(env)
        assert refused.returncode == 1
        assert "node id 7 is held by process" in refused.stderr and "SWITCHBOARD_NODE_ID" in refused.stderr
        first.kill()
        first.start()  # the dead holder's id is taken over at once on the same host
        first.wait_healthy()
    finally:
        cluster.stop_all()
    other = cluster.add("other", "serve", http=True, node=8)
    other.start()
    try:
        other.wait_healthy()
    finally:
        other.stop()
