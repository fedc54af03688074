"""Repository for the call center's outbound work and its history: callee uploads, tasks, callees, records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.callcenter import count, one, rows
from switchboard.store.cc_tables import cc_callees, cc_records, cc_tasks, cc_uploads


async def upload(conn: AsyncConnection, account_id: int, path: str) -> dict[str, Any] | None:
    u = cc_uploads.c
    return await one(conn, sa.select(cc_uploads).where(u.account_id == account_id, u.path == path))


# ---- tasks ----------------------------------------------------------------------------------------------


async def task(conn: AsyncConnection, account_id: int, task_id: int) -> dict[str, Any] | None:
    t = cc_tasks.c
    return await one(conn, sa.select(cc_tasks).where(t.account_id == account_id, t.id == task_id))


async def task_by_id(conn: AsyncConnection, task_id: int) -> dict[str, Any] | None:
    return await one(conn, sa.select(cc_tasks).where(cc_tasks.c.id == task_id))


async def running_group_tasks(conn: AsyncConnection, account_id: int, statuses: Sequence[int]) -> list[dict[str, Any]]:
    t = cc_tasks.c
    query = sa.select(cc_tasks).where(t.account_id == account_id, t.kind == 1, t.status.in_(list(statuses)))
    return rows(await conn.execute(query))


def _remaining() -> sa.ScalarSelect[Any]:
    c = cc_callees.c
    return (
        sa.select(sa.func.count(c.id))
        .where(c.task_id == cc_tasks.c.id, c.state.in_(("waiting", "calling")))
        .correlate(cc_tasks)
        .scalar_subquery()
    )


async def page_tasks(
    conn: AsyncConnection, account_id: int, filters: list[sa.ColumnElement[bool]], offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    query = sa.select(cc_tasks, _remaining().label("remaining")).where(cc_tasks.c.account_id == account_id, *filters)
    total = await count(conn, query)
    return total, rows(await conn.execute(query.order_by(cc_tasks.c.id.desc()).offset(offset).limit(limit)))


# ---- callees --------------------------------------------------------------------------------------------


async def insert_callees(conn: AsyncConnection, task_id: int, callees: Sequence[tuple[str, dict[str, str]]]) -> None:
    batch = 1000
    for start in range(0, len(callees), batch):
        values = [
            {"task_id": task_id, "number": number, "data": data, "state": "waiting"}
            for number, data in callees[start : start + batch]
        ]
        await conn.execute(cc_callees.insert(), values)


async def callee_states(conn: AsyncConnection, task_id: int) -> dict[str, int]:
    c = cc_callees.c
    query = sa.select(c.state, sa.func.count(c.id)).where(c.task_id == task_id).group_by(c.state)
    return {str(state): int(n) for state, n in await conn.execute(query)}


async def reset_callees(conn: AsyncConnection, task_id: int, states: Sequence[str]) -> int:
    c = cc_callees.c
    result = await conn.execute(
        cc_callees.update().where(c.task_id == task_id, c.state.in_(list(states))).values(state="waiting")
    )
    return int(result.rowcount or 0)


async def waiting_callees(conn: AsyncConnection, task_id: int) -> list[dict[str, Any]]:
    c = cc_callees.c
    query = sa.select(cc_callees).where(c.task_id == task_id, c.state == "waiting").order_by(c.id)
    return rows(await conn.execute(query))


async def set_callee(conn: AsyncConnection, callee_id: int, state: str, *, attempt: bool = False) -> None:
    values: dict[str, Any] = {"state": state}
    if attempt:
        values["attempts"] = cc_callees.c.attempts + 1
    await conn.execute(cc_callees.update().where(cc_callees.c.id == callee_id).values(**values))


# ---- records --------------------------------------------------------------------------------------------


async def insert_record(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Store a finished call once: a second write of the same call id changes nothing (answers False)."""
    if await one(conn, sa.select(cc_records.c.id).where(cc_records.c.call_id == values["call_id"])) is not None:
        return False
    await conn.execute(cc_records.insert().values(**values))
    return True


async def page_records(
    conn: AsyncConnection, account_id: int, filters: list[sa.ColumnElement[bool]], offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    query = sa.select(cc_records).where(cc_records.c.account_id == account_id, *filters)
    total = await count(conn, query)
    return total, rows(
        await conn.execute(query.order_by(cc_records.c.start_at, cc_records.c.id).offset(offset).limit(limit))
    )


async def agent_stats(
    conn: AsyncConnection, account_id: int, agent_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, tuple[int, int]]:
    """Per agent: calls handled and talk seconds within the window."""
    r = cc_records.c
    query = (
        sa.select(r.agent_id, sa.func.count(r.id), sa.func.coalesce(sa.func.sum(r.talk_seconds), 0))
        .where(r.account_id == account_id, r.agent_id.in_(list(agent_ids)), r.start_at >= start, r.start_at <= end)
        .group_by(r.agent_id)
    )
    return {int(a): (int(n), int(t)) for a, n, t in await conn.execute(query)}
