"""Repository for the call center's people and wiring: groups, ring tones, team leaders, agents, SIP trunks.

Rows are plain dicts; every read is scoped to an account, so another account's row is never found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.cc_tables import (
    cc_agents,
    cc_groups,
    cc_leaders,
    cc_ring_files,
    cc_trunk_groups,
    cc_trunks,
)
from switchboard.store.phone_tables import voice_phones


def rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


async def one(conn: AsyncConnection, query: sa.Select[Any]) -> dict[str, Any] | None:
    found = rows(await conn.execute(query.limit(1)))
    return found[0] if found else None


async def insert(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> int:
    key = (await conn.execute(table.insert().values(**values))).inserted_primary_key
    assert key is not None
    return int(key[0])


async def update(conn: AsyncConnection, table: sa.Table, row_id: int, values: dict[str, Any]) -> None:
    await conn.execute(table.update().where(table.c.id == row_id).values(**values))


async def count(conn: AsyncConnection, query: sa.Select[Any]) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one())


# ---- groups ---------------------------------------------------------------------------------------------


async def group(conn: AsyncConnection, account_id: int, group_id: int) -> dict[str, Any] | None:
    g = cc_groups.c
    return await one(conn, sa.select(cc_groups).where(g.account_id == account_id, g.id == group_id))


async def groups_of(conn: AsyncConnection, account_id: int, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    g = cc_groups.c
    found = rows(await conn.execute(sa.select(cc_groups).where(g.account_id == account_id, g.id.in_(list(ids)))))
    return {row["id"]: row for row in found}


async def group_named(conn: AsyncConnection, account_id: int, name: str) -> dict[str, Any] | None:
    g = cc_groups.c
    return await one(conn, sa.select(cc_groups).where(g.account_id == account_id, g.name == name))


async def count_groups(conn: AsyncConnection, account_id: int) -> int:
    return await count(conn, sa.select(cc_groups.c.id).where(cc_groups.c.account_id == account_id))


def live_agents() -> sa.Select[Any]:
    return sa.select(cc_agents.c.id).where(cc_agents.c.deleted.is_(False))


async def page_groups(
    conn: AsyncConnection, account_id: int, name: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    g, a = cc_groups.c, cc_agents.c
    seats = (
        sa.select(sa.func.count(a.id))
        .where(a.group_id == g.id, a.deleted.is_(False))
        .correlate(cc_groups)
        .scalar_subquery()
    )
    query = sa.select(cc_groups, seats.label("seats")).where(g.account_id == account_id)
    if name:
        query = query.where(g.name.contains(name, autoescape=True))
    total = await count(conn, query)
    return total, rows(await conn.execute(query.order_by(g.id).offset(offset).limit(limit)))


async def delete_group(conn: AsyncConnection, group_id: int) -> None:
    await conn.execute(cc_groups.delete().where(cc_groups.c.id == group_id))


async def group_agent_count(conn: AsyncConnection, group_id: int) -> int:
    return await count(conn, live_agents().where(cc_agents.c.group_id == group_id))


async def group_has_leader(conn: AsyncConnection, account_id: int, group_id: int) -> bool:
    found = rows(await conn.execute(sa.select(cc_leaders.c.group_ids).where(cc_leaders.c.account_id == account_id)))
    return any(group_id in (row["group_ids"] or []) for row in found)


async def group_on_trunk(conn: AsyncConnection, group_id: int) -> bool:
    return await count(conn, sa.select(cc_trunk_groups.c.id).where(cc_trunk_groups.c.group_id == group_id)) > 0


# ---- ring tones -------------------------------------------------------------------------------------------


async def ring_file(conn: AsyncConnection, account_id: int, name: str) -> dict[str, Any] | None:
    r = cc_ring_files.c
    return await one(conn, sa.select(cc_ring_files).where(r.account_id == account_id, r.file_name == name))


# ---- team leaders -----------------------------------------------------------------------------------------


async def leader(conn: AsyncConnection, account_id: int, leader_id: int) -> dict[str, Any] | None:
    t = cc_leaders.c
    return await one(conn, sa.select(cc_leaders).where(t.account_id == account_id, t.id == leader_id))


async def leader_named(conn: AsyncConnection, account_id: int, name: str) -> dict[str, Any] | None:
    t = cc_leaders.c
    return await one(conn, sa.select(cc_leaders).where(t.account_id == account_id, t.name == name))


async def leader_with_emp_no(conn: AsyncConnection, account_id: int, emp_no: str) -> dict[str, Any] | None:
    t = cc_leaders.c
    return await one(conn, sa.select(cc_leaders).where(t.account_id == account_id, t.emp_no == emp_no))


async def leader_by_login(conn: AsyncConnection, login: str) -> dict[str, Any] | None:
    return await one(conn, sa.select(cc_leaders).where(cc_leaders.c.login == login))


async def leaders(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    t = cc_leaders.c
    return rows(await conn.execute(sa.select(cc_leaders).where(t.account_id == account_id).order_by(t.id)))


async def logins_taken(conn: AsyncConnection, wanted: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for column in (cc_leaders.c.login, cc_agents.c.sip_account, voice_phones.c.account):
        found |= {str(r[0]) for r in await conn.execute(sa.select(column).where(column.in_(list(wanted))))}
    return found


# ---- agents ---------------------------------------------------------------------------------------------


def agents_query(account_id: int) -> sa.Select[Any]:
    a, g = cc_agents.c, cc_groups.c
    return (
        sa.select(cc_agents, g.name.label("group_name"))
        .join(cc_groups, g.id == a.group_id)
        .where(a.account_id == account_id, a.deleted.is_(False))
    )


async def agent(conn: AsyncConnection, account_id: int, agent_id: int) -> dict[str, Any] | None:
    return await one(conn, agents_query(account_id).where(cc_agents.c.id == agent_id))


async def agents_by_ids(conn: AsyncConnection, account_id: int, ids: Sequence[int]) -> list[dict[str, Any]]:
    return rows(await conn.execute(agents_query(account_id).where(cc_agents.c.id.in_(list(ids)))))


async def agents_of_groups(conn: AsyncConnection, account_id: int, group_ids: Sequence[int]) -> list[dict[str, Any]]:
    query = agents_query(account_id).where(cc_agents.c.group_id.in_(list(group_ids))).order_by(cc_agents.c.id)
    return rows(await conn.execute(query))


async def agent_clash(
    conn: AsyncConnection, account_id: int, column: str, value: str, except_id: int
) -> dict[str, Any] | None:
    a = cc_agents.c
    return await one(conn, agents_query(account_id).where(a[column] == value, a.id != except_id))


async def emp_nos(conn: AsyncConnection, account_id: int) -> set[str]:
    found = await conn.execute(sa.select(cc_agents.c.emp_no).where(cc_agents.c.account_id == account_id))
    return {str(r[0]) for r in found}


async def count_agents(conn: AsyncConnection, account_id: int) -> int:
    return await count(conn, live_agents().where(cc_agents.c.account_id == account_id))


async def agent_by_sip_account(conn: AsyncConnection, sip_account: str) -> dict[str, Any] | None:
    a = cc_agents.c
    query = sa.select(cc_agents).where(a.sip_account == sip_account, a.deleted.is_(False), a.enabled.is_(True))
    return await one(conn, query)


async def set_agents(conn: AsyncConnection, ids: Sequence[int], values: dict[str, Any]) -> None:
    await conn.execute(cc_agents.update().where(cc_agents.c.id.in_(list(ids))).values(**values))


# ---- trunks ---------------------------------------------------------------------------------------------


async def trunk(conn: AsyncConnection, account_id: int, trunk_id: int) -> dict[str, Any] | None:
    t = cc_trunks.c
    return await one(conn, sa.select(cc_trunks).where(t.account_id == account_id, t.id == trunk_id))


async def trunk_clash(
    conn: AsyncConnection, account_id: int, column: str, value: str, except_id: int
) -> dict[str, Any] | None:
    t = cc_trunks.c
    return await one(
        conn, sa.select(cc_trunks).where(t.account_id == account_id, t[column] == value, t.id != except_id)
    )


async def bindings_elsewhere(
    conn: AsyncConnection, kind: int, group_ids: Sequence[int], numbers: Sequence[str], trunk_id: int
) -> tuple[set[int], set[str]]:
    """Groups already bound to another trunk of this kind, and numbers already on another inbound trunk."""
    b = cc_trunk_groups.c
    query = sa.select(b.group_id, b.number, b.kind).where(b.trunk_id != trunk_id)
    found = rows(await conn.execute(query.where(sa.or_(b.group_id.in_(list(group_ids)), b.number.in_(list(numbers))))))
    groups = {r["group_id"] for r in found if r["kind"] == kind and r["group_id"] in group_ids}
    return groups, {r["number"] for r in found if r["number"] in numbers}


async def bind(conn: AsyncConnection, trunk_id: int, kind: int, pairs: Sequence[tuple[int, str | None]]) -> None:
    await conn.execute(cc_trunk_groups.delete().where(cc_trunk_groups.c.trunk_id == trunk_id))
    values = [{"trunk_id": trunk_id, "kind": kind, "group_id": g, "number": n} for g, n in pairs]
    await conn.execute(cc_trunk_groups.insert(), values)


async def page_trunks(
    conn: AsyncConnection, account_id: int, kind: int | None, name: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    t = cc_trunks.c
    query = sa.select(cc_trunks).where(t.account_id == account_id)
    if kind is not None:
        query = query.where(t.kind == kind)
    if name:
        query = query.where(t.name.contains(name, autoescape=True))
    total = await count(conn, query)
    return total, rows(await conn.execute(query.order_by(t.id).offset(offset).limit(limit)))


async def trunk_bindings(conn: AsyncConnection, trunk_ids: Sequence[int]) -> list[dict[str, Any]]:
    b, g = cc_trunk_groups.c, cc_groups.c
    query = (
        sa.select(b.trunk_id, b.group_id, b.number, g.name.label("group_name"))
        .join(cc_groups, g.id == b.group_id)
        .where(b.trunk_id.in_(list(trunk_ids)))
        .order_by(b.id)
    )
    return rows(await conn.execute(query))
