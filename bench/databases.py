"""A throw-away PostgreSQL database for one run, created on the local server and dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg  # type: ignore[import-untyped]

from bench.errors import BenchError

PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_ADMIN_DB = os.environ.get("BENCH_PG_ADMIN_DB", "test")  # an existing database to connect to
CONNECT_TIMEOUT_S = 10.0


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, database=PG_ADMIN_DB, timeout=CONNECT_TIMEOUT_S)
    try:
        await conn.execute(statement, timeout=60)
    finally:
        await conn.close()


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create ``sb_bench_<random>``, yield its URL, and drop it (WITH FORCE) however the block ends."""
    name = f"sb_bench_{secrets.token_hex(4)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise BenchError(f"cannot create a PostgreSQL database on {PG_HOST}:{PG_PORT}: {exc}") from exc
    try:
        yield f"postgresql://{PG_HOST}:{PG_PORT}/{name}"
    finally:
        try:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise BenchError(f"could not drop the database {name}; drop it by hand: {exc}") from exc
