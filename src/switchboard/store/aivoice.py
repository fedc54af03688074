"""Repository for intelligent voice: flows, lines, tasks and customers (rows as plain dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.aivoice_tables import (
    aivoice_calls,
    aivoice_customers,
    aivoice_flows,
    aivoice_lines,
    aivoice_tasks,
)

WAITING, CALLING, DONE = "WAITING", "CALLING", "DONE"


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


# ---- flows ---------------------------------------------------------------------------------------------


async def save_flow(
    conn: AsyncConnection, account_id: int, name: str, definition: dict[str, Any], source: str, now: datetime
) -> dict[str, Any]:
    """Insert the flow, or replace its definition and count a new version; answers the row."""
    found = await get_flow_by_name(conn, account_id, name)
    if found is None:
        await conn.execute(
            aivoice_flows.insert().values(
                account_id=account_id, name=name, definition=definition, source=source, created_at=now, updated_at=now
            )
        )
    else:
        await conn.execute(
            aivoice_flows.update()
            .where(aivoice_flows.c.id == found["id"])
            .values(definition=definition, source=source, version=found["version"] + 1, updated_at=now)
        )
    saved = await get_flow_by_name(conn, account_id, name)
    assert saved is not None
    return saved


async def get_flow_by_name(conn: AsyncConnection, account_id: int, name: str) -> dict[str, Any] | None:
    q = sa.select(aivoice_flows).where(aivoice_flows.c.account_id == account_id, aivoice_flows.c.name == name)
    rows = _rows(await conn.execute(q))
    return rows[0] if rows else None


async def get_flow(conn: AsyncConnection, account_id: int, flow_id: int) -> dict[str, Any] | None:
    q = sa.select(aivoice_flows).where(aivoice_flows.c.account_id == account_id, aivoice_flows.c.id == flow_id)
    rows = _rows(await conn.execute(q))
    return rows[0] if rows else None


async def list_flows(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    q = sa.select(aivoice_flows).where(aivoice_flows.c.account_id == account_id).order_by(aivoice_flows.c.id)
    return _rows(await conn.execute(q))


async def set_flow_status(conn: AsyncConnection, flow_id: int, status: str, now: datetime) -> None:
    await conn.execute(
        aivoice_flows.update().where(aivoice_flows.c.id == flow_id).values(status=status, updated_at=now)
    )


# ---- lines ---------------------------------------------------------------------------------------------


async def add_line(conn: AsyncConnection, account_id: int, number: str, trunk: str | None, now: datetime) -> int:
    result = await conn.execute(
        aivoice_lines.insert().values(account_id=account_id, phone_number=number, trunk=trunk, created_at=now)
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def list_lines(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    q = sa.select(aivoice_lines).where(aivoice_lines.c.account_id == account_id).order_by(aivoice_lines.c.id)
    return _rows(await conn.execute(q))


async def get_line(conn: AsyncConnection, account_id: int, line_id: int) -> dict[str, Any] | None:
    q = sa.select(aivoice_lines).where(aivoice_lines.c.account_id == account_id, aivoice_lines.c.id == line_id)
    rows = _rows(await conn.execute(q))
    return rows[0] if rows else None


# ---- tasks ---------------------------------------------------------------------------------------------


async def insert_task(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(aivoice_tasks.insert().values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def update_task(conn: AsyncConnection, task_id: int, values: dict[str, Any]) -> None:
    await conn.execute(aivoice_tasks.update().where(aivoice_tasks.c.id == task_id).values(**values))


async def get_task(conn: AsyncConnection, account_id: int, app_id: str, task_id: int) -> dict[str, Any] | None:
    t = aivoice_tasks.c
    q = sa.select(aivoice_tasks).where(
        t.id == task_id, t.account_id == account_id, t.app_id == app_id, t.deleted.is_(False)
    )
    rows = _rows(await conn.execute(q))
    return rows[0] if rows else None


async def task_named(conn: AsyncConnection, account_id: int, app_id: str, name: str) -> int | None:
    t = aivoice_tasks.c
    q = sa.select(t.id).where(t.account_id == account_id, t.app_id == app_id, t.name == name, t.deleted.is_(False))
    return await conn.scalar(q)


async def page_tasks(
    conn: AsyncConnection, account_id: int, app_id: str, name: str | None, offset: int, size: int
) -> tuple[int, list[dict[str, Any]]]:
    t, f, line = aivoice_tasks.c, aivoice_flows.c, aivoice_lines.c
    where = [t.account_id == account_id, t.app_id == app_id, t.deleted.is_(False)]
    if name:
        where.append(t.name == name)
    total = int(await conn.scalar(sa.select(sa.func.count()).select_from(aivoice_tasks).where(*where)) or 0)
    done = (
        sa.select(sa.func.count())
        .where(aivoice_customers.c.task_id == t.id, aivoice_customers.c.status == DONE)
        .scalar_subquery()
    )
    all_ = sa.select(sa.func.count()).where(aivoice_customers.c.task_id == t.id).scalar_subquery()
    q = (
        sa.select(
            aivoice_tasks,
            f.name.label("flow_name"),
            f.status.label("flow_status"),
            line.phone_number.label("line_name"),
            all_.label("total"),
            done.label("completed"),
        )
        .join(aivoice_flows, f.id == t.flow_id)
        .join(aivoice_lines, line.id == t.line_id)
        .where(*where)
        .order_by(t.id.desc())
        .offset(offset)
        .limit(size)
    )
    return total, _rows(await conn.execute(q))


# ---- customers -----------------------------------------------------------------------------------------


async def numbers_of(conn: AsyncConnection, task_id: int) -> set[str]:
    q = sa.select(aivoice_customers.c.phone_number).where(aivoice_customers.c.task_id == task_id)
    return {r[0] for r in await conn.execute(q)}


async def insert_customers(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(aivoice_customers.insert(), list(rows))


async def delete_waiting(conn: AsyncConnection, task_id: int, numbers: Sequence[str]) -> int:
    c = aivoice_customers.c
    result = await conn.execute(
        aivoice_customers.delete().where(c.task_id == task_id, c.status == WAITING, c.phone_number.in_(numbers))
    )
    return int(result.rowcount or 0)


async def customers_of(conn: AsyncConnection, task_id: int) -> list[dict[str, Any]]:
    q = sa.select(aivoice_customers).where(aivoice_customers.c.task_id == task_id)
    return _rows(await conn.execute(q))


async def page_uncalled(
    conn: AsyncConnection,
    account_id: int,
    app_id: str,
    task_id: int | None,
    statuses: Sequence[str] | None,
    offset: int,
    size: int,
) -> tuple[int, list[dict[str, Any]]]:
    c, t = aivoice_customers.c, aivoice_tasks.c
    where = [t.account_id == account_id, t.app_id == app_id, t.deleted.is_(False), c.status != DONE]
    if task_id is not None:
        where.append(c.task_id == task_id)
    if statuses is not None:
        where.append(t.status.in_(statuses))
    base = sa.select(aivoice_customers).join(aivoice_tasks, t.id == c.task_id).where(*where)
    total = int(await conn.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0)
    rows = _rows(await conn.execute(base.order_by(c.id).offset(offset).limit(size)))
    return total, rows


# ---- robot calls ---------------------------------------------------------------------------------------


async def running_tasks(conn: AsyncConnection) -> list[dict[str, Any]]:
    t = aivoice_tasks.c
    q = sa.select(aivoice_tasks).where(t.status == "IN_PROCESS", t.deleted.is_(False)).order_by(t.id)
    return _rows(await conn.execute(q))


async def claim_customers(
    conn: AsyncConnection, task_id: int, limit: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` waiting customers due at ``now``, marked CALLING (a row another worker took first is
    skipped)."""
    c = aivoice_customers.c
    busy = int(await conn.scalar(sa.select(sa.func.count()).where(c.task_id == task_id, c.status == CALLING)) or 0)
    q = sa.select(aivoice_customers).where(c.task_id == task_id, c.status == WAITING).order_by(c.id)
    if now is not None:
        q = q.where(sa.or_(c.next_at.is_(None), c.next_at <= now))
    claimed = []
    for row in _rows(await conn.execute(q.limit(max(limit - busy, 0)))):
        done = await conn.execute(
            aivoice_customers.update()
            .where(c.id == row["id"], c.status == WAITING)
            .values(status=CALLING, attempts=c.attempts + 1)
        )
        if done.rowcount == 1:
            claimed.append(row)
    return claimed


async def open_customers(conn: AsyncConnection, task_id: int) -> int:
    c = aivoice_customers.c
    q = sa.select(sa.func.count()).where(c.task_id == task_id, c.status != DONE)
    return int(await conn.scalar(q) or 0)


async def release_calling(conn: AsyncConnection) -> int:
    """Calls a stopped worker left CALLING go back to WAITING (run at worker start)."""
    c = aivoice_customers.c
    result = await conn.execute(aivoice_customers.update().where(c.status == CALLING).values(status=WAITING))
    return int(result.rowcount or 0)


async def finish_call(conn: AsyncConnection, record: dict[str, Any], redial_at: datetime | None = None) -> None:
    """Keep the record; the customer is DONE, or WAITING again until ``redial_at``."""
    await conn.execute(aivoice_calls.insert().values(**record))
    values: dict[str, Any] = {"status": DONE} if redial_at is None else {"status": WAITING, "next_at": redial_at}
    await conn.execute(
        aivoice_customers.update().where(aivoice_customers.c.id == record["customer_id"]).values(**values)
    )


async def page_calls(
    conn: AsyncConnection, account_id: int, app_id: str, start: datetime, end: datetime, offset: int, size: int
) -> tuple[int, list[dict[str, Any]]]:
    c = aivoice_calls.c
    where = [c.account_id == account_id, c.app_id == app_id, c.start_at >= start, c.start_at < end]
    total = int(await conn.scalar(sa.select(sa.func.count()).select_from(aivoice_calls).where(*where)) or 0)
    q = sa.select(aivoice_calls).where(*where).order_by(c.id).offset(offset).limit(size)
    return total, _rows(await conn.execute(q))
