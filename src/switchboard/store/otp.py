"""Repository for OTP templates and verifications."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.tables import otp_templates, verifications


async def insert_template(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(otp_templates.insert().values(**values).returning(otp_templates.c.id))
    return int(result.scalar_one())


async def get_template(conn: AsyncConnection, template_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(sa.select(otp_templates).where(otp_templates.c.id == template_id))).first()
    return dict(row._mapping) if row else None


async def list_templates(conn: AsyncConnection, app_ids: list[str]) -> list[dict[str, Any]]:
    if not app_ids:
        return []
    rows = await conn.execute(
        sa.select(otp_templates).where(otp_templates.c.app_id.in_(app_ids)).order_by(otp_templates.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def insert_verification(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(verifications.insert().values(**values))


async def get_verification(
    conn: AsyncConnection,
    *,
    account_id: int,
    verification_id: str | None = None,
    order_id: str | None = None,
    app_id: str | None = None,
    for_update: bool = False,
) -> dict[str, Any] | None:
    query = sa.select(verifications).where(verifications.c.account_id == account_id)
    if verification_id is not None:
        query = query.where(verifications.c.verification_id == verification_id)
    if order_id is not None:
        query = query.where(verifications.c.order_id == order_id, verifications.c.app_id == app_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def order_id_used(conn: AsyncConnection, app_id: str, order_id: str) -> bool:
    query = sa.select(verifications.c.id).where(verifications.c.app_id == app_id, verifications.c.order_id == order_id)
    return (await conn.execute(query)).first() is not None


async def update_verification(conn: AsyncConnection, row_id: int, **values: Any) -> None:
    await conn.execute(verifications.update().where(verifications.c.id == row_id).values(**values))
