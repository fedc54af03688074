"""The migrations produce exactly the schema the code declares, on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from switchboard.store import migrate
from switchboard.store.database import Database
from switchboard.store.tables import metadata


async def test_migrations_match_the_declared_tables(db: Database) -> None:
    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with db.read() as conn:
        assert await conn.run_sync(diff) == []


async def test_the_schema_is_at_head_and_upgrading_again_is_a_no_op(db: Database) -> None:
    await migrate.upgrade(db)
    assert await migrate.current_revisions(db) == migrate.head_revisions()


async def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    if not db.is_sqlite:
        return
    async with db.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
