"""Switchboard delivering through SMPP, for the "deliver" scenario: embedded (SQLite ``serve``) or production
(PostgreSQL + Redis: 2 ``api``, 2 ``worker --role dispatch``, 1 ``worker --role callbacks --role scheduler``),
with one SMPP carrier pointing at the harness's SMSC sink and the app's report URL at its receiver.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import redis

from bench.databases import temporary_postgres_database
from bench.delivery import SMSC_PASSWORD, SMSC_SYSTEM_ID, Harness, Message, System
from bench.errors import BenchError
from bench.procs import ManagedProcess, free_port, run_command, signal_all, switchboard_executable, wait_healthy
from bench.sbserver import Target, _environment

BIND_SETTLE_S = 3.0
REDIS_URL = "redis://127.0.0.1:6379/13"  # the bench's own Redis database; its sb:* keys are deleted afterwards
BINDS = 2
WINDOW = 10
BIND_TIMEOUT_S = 30.0
# A throw-away platform is killed when it has not stopped 3 s after SIGTERM: with thousands of receipts still
# queued in its SMPP sessions, a graceful stop waits for them (10 s and more after a 1000-number run).
STOP_GRACE_S = 3.0
SMPP_IN = ("smppin", "bench-pw")  # system_id and password of the SMPP account of scenario "smpp-in"
# With the sink's message id of each message's last part (decimal ids counting up from 1).
ROWS = (
    "SELECT m.msg_id, m.created_at, m.submitted_at, m.final_at, (SELECT MAX(CAST(p.carrier_key AS {int})) "
    "FROM message_parts p WHERE p.message_id = m.id) FROM messages m WHERE m.id > {mark}"
)


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def _message(row: Any) -> Message:
    accepted = _epoch(row[1])
    assert accepted is not None
    return Message(str(row[0]), accepted, _epoch(row[2]), _epoch(row[3]), int(row[4]) if row[4] else None)


class SqliteMessages:
    """The messages table of a ``serve`` data folder, read beside the running server (WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str) -> list[Any]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def mark(self) -> int:
        return int(self._query("SELECT COALESCE(MAX(id), 0) FROM messages")[0][0])

    def count_since(self, mark: int) -> int:
        return int(self._query(f"SELECT COUNT(*) FROM messages WHERE id > {int(mark)}")[0][0])  # noqa: S608

    def rows_since(self, mark: int) -> list[Message]:
        return [_message(row) for row in self._query(ROWS.format(mark=int(mark), int="INTEGER"))]


class PostgresMessages:
    def __init__(self, url: str) -> None:
        self.url = url

    def _query(self, sql: str) -> list[Any]:
        async def go() -> list[Any]:
            conn = await asyncpg.connect(self.url, timeout=10)
            try:
                return list(await conn.fetch(sql, timeout=60))
            finally:
                await conn.close()

        return asyncio.run(go())

    def mark(self) -> int:
        return int(self._query("SELECT COALESCE(MAX(id), 0) FROM messages")[0][0])

    def count_since(self, mark: int) -> int:
        return int(self._query(f"SELECT COUNT(*) FROM messages WHERE id > {int(mark)}")[0][0])  # noqa: S608

    def rows_since(self, mark: int) -> list[Message]:
        return [_message(row) for row in self._query(ROWS.format(mark=int(mark), int="BIGINT"))]


def _provision(env: dict[str, str], harness: Harness, binds: int) -> dict[str, Any]:
    """One funded account with anti-pumping off, its report URL at the receiver, and the SMPP carrier with
    ``binds`` binds (``bench.provision``: the CLI's commands in one process)."""
    args = [sys.executable, "-m", "bench.provision", "--report-url", f"{harness.receiver_url}/report"]
    args += ["--smpp-port", str(harness.smsc_port), "--system-id", SMSC_SYSTEM_ID, "--password", SMSC_PASSWORD]
    out = run_command([*args, "--binds", str(binds), "--window", str(WINDOW)], env)
    account: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return account


def _delete_redis_keys() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match="sb:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


@contextmanager
def running_delivery_switchboard(backend: str, harness: Harness, *, smpp_port: int | None = None) -> Iterator[System]:
    """Switchboard on ``backend`` (sqlite: ``serve``; postgres: the production layout) delivering to the
    harness's SMSC sink; every process, folder and database is removed on exit. With ``smpp_port`` the
    customer-facing SMPP server listens there too (``serve``'s role; in production one ``smpp-server``), with
    an SMPP account ``SMPP_IN`` (no throughput limit) bound to the account's SMS app."""
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sb-bench-deliver-{backend}-")))
        database_url = stack.enter_context(temporary_postgres_database()) if backend == "postgres" else None
        env = _environment(str(data_dir), database_url)
        if database_url:
            env["SWITCHBOARD_REDIS_URL"] = REDIS_URL
            stack.callback(_delete_redis_keys)
        # The production layout's two dispatch workers share the carrier's binds (2 each, 4 in all).
        binds = BINDS if database_url is None else 2 * BINDS
        account = _provision(env, harness, binds)
        cli = switchboard_executable()
        if smpp_port is not None:
            run_command(
                [cli, "smpp-account", "create", SMPP_IN[0], "--app", account["apps"]["sms"]]
                + ["--password", SMPP_IN[1], "--throughput", "0", "--max-binds", "8"],
                env,
            )
            if database_url is None:
                env["SWITCHBOARD_SMPP_PORT"] = str(smpp_port)

        def start(name: str, args: list[str], node: int, port: int | None = None) -> ManagedProcess:
            full = [cli, *args] + (["--host", "127.0.0.1", "--port", str(port)] if port else [])
            proc_env = {**env, "SWITCHBOARD_NODE_ID": str(node)}
            process = ManagedProcess(full, env=proc_env, log=data_dir / f"{name}.log", grace=STOP_GRACE_S)
            return stack.enter_context(process)

        processes: dict[str, ManagedProcess] = {}
        urls: list[str] = []
        if database_url is None:
            port = free_port()
            processes["serve"] = start("serve", ["serve"], 0, port)
            urls.append(f"http://127.0.0.1:{port}")
        else:
            for node in (1, 2):
                port = free_port()
                processes[f"api{node}"] = start(f"api{node}", ["api"], node, port)
                urls.append(f"http://127.0.0.1:{port}")
            for node in (3, 4):
                processes[f"dispatch{node - 2}"] = start(f"dispatch{node - 2}", ["worker", "--role", "dispatch"], node)
            processes["callbacks+scheduler"] = start(
                "callbacks", ["worker", "--role", "callbacks", "--role", "scheduler"], 5
            )
            if smpp_port is not None:
                processes["smpp-server"] = start("smpp-server", ["smpp-server", "--port", str(smpp_port)], 6)
        stack.callback(signal_all, list(processes.values()))  # unwinding runs this first: all stop together
        for url, name in zip(urls, [n for n in processes if n in ("serve", "api1", "api2")], strict=True):
            wait_healthy(f"{url}/health", processes[name])
        first = next(iter(processes.values()))
        if smpp_port is not None:
            wait_listening(smpp_port, processes.get("smpp-server", first))
        harness.wait_sessions(binds, BIND_TIMEOUT_S, what=f"switchboard ({backend})", log=first.log)
        if database_url is not None:
            # The first dispatch worker to start binds all 4 slots; the second gets its 2 once the first gives
            # them up (bind slots are rebalanced every second): let that settle before measuring.
            time.sleep(BIND_SETTLE_S)
        pids = {name: proc.pid for name, proc in processes.items()}
        store = SqliteMessages(data_dir / "switchboard.db") if database_url is None else PostgresMessages(database_url)
        layout = "serve" if database_url is None else "2 api + 2 dispatch + 1 callbacks/scheduler"
        target = Target(
            base_url=urls[0],
            api_key=account["apiKey"],
            api_secret=account["apiSecret"],
            app_id=account["apps"]["sms"],
            pid=pids[next(iter(pids))],
            notes={},
            log=first.log,
            urls=tuple(urls),
            pids=tuple(list(pids.values())[1:]),
        )
        notes = {
            "database": "postgresql + redis" if database_url else "sqlite",
            "layout": layout,
            "carrier": f"smpp, {binds} binds x window {WINDOW} (shared by the dispatch processes)",
        }
        yield System(backend=backend, target=target, processes=pids, store=store, notes=notes)


def wait_listening(port: int, process: ManagedProcess, timeout: float = 30.0) -> None:
    """Wait until something accepts TCP connections on ``port`` (the SMPP server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.exited():
            raise BenchError(f"{process.log.name}: exited before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"nothing listens on SMPP port {port} after {timeout:.0f}s")
