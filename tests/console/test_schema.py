"""Migration 0005c creates the console tables exactly as declared (both engines)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from switchboard.store.console_tables import user_sessions, user_tokens, users
from switchboard.store.database import Database
from switchboard.store.tables import metadata

CONSOLE_TABLES = {users.name, user_sessions.name, user_tokens.name}


def table_of(change: Any) -> str | None:
    """The table an autogenerate difference is about (modifications come as lists of tuples)."""
    if isinstance(change, list):
        change = change[0]
    for item in change[1:]:
        if isinstance(item, sa.Table):
            return item.name
        if isinstance(item, (sa.Index, sa.Constraint)) and item.table is not None:
            return str(item.table.name)
        if isinstance(item, str) and item in metadata.tables:
            return item
    return None


async def test_the_console_tables_match_their_migration(db: Database) -> None:
    """Only differences about the console's tables count: other teams' tables are checked by their tests."""

    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [c for c in compare_metadata(context, metadata) if table_of(c) in CONSOLE_TABLES or table_of(c) is None]

    assert CONSOLE_TABLES <= set(metadata.tables)
    async with db.read() as conn:
        assert await conn.run_sync(diff) == []


async def test_the_check_constraints_exist(db: Database) -> None:
    def names(connection: sa.Connection) -> set[str]:
        return {c["name"] for c in sa.inspect(connection).get_check_constraints("users")}

    async with db.read() as conn:
        assert {"ck_users_role_known", "ck_users_account_user_has_account"} <= await conn.run_sync(names)
