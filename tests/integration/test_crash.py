"""Crash safety: SIGKILL processes at random moments during a burst, restart them, then check that every
acknowledged msgId reached one final state, nothing was charged twice, the ledger equals the balance, every
final state was pushed, and nothing is stuck. On SQLite (``serve``) and on PostgreSQL + Redis (API and
worker processes)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, _pg_admin
from tests.integration.cluster import Burst, Cluster, any_of, chaos, describe, settle, setup_account
from tests.integration.receiver import push_receiver
from tests.integration.server import base_env, cli

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

CYCLES = 20
OPENING = 100_000 * 10**6
FAST = {
    "SWITCHBOARD_DISPATCH_LEASE": "2",
    "SWITCHBOARD_MESSAGE_VALIDITY": "4",
    "SWITCHBOARD_WORKER_POLL": "0.1",
    "SWITCHBOARD_LOG_LEVEL": "warning",
}


@pytest.fixture
def pg_database() -> Iterator[str]:
    name = f"sb_crash_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rpartition("/")[0]
    yield f"{base}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def report(label: str, verdict_line: str, kills: dict[str, int]) -> None:
    print(f"\n[crash {label}] {verdict_line} kills={kills}")  # noqa: T201 (the figures are the test's report)


def test_sqlite_serve_survives_20_kills(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data", **FAST)
    key, secret, app_id, account_id = setup_account(env)
    with push_receiver() as receiver:
        cli(env, "app", "update", app_id, "--report-url", f"{receiver.url}/dlr")
        cluster = Cluster(env, tmp_path)
        serve = cluster.add("serve", "serve", http=True)
        cluster.start_all()
        try:
            burst = Burst(key, secret, app_id, lambda: [serve.url])
            stop = threading.Event()
            killer = chaos(cluster, CYCLES, stop, any_of([serve]))
            while killer.is_alive():
                burst.run(requests=10, numbers_per_request=50, threads=3)
            stop.set()
            killer.join()
            burst.run(requests=5, numbers_per_request=50, threads=2)
            verdict = settle(
                f"sqlite:///{tmp_path / 'data' / 'switchboard.db'}", account_id, burst.acknowledged, OPENING, timeout=60
            )
        finally:
            cluster.stop_all()
    report("sqlite", verdict.line(), describe(cluster))
    assert serve.kills == CYCLES
    assert verdict.acknowledged > 0
    assert (verdict.lost, verdict.not_final, verdict.double_charged, verdict.pushes_missing) == (0, 0, 0, 0)
    assert verdict.final == verdict.acknowledged and verdict.ledger_matches


@pytest.mark.postgres
def test_postgres_cluster_survives_20_kills(tmp_path: Path, pg_database: str) -> None:
    env = base_env(
        tmp_path / "data",
        SWITCHBOARD_DATABASE_URL=pg_database,
        SWITCHBOARD_REDIS_URL="redis://127.0.0.1:6379/14",
        **FAST,
    )
    key, secret, app_id, account_id = setup_account(env)
    with push_receiver() as receiver:
        cli(env, "app", "update", app_id, "--report-url", f"{receiver.url}/dlr")
        cluster = Cluster(env, tmp_path)
        api1 = cluster.add("api1", "api", http=True, node=1)
        api2 = cluster.add("api2", "api", http=True, node=2)
        dispatch1 = cluster.add("dispatch1", "worker", "--role", "dispatch", node=3)
        dispatch2 = cluster.add("dispatch2", "worker", "--role", "dispatch", node=4)
        cluster.add("others", "worker", "--role", "callbacks", "--role", "scheduler", node=5)
        cluster.start_all()
        try:
            burst = Burst(key, secret, app_id, lambda: [api1.url, api2.url])
            stop = threading.Event()
            killer = chaos(cluster, CYCLES, stop, any_of([api1, api2, dispatch1, dispatch2]))
            while killer.is_alive():
                burst.run(requests=10, numbers_per_request=20, threads=4)
            stop.set()
            killer.join()
            burst.run(requests=5, numbers_per_request=50, threads=2)
            verdict = settle(pg_database, account_id, burst.acknowledged, OPENING, timeout=60)
        finally:
            cluster.stop_all()
    report("postgres", verdict.line(), describe(cluster))
    assert sum(p.kills for p in cluster.procs) == CYCLES
    assert verdict.acknowledged > 0
    assert (verdict.lost, verdict.not_final, verdict.double_charged, verdict.pushes_missing) == (0, 0, 0, 0)
    assert verdict.final == verdict.acknowledged and verdict.ledger_matches
