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

PostgreSQL: a pooled connection is checked with a ping only when it has been idle for ``PING_IDLE_AFTER``
seconds (``ping_when_idle``). SQLAlchemy's ``pool_pre_ping`` pinged at every checkout, and asyncpg's ping is
three round trips (BEGIN, an empty statement, ROLLBACK): a single-number send checks out three connections,
so pings were half of its round trips. A connection in steady use has just proved itself; one that died
while in use fails its statement, and SQLAlchemy then invalidates every pooled connection older than it.
The ``quick`` reads (authentication's lookups) run in autocommit, without a BEGIN/ROLLBACK around them, on
both engines.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

log = logging.getLogger("switchboard.store")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)
CHECKPOINT_EVERY = 0.5  # seconds between WAL checkpoints of the writer's commits
QUICK_READERS = 2  # inline reader connections (they never wait, so a couple suffice)
LOCK_WAIT = 10.0  # seconds the writer waits for another process's write lock before failing
PING_IDLE_AFTER = 2.0  # seconds a pooled PostgreSQL connection may sit idle before its next checkout pings it


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the calling (event loop) thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _create_private(path: Path) -> None:
    """The SQLite file's folder (0700 when it is made here) and the file itself (0600 when it is made here):
    the database holds every account's data. SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                _create_private(Path(database))
            self.reader = _sqlite_engine(url, immediate=False, pool_size=pool_size)
            self.writer = _sqlite_engine(url, immediate=True, pool_size=1)
            self.quick_reader = _sqlite_engine(
                url, immediate=False, pool_size=QUICK_READERS, inline=True, autocommit=True
            )
            self._checkpointer = Checkpointer(database) if database and database != ":memory:" else None
        else:
            self._checkpointer = None
            self.reader = self.writer = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
            ping_when_idle(self.writer)
            # the same pool; only the isolation level of the checkout differs
            self.quick_reader = self.writer.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed when the block ends without error."""
        if self._checkpointer is not None:
            self._checkpointer.start()
        async with self.writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self, *, quick: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-only connection. ``quick``: for a few small indexed lookups on every request (authentication):
        on SQLite its statements run on the loop's thread like the writer's, without a thread hop each; never
        for queries that may read many rows (reports, the console), which would hold the loop."""
        async with (self.quick_reader if quick else self.reader).connect() as conn:
            yield conn

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        if self.quick_reader is not self.reader and self.is_sqlite:
            await self.quick_reader.dispose()
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()


def ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection at checkout only when it has been idle ``PING_IDLE_AFTER`` seconds or more; a
    failed ping discards it and the pool hands out another (``DisconnectionError``)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_AFTER:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            log.info("a pooled database connection failed its ping; replacing it (%s)", exc)
            raise DisconnectionError() from exc


class Checkpointer:
    """Copies the WAL back into the database file every ``CHECKPOINT_EVERY`` seconds from a thread of its own.
    A checkpoint syncs the database file to disk; left to SQLite's automatic checkpoint it would run inside a
    commit of the writer, i.e. on the event loop. PASSIVE: it never waits for readers or writers. The thread
    owns its connection from open to close (a connection closed while another thread uses it crashes), and
    ends when stopped or when its Database is gone."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=_checkpoints,
                args=(self.path, self._stop, weakref.ref(self)),
                daemon=True,
                name=f"checkpoint {self.path}",
            )
            self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)


def _checkpoints(path: str, stop: threading.Event, owner: weakref.ref[Checkpointer]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=10000")
        while not stop.wait(CHECKPOINT_EVERY) and owner() is not None:
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                log.warning("WAL checkpoint failed; retrying", exc_info=True)
    finally:
        connection.close()


def _sqlite_engine(
    url: str, *, immediate: bool, pool_size: int, inline: bool = False, autocommit: bool = False
) -> AsyncEngine:
    """``autocommit``: no BEGIN (each statement reads its own snapshot) and no rollback when the connection goes
    back to the pool: for the quick reads, one or two statements each, where the BEGIN and the ROLLBACK cost
    more than the lookup."""
    inline = inline or immediate
    creator: dict[str, Any] = {"async_creator": _inline_creator(make_url(url).database or ":memory:")} if inline else {}
    if autocommit:
        creator["pool_reset_on_return"] = None
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
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer does it, off the loop
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if autocommit:
            return
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
