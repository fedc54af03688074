"""Repository for carriers and routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.domain.routing import Route
from switchboard.store.tables import carriers, routes


@dataclass(frozen=True)
class Carrier:
    id: int
    name: str
    type: str
    config: dict[str, Any]
    enabled: bool


def _carrier(row: Any) -> Carrier:
    return Carrier(row.id, row.name, row.type, dict(row.config), bool(row.enabled))


async def list_carriers(conn: AsyncConnection) -> list[Carrier]:
    return [_carrier(r) for r in await conn.execute(sa.select(carriers).order_by(carriers.c.id))]


async def get_carrier(conn: AsyncConnection, name: str) -> Carrier | None:
    row = (await conn.execute(sa.select(carriers).where(carriers.c.name == name))).first()
    return _carrier(row) if row else None


async def insert_carrier(
    conn: AsyncConnection, *, name: str, type_: str, config: dict[str, Any], now: datetime
) -> None:
    await conn.execute(carriers.insert().values(name=name, type=type_, config=config, created_at=now))


async def set_carrier_enabled(conn: AsyncConnection, name: str, enabled: bool) -> bool:
    result = await conn.execute(carriers.update().where(carriers.c.name == name).values(enabled=enabled))
    return result.rowcount == 1


async def set_carrier_config(conn: AsyncConnection, name: str, config: dict[str, Any]) -> bool:
    result = await conn.execute(carriers.update().where(carriers.c.name == name).values(config=config))
    return result.rowcount == 1


async def list_routes(conn: AsyncConnection, product: str = "sms") -> list[Route]:
    rows = await conn.execute(
        sa.select(routes)
        .where(routes.c.product == product, routes.c.enabled.is_(True))
        .order_by(routes.c.position, routes.c.id)
    )
    return [Route(r.id, r.position, list(r.carriers), r.country, r.prefix, r.account_id, r.sender_id) for r in rows]


async def insert_route(conn: AsyncConnection, *, now: datetime, **values: Any) -> int:
    result = await conn.execute(routes.insert().values(created_at=now, **values).returning(routes.c.id))
    return int(result.scalar_one())


async def delete_route(conn: AsyncConnection, route_id: int) -> bool:
    return (await conn.execute(routes.delete().where(routes.c.id == route_id))).rowcount == 1
