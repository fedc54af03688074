"""Repository for SMS messages (each queued row is also its dispatch job) and orderId idempotency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.bulk import insert_rows
from switchboard.store.tables import messages, order_ids

SCHEDULED = "scheduled"
QUEUED = "queued"
SUBMITTED = "submitted"
DELIVERED = "delivered"
FAILED = "failed"
EXPIRED = "expired"
CANCELLED = "cancelled"
FINAL_STATES = frozenset({DELIVERED, FAILED, EXPIRED, CANCELLED})


async def insert_messages(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new message rows (every row has the same keys). On PostgreSQL many rows go in with COPY, which
    costs the server a fraction of an INSERT per row; it runs on the transaction's own connection."""
    await insert_rows(conn, messages, rows)


_SET_PAID_GIFT = (
    messages.update().where(messages.c.msg_id == sa.bindparam("m_id")).values(paid_gift=sa.bindparam("gift"))
)


async def set_paid_gift(conn: AsyncConnection, shares: dict[str, int]) -> None:
    """Record the part of each message's cost the gift bucket paid (msg_id -> amount)."""
    if shares:
        await conn.execute(_SET_PAID_GIFT, [{"m_id": m, "gift": g} for m, g in shares.items()])


async def count_since(conn: AsyncConnection, account_id: int, since: datetime) -> int:
    query = sa.select(sa.func.count()).where(messages.c.account_id == account_id, messages.c.created_at >= since)
    return int((await conn.execute(query)).scalar_one())


_COUNT_PER_NUMBER = (
    sa.select(messages.c.number, sa.func.count())
    .where(
        messages.c.account_id == sa.bindparam("account_id"),
        messages.c.number.in_(sa.bindparam("numbers", expanding=True)),
        messages.c.created_at >= sa.bindparam("since"),
    )
    .group_by(messages.c.number)
)


async def count_per_number_since(
    conn: AsyncConnection, account_id: int, numbers: Sequence[str], since: datetime
) -> dict[str, int]:
    counts: dict[str, int] = {}
    unique = sorted(set(numbers))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = await conn.execute(_COUNT_PER_NUMBER, {"account_id": account_id, "numbers": chunk, "since": since})
        counts.update({r[0]: int(r[1]) for r in rows})
    return counts


async def existing_order_ids(conn: AsyncConnection, app_id: str, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """orderId -> (msgId, number) for the orderIds of this app seen before."""
    found: dict[str, tuple[str, str]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        rows = await conn.execute(
            sa.select(order_ids).where(
                order_ids.c.app_id == app_id, order_ids.c.order_id.in_(unique[start : start + 500])
            )
        )
        found.update({r.order_id: (r.msg_id, r.number) for r in rows})
    return found


async def insert_order_ids(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(order_ids.insert(), list(rows))


async def promote_due(conn: AsyncConnection, now: datetime, limit: int = 5000) -> int:
    """Up to ``limit`` scheduled messages whose time has come become queued (safe to run in several copies)."""
    due = (
        sa.select(messages.c.id)
        .where(messages.c.status == SCHEDULED, messages.c.due_at <= now)
        .order_by(messages.c.due_at, messages.c.id)
        .limit(limit)
        .scalar_subquery()
    )
    result = await conn.execute(
        messages.update().where(messages.c.id.in_(due), messages.c.status == SCHEDULED).values(status=QUEUED)
    )
    return int(result.rowcount)


async def list_scheduled(
    conn: AsyncConnection, account_id: int | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    query = sa.select(messages).where(messages.c.status == SCHEDULED).order_by(messages.c.due_at).limit(limit)
    if account_id is not None:
        query = query.where(messages.c.account_id == account_id)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def cancel_scheduled(conn: AsyncConnection, msg_ids: Sequence[str], now: datetime) -> list[dict[str, Any]]:
    """Move still-scheduled messages to cancelled; returns the rows that were cancelled (for refunds)."""
    rows = [
        dict(r._mapping)
        for r in await conn.execute(
            sa.select(messages).where(messages.c.msg_id.in_(list(msg_ids)), messages.c.status == SCHEDULED)
        )
    ]
    if rows:
        await conn.execute(
            messages.update()
            .where(messages.c.id.in_([r["id"] for r in rows]), messages.c.status == SCHEDULED)
            .values(status=CANCELLED, final_at=now)
        )
    return rows


async def latest_msg_id(conn: AsyncConnection) -> str | None:
    value = (await conn.execute(sa.select(sa.func.max(messages.c.msg_id)))).scalar()
    return str(value) if value else None
