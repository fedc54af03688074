"""A running Switchboard for a scenario: fresh data folder (and database), one funded account, one server."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.databases import temporary_postgres_database
from bench.errors import BenchError
from bench.procs import ManagedProcess, free_port, run_command, switchboard_executable, wait_healthy

BALANCE = "100000000"
PRICE = "0.001"


@dataclass(frozen=True)
class Target:
    """Where and how to send: the server's base URL, credentials, the SMS app, and the server's pid."""

    base_url: str
    api_key: str
    api_secret: str
    app_id: str
    pid: int
    notes: dict[str, str]
    log: Path | None = None
    urls: tuple[str, ...] = ()  # several API processes: every base URL (base_url among them)
    pids: tuple[int, ...] = ()  # other processes of the system under test, whose CPU counts as the server's


def _environment(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    env["SWITCHBOARD_DATA_DIR"] = data_dir
    env["SWITCHBOARD_PUSH_ALLOWED_NETWORKS"] = "127.0.0.0/8"  # the bench's push receiver is on loopback
    if database_url:
        env["SWITCHBOARD_DATABASE_URL"] = database_url
    return env


def disable_number_limit(env: dict[str, str], app_id: str) -> str:
    """Switch anti-pumping off for the app; returns how (the CLI, or the service layer when the CLI can't)."""
    cli = switchboard_executable()
    try:
        run_command([cli, "app", "update", app_id, "--option", "number_limit=0"], env)
        how = "cli"
    except BenchError:
        run_command([sys.executable, "-m", "bench.app_options", app_id, "number_limit=0"], env)
        how = "service layer (the CLI has no --option)"
    shown = json.loads(run_command([cli, "app", "show", app_id, "--json"], env))
    if shown.get("options", {}).get("number_limit") != 0:
        raise BenchError(f"number_limit is still {shown.get('options')!r} on app {app_id}")
    return how


@contextmanager
def running_switchboard(backend: str) -> Iterator[Target]:
    """Provision ``backend`` (sqlite | postgres) and run ``switchboard serve``; everything is undone on exit."""
    with ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sb-bench-{backend}-"))
        database_url = stack.enter_context(temporary_postgres_database()) if backend == "postgres" else None
        env = _environment(data_dir, database_url)
        cli = switchboard_executable()
        try:  # the CLI's commands in one process (each switchboard process spends seconds importing)
            account = json.loads(run_command([sys.executable, "-m", "bench.provision"], env).strip().splitlines()[-1])
            how = "cli"
        except BenchError:  # one by one, with the service-layer fallback for number_limit
            account = json.loads(
                run_command([cli, "account", "create", "--name", "bench", "--balance", BALANCE, "--json"], env)
            )
            run_command([cli, "rate", "set", "--product", "sms", "--country", "*", "--price", PRICE], env)
            how = disable_number_limit(env, account["apps"]["sms"])
        app_id = account["apps"]["sms"]
        port = free_port()
        server = stack.enter_context(
            ManagedProcess(
                [cli, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, log=Path(data_dir) / "serve.log"
            )
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{base_url}/health", server)
        yield Target(
            base_url=base_url,
            api_key=account["apiKey"],
            api_secret=account["apiSecret"],
            app_id=app_id,
            pid=server.pid,
            notes={"database": "postgresql" if database_url else "sqlite", "number_limit_off_via": how},
            log=server.log,
        )


@contextmanager
def running_bare_asgi(loop: str) -> Iterator[Target]:
    """The ceiling's bare ASGI app under uvicorn (``loop``: asyncio as switchboard serve, or auto)."""
    with ExitStack() as stack:
        log_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-asgi-"))
        port = free_port()
        server = stack.enter_context(
            ManagedProcess(
                [sys.executable, "-m", "bench.ceiling_app", "--port", str(port), "--loop", loop],
                env=dict(os.environ),
                log=Path(log_dir) / "asgi.log",
            )
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{base_url}/health", server)
        yield Target(base_url, "bench", "bench", "bench", server.pid, {"loop": loop})
