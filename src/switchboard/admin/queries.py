"""Read-only queries behind the admin views: message search, pushes, inbound, ledger pages, dashboard counts.

Functions take an open connection, like the repositories in ``switchboard.store``; every one may be limited
to one account. Pages are fetched with one row more than asked, so the caller knows whether a next page exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.messages import DELIVERED, EXPIRED, FAILED
from switchboard.store.pushes import PENDING
from switchboard.store.tables import inbound_messages, ledger, message_parts, messages, pushes

OUTCOMES = (DELIVERED, FAILED, EXPIRED)


@dataclass(frozen=True)
class MessageFilter:
    msg_id: str | None = None
    number: str | None = None
    order_id: str | None = None
    account_id: int | None = None
    app_id: str | None = None
    status: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class PushFilter:
    account_id: int | None = None
    status: str | None = None
    ref: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class InboundFilter:
    account_id: int | None = None
    app_id: str | None = None
    number: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


async def search_messages(conn: AsyncConnection, f: MessageFilter, offset: int, limit: int) -> list[dict[str, Any]]:
    c = messages.c
    equal = {"msg_id": f.msg_id, "number": f.number, "order_id": f.order_id, "app_id": f.app_id, "status": f.status}
    query = sa.select(messages).order_by(c.id.desc()).offset(offset).limit(limit + 1)
    for column, value in equal.items():
        if value:
            query = query.where(c[column] == value)
    if f.account_id is not None:
        query = query.where(c.account_id == f.account_id)
    if f.start is not None:
        query = query.where(c.created_at >= f.start)
    if f.end is not None:
        query = query.where(c.created_at <= f.end)
    return _rows(await conn.execute(query))


async def message(conn: AsyncConnection, msg_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(sa.select(messages).where(messages.c.msg_id == msg_id))).first()
    return dict(row._mapping) if row else None


async def parts_of(conn: AsyncConnection, message_id: int) -> list[dict[str, Any]]:
    query = sa.select(message_parts).where(message_parts.c.message_id == message_id).order_by(message_parts.c.part)
    return _rows(await conn.execute(query))


async def ledger_for(conn: AsyncConnection, account_id: int, references: list[str]) -> list[dict[str, Any]]:
    query = sa.select(ledger).where(ledger.c.account_id == account_id, ledger.c.reference.in_(references))
    return _rows(await conn.execute(query.order_by(ledger.c.id)))


async def ledger_page(conn: AsyncConnection, account_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
    query = sa.select(ledger).where(ledger.c.account_id == account_id).order_by(ledger.c.id.desc())
    return _rows(await conn.execute(query.offset(offset).limit(limit + 1)))


async def push_page(conn: AsyncConnection, f: PushFilter, offset: int, limit: int) -> list[dict[str, Any]]:
    query = sa.select(pushes).order_by(pushes.c.id.desc()).offset(offset).limit(limit + 1)
    if f.account_id is not None:
        query = query.where(pushes.c.account_id == f.account_id)
    if f.status:
        query = query.where(pushes.c.status == f.status)
    if f.ref:
        query = query.where(pushes.c.ref == f.ref)
    if f.kind:
        query = query.where(pushes.c.kind == f.kind)
    return _rows(await conn.execute(query))


async def push(conn: AsyncConnection, push_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(sa.select(pushes).where(pushes.c.id == push_id))).first()
    return dict(row._mapping) if row else None


async def inbound_page(conn: AsyncConnection, f: InboundFilter, offset: int, limit: int) -> list[dict[str, Any]]:
    c = inbound_messages.c
    query = sa.select(inbound_messages).order_by(c.id.desc()).offset(offset).limit(limit + 1)
    if f.account_id is not None:
        query = query.where(c.account_id == f.account_id)
    if f.app_id:
        query = query.where(c.app_id == f.app_id)
    if f.number:
        query = query.where(c.source == f.number)
    if f.start is not None:
        query = query.where(c.received_at >= f.start)
    if f.end is not None:
        query = query.where(c.received_at <= f.end)
    return _rows(await conn.execute(query))


def _scoped(query: Any, account_id: int | None) -> Any:
    return query if account_id is None else query.where(messages.c.account_id == account_id)


async def hourly(conn: AsyncConnection, start: datetime, hours: int, account_id: int | None) -> list[tuple[int, int]]:
    """(messages created, of those delivered) per hour from ``start``, in one portable query."""
    columns = []
    for hour in range(hours):
        low, high = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
        inside = sa.and_(messages.c.created_at >= low, messages.c.created_at < high)
        columns.append(sa.func.sum(sa.case((inside, 1), else_=0)))
        columns.append(sa.func.sum(sa.case((sa.and_(inside, messages.c.status == DELIVERED), 1), else_=0)))
    query = sa.select(*columns).where(
        messages.c.created_at >= start, messages.c.created_at < start + timedelta(hours=hours)
    )
    row = (await conn.execute(_scoped(query, account_id))).one()
    values = [int(v or 0) for v in row]
    return [(values[2 * i], values[2 * i + 1]) for i in range(hours)]


async def outcomes_by(
    conn: AsyncConnection, column: str, since: datetime, account_id: int | None
) -> list[tuple[str, int, int]]:
    """(key, delivered, with an outcome) per country or carrier, for messages created since ``since``."""
    key = messages.c[column]
    delivered = sa.func.sum(sa.case((messages.c.status == DELIVERED, 1), else_=0))
    query = (
        sa.select(key, delivered, sa.func.count())
        .where(messages.c.created_at >= since, messages.c.status.in_(OUTCOMES))
        .group_by(key)
        .order_by(sa.func.count().desc())
    )
    rows = await conn.execute(_scoped(query, account_id))
    return [(str(r[0] or "-"), int(r[1] or 0), int(r[2])) for r in rows]


async def status_counts(conn: AsyncConnection, account_id: int | None) -> dict[str, int]:
    query = sa.select(messages.c.status, sa.func.count()).group_by(messages.c.status)
    return {str(status): int(count) for status, count in await conn.execute(_scoped(query, account_id))}


async def pending_pushes(conn: AsyncConnection, account_id: int | None) -> int:
    query = sa.select(sa.func.count()).select_from(pushes).where(pushes.c.status == PENDING)
    if account_id is not None:
        query = query.where(pushes.c.account_id == account_id)
    return int((await conn.execute(query)).scalar_one())
