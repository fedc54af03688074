"""The database handle: one async engine for reads and one for writes.

PostgreSQL: both are the same pooled engine. SQLite (WAL): many readers, and a single writer connection
whose transactions start with ``BEGIN IMMEDIATE``, so concurrent writers queue in the pool instead of
failing with "database is locked" when a deferred transaction tries to upgrade.

The SQLite writer runs its statements on the event loop's own thread (``InlineConnection``) instead of
aiosqlite's worker thread: a write statement on a WAL database takes tens of microseconds, while handing it to
a thread and back costs a GIL switch each way (up to the 5 ms switch interval when the loop is busy), which made
the single writer the platform's bottleneck. Readers keep the thread (a report query may read many rows).
Waiting for the write lock (another process writing, e.g. the CLI) must not block the loop, so the writer's
busy timeout is 0 and ``BEGIN IMMEDIATE`` is retried with asynchronous sleeps.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)
LOCK_WAIT = 10.0  # seconds the writer waits for another process's write lock before failing


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the calling (event loop) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.reader = _sqlite_engine(url, immediate=False, pool_size=pool_size)
            self.writer = _sqlite_engine(url, immediate=True, pool_size=1)
        else:
            self.reader = self.writer = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed when the block ends without error."""
        async with self.writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.reader.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> AsyncEngine:
    creator = {"async_creator": _inline_creator(make_url(url).database or ":memory:")} if immediate else {}
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, **creator)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so the kind of transaction is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        if immediate:
            cursor.execute("PRAGMA busy_timeout=0")  # never block the loop: _on_begin waits asynchronously
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        deadline = time.monotonic() + LOCK_WAIT
        pause = 0.001
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await_only(asyncio.sleep(pause))
            pause = min(pause * 2, 0.05)

    return engine


def _inline_creator(database: str) -> Callable[[], Any]:
    async def create() -> aiosqlite.Connection:
        connection = InlineConnection(
            lambda: sqlite3.connect(database, check_same_thread=False, isolation_level=None), iter_chunk_size=64
        )
        connection._thread.daemon = True  # noqa: SLF001 (as SQLAlchemy does for aiosqlite's own connections)
        return await connection

    return create
