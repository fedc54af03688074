"""Inserting many rows at once: COPY on PostgreSQL (a fraction of an INSERT's cost per row on the server),
one executemany INSERT elsewhere. Both run on the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

COPY_FROM = 50  # rows from which PostgreSQL inserts use COPY


async def insert_rows(conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new rows of ``table`` (every row has the same keys)."""
    if not rows:
        return
    if len(rows) >= COPY_FROM and conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        columns = list(rows[0])
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
        )
        return
    await conn.execute(table.insert(), list(rows))
