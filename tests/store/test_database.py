"""The SQLite writer: statements on the loop's thread, and waiting for another process's write lock without
blocking the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from switchboard.store import database
from switchboard.store.database import Database, InlineConnection


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    handle = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with handle.write() as conn:
        await conn.execute(sa.text("CREATE TABLE t (v INTEGER)"))
    yield handle
    await handle.dispose()


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """Another 'process' (its own connection, as the CLI would have) holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


async def test_writer_statements_run_on_the_event_loop_thread(db: Database) -> None:
    async with db.write() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        await conn.execute(sa.text("INSERT INTO t VALUES (2)"))
    async with db.read() as conn:
        assert (await conn.execute(sa.text("SELECT COUNT(*) FROM t"))).scalar() == 1


async def test_waiting_for_another_writer_does_not_block_the_loop(db: Database, tmp_path: Path) -> None:
    held = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(tmp_path / "w.db", 0.6, held))
    holder.start()
    await asyncio.to_thread(held.wait)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    async with db.write() as conn:
        await conn.execute(sa.text("INSERT INTO t VALUES (3)"))
    waited = time.monotonic() - started
    ticker.cancel()
    await asyncio.to_thread(holder.join)
    assert waited >= 0.3, "the write waited for the other writer's commit"
    assert ticks >= 15, f"the loop kept running while the writer waited ({ticks} ticks in {waited:.2f} s)"
    async with db.read() as conn:
        assert (await conn.execute(sa.text("SELECT COUNT(*) FROM t"))).scalar() == 2


async def test_a_write_lock_held_too_long_fails_the_write(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "LOCK_WAIT", 0.2)
    held = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(tmp_path / "w.db", 1.0, held))
    holder.start()
    await asyncio.to_thread(held.wait)
    with pytest.raises(OperationalError, match="locked"):
        async with db.write() as conn:
            await conn.execute(sa.text("INSERT INTO t VALUES (4)"))
    await asyncio.to_thread(holder.join)
    async with db.write() as conn:  # the writer is usable again afterwards
        await conn.execute(sa.text("INSERT INTO t VALUES (5)"))
    async with db.read() as conn:
        assert sorted(r[0] for r in await conn.execute(sa.text("SELECT v FROM t"))) == [1, 5]


async def test_checkpoints_run_in_a_thread_of_their_own_until_dispose(tmp_path: Path) -> None:
    handle = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    async with handle.write() as conn:
        assert (await conn.execute(sa.text("PRAGMA wal_autocheckpoint"))).scalar() == 0
        await conn.execute(sa.text("CREATE TABLE t (v INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    name = f"checkpoint {tmp_path / 'c.db'}"
    assert any(t.name == name and t.is_alive() for t in threading.enumerate())
    await asyncio.sleep(database.CHECKPOINT_EVERY * 2.5)
    other = sqlite3.connect(tmp_path / "c.db")
    busy, frames, done = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    other.close()
    assert busy == 0 and frames == done, "everything written was already copied back"
    await handle.dispose()
    assert not [t for t in threading.enumerate() if t.name == name and t.is_alive()]


async def test_quick_reads_run_on_the_loop_thread_and_see_committed_writes(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(sa.text("INSERT INTO t VALUES (7)"))
    async with db.read(quick=True) as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        assert (await conn.execute(sa.text("SELECT v FROM t"))).scalar() == 7
    async with db.read() as conn:  # the ordinary readers keep aiosqlite's thread
        raw = await conn.get_raw_connection()
        assert not isinstance(raw.driver_connection, InlineConnection)


async def _kill_other_sessions(handle: Database) -> int:
    """Terminate every other session on this database (what a PostgreSQL restart does to a pool)."""
    engine = create_async_engine(handle.url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            killed = await conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return int(killed.scalar_one())
    finally:
        await engine.dispose()


async def _in_transaction_after_a_read(handle: Database, *, quick: bool) -> bool:
    async with handle.read(quick=quick) as conn:
        await conn.execute(sa.text("SELECT 1"))
        raw = await conn.get_raw_connection()
        return bool(raw.driver_connection.is_in_transaction())  # type: ignore[union-attr]


@pytest.mark.postgres
async def test_postgres_idle_connections_are_pinged_and_replaced(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    handle = Database(pg_url)
    pings: list[float] = []
    try:
        async with handle.read() as conn, handle.write() as other:  # two pooled connections
            await conn.execute(sa.text("SELECT 1"))
            await other.execute(sa.text("SELECT 1"))
        assert await _kill_other_sessions(handle) >= 2
        monkeypatch.setattr(database, "PING_IDLE_AFTER", 0.0)
        real_ping = AsyncAdapt_asyncpg_connection.ping

        def counting_ping(self: AsyncAdapt_asyncpg_connection) -> None:
            pings.append(time.monotonic())
            real_ping(self)

        monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting_ping)
        # both dead connections fail their ping and are replaced: no statement sees the dead sessions
        async with handle.read() as conn, handle.write() as other:
            assert (await conn.execute(sa.text("SELECT 1"))).scalar_one() == 1
            assert (await other.execute(sa.text("SELECT 2"))).scalar_one() == 2
        assert len(pings) >= 2
    finally:
        await handle.dispose()


@pytest.mark.postgres
async def test_postgres_connections_in_steady_use_are_not_pinged(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    handle = Database(pg_url)
    pings: list[float] = []
    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", lambda self: pings.append(time.monotonic()))
    try:
        for _ in range(20):
            async with handle.read(quick=True) as conn:
                await conn.execute(sa.text("SELECT 1"))
            async with handle.write() as conn:
                await conn.execute(sa.text("SELECT 1"))
        assert pings == []
        # quick reads run in autocommit: no transaction is open around their statement
        assert await _in_transaction_after_a_read(handle, quick=True) is False
        assert await _in_transaction_after_a_read(handle, quick=False) is True
    finally:
        await handle.dispose()


@pytest.mark.postgres
async def test_postgres_a_connection_that_died_in_steady_use_fails_once_then_the_pool_renews(pg_url: str) -> None:
    """The trade-off of pinging only idle connections: a statement on a connection that died less than
    PING_IDLE_AFTER after its last use fails (its transaction rolls back; the API answers its error code), and
    that failure makes the pool replace every connection it held, so the next checkout works."""
    handle = Database(pg_url)
    try:
        async with handle.read() as conn, handle.write() as other:
            await conn.execute(sa.text("SELECT 1"))
            await other.execute(sa.text("SELECT 1"))
        assert await _kill_other_sessions(handle) >= 2
        with pytest.raises(DBAPIError):
            async with handle.read() as conn:
                await conn.execute(sa.text("SELECT 1"))
        for _ in range(3):  # the other pooled connection died too; it is not handed out again
            async with handle.write() as conn:
                assert (await conn.execute(sa.text("SELECT 3"))).scalar_one() == 3
    finally:
        await handle.dispose()
