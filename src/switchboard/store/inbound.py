"""Repository for inbound (MO) messages and the numbers that receive them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.tables import inbound_messages, messages, numbers


async def assign_number(conn: AsyncConnection, number: str, app_id: str, now: datetime) -> None:
    updated = await conn.execute(numbers.update().where(numbers.c.number == number).values(app_id=app_id))
    if updated.rowcount == 0:
        await conn.execute(numbers.insert().values(number=number, app_id=app_id, created_at=now))


async def release_number(conn: AsyncConnection, number: str) -> bool:
    return (await conn.execute(numbers.delete().where(numbers.c.number == number))).rowcount == 1


async def list_numbers(conn: AsyncConnection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in await conn.execute(sa.select(numbers).order_by(numbers.c.number))]


async def app_for_destination(conn: AsyncConnection, destination: str) -> str | None:
    row = (await conn.execute(sa.select(numbers.c.app_id).where(numbers.c.number == destination))).first()
    return str(row[0]) if row else None


async def app_of_sole_sender_to(conn: AsyncConnection, number: str, since: datetime) -> tuple[str, int] | None:
    """The app and account that last sent to ``number`` since ``since``, only when exactly one account did: a
    reply to a number that several tenants wrote to could be meant for any of them, so it goes to none."""
    window = (messages.c.number == number, messages.c.created_at >= since)
    senders = (
        await conn.execute(sa.select(messages.c.account_id).where(*window).group_by(messages.c.account_id).limit(2))
    ).all()
    if len(senders) != 1:
        return None
    row = (
        await conn.execute(
            sa.select(messages.c.app_id, messages.c.account_id)
            .where(*window, messages.c.account_id == senders[0][0])
            .order_by(messages.c.id.desc())
            .limit(1)
        )
    ).first()
    return (str(row[0]), int(row[1])) if row else None


async def insert_inbound(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(inbound_messages.insert().values(**values))


async def page_inbound(
    conn: AsyncConnection, *, app_id: str, start: datetime, end: datetime, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    where = sa.and_(
        inbound_messages.c.app_id == app_id,
        inbound_messages.c.received_at >= start,
        inbound_messages.c.received_at <= end,
    )
    total = (await conn.execute(sa.select(sa.func.count()).select_from(inbound_messages).where(where))).scalar_one()
    rows = await conn.execute(
        sa.select(inbound_messages).where(where).order_by(inbound_messages.c.id).offset(offset).limit(limit)
    )
    return int(total), [dict(r._mapping) for r in rows]


LOOKBACK = timedelta(days=7)
