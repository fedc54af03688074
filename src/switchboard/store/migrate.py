"""Alembic, driven from code: ``switchboard migrate`` and ``serve`` call :func:`upgrade`."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from switchboard.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision``; a no-op when it is there already."""
    config = alembic_config()

    def run(connection: sa.Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.write() as conn:
        await conn.run_sync(run)


async def current_revisions(db: Database) -> set[str]:
    def read(connection: sa.Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with db.read() as conn:
        return await conn.run_sync(read)


def head_revisions() -> set[str]:
    """Every head of the migration graph (branches added in parallel are merged by a later revision)."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
