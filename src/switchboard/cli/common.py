"""What every CLI command shares: settings from flags and environment, running a service, printing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from switchboard.errors import OperatorError
from switchboard.runtime import tune_gc
from switchboard.services.carrier_secrets import seal_stored
from switchboard.services.context import Services
from switchboard.settings import Settings
from switchboard.store import migrate

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


class CliState:
    """Global flags given before the command (``switchboard --database-url URL account ...``)."""

    database_url: str | None = None
    data_dir: Path | None = None


def settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if CliState.database_url and "database_url" not in values:
        values["database_url"] = CliState.database_url
    if CliState.data_dir and "data_dir" not in values:
        values["data_dir"] = CliState.data_dir
    try:
        return Settings(**values)
    except ValueError as exc:
        fail(f"bad setting: {exc}")


def reaches_servers() -> None:
    """Say, on stderr, when a change of operator configuration (rates, words, templates) applies: each server
    process keeps it in a per-process cache for CATALOG_TTL seconds."""
    from switchboard.services.context import CATALOG_TTL

    err_console.print(f"running servers apply this within {CATALOG_TTL:g} s (their configuration cache)")


def fail(message: str) -> NoReturn:
    err_console.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(1)


def run(action: Callable[[Services], Awaitable[T]], *, settings_: Settings | None = None) -> T:
    """Build the services, bring the schema up to date, run ``action``, and turn refusals into exit 1."""

    cfg = settings_ or settings()
    tune_gc(cfg.gc_threshold)

    async def main() -> T:
        services = Services.build(cfg)
        try:
            await migrate.upgrade(services.db)
            await seal_stored(services)
            return await action(services)
        finally:
            await services.close()

    try:
        return _run_loop(main())
    except OperatorError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")


def _run_loop(coro: Coroutine[Any, Any, T]) -> T:
    """uvloop when it is installed (it comes with uvicorn[standard]), else the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
