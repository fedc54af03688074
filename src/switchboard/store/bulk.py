"""Inserting many rows at once: COPY on PostgreSQL (a fraction of an INSERT's cost per row on the server),
one executemany INSERT elsewhere (many rows as plain tuples straight to the driver: SQLAlchemy's per-row
parameter processing cost more than SQLite's insert). Both run on the caller's transaction."""

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
    columns = list(rows[0])
    if len(rows) >= COPY_FROM and conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
        )
        return
    if len(rows) >= COPY_FROM and conn.dialect.name == "sqlite" and _plain(table, columns):
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        await conn.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',  # noqa: S608 (names from the table)
            [tuple(row[c] for c in columns) for row in rows],
        )
        return
    await conn.execute(table.insert(), list(rows))


def _plain(table: sa.Table, columns: list[str]) -> bool:
    """Whether the columns take Python values as the driver does (no type that converts them first)."""
    plain = (sa.Integer, sa.BigInteger, sa.String, sa.Text)
    return all(isinstance(table.c[c].type, plain) for c in columns)
