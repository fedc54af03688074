"""Repository for OTP management: templates' API fields, flows, conversions and backfill rates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.otp_tables import otp_backfill_rates, otp_conversions, otp_flows
from switchboard.store.tables import apps, messages, otp_templates, verifications


async def template_name_taken(conn: AsyncConnection, app_id: str, name: str, *, except_id: int | None = None) -> bool:
    query = sa.select(otp_templates.c.id).where(otp_templates.c.app_id == app_id, otp_templates.c.name == name)
    if except_id is not None:
        query = query.where(otp_templates.c.id != except_id)
    return (await conn.execute(query)).first() is not None


async def update_template(conn: AsyncConnection, template_id: int, **values: Any) -> None:
    await conn.execute(otp_templates.update().where(otp_templates.c.id == template_id).values(**values))


async def app_name_taken(conn: AsyncConnection, account_id: int, name: str, *, except_app: str | None = None) -> bool:
    query = sa.select(apps.c.id).where(apps.c.account_id == account_id, apps.c.product == "sms", apps.c.name == name)
    if except_app is not None:
        query = query.where(apps.c.app_id != except_app)
    return (await conn.execute(query)).first() is not None


async def insert_flow(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(otp_flows.insert().values(**values).returning(otp_flows.c.id))
    return int(result.scalar_one())


async def update_flow(conn: AsyncConnection, flow_id: int, **values: Any) -> None:
    await conn.execute(otp_flows.update().where(otp_flows.c.id == flow_id).values(**values))


async def get_flow(conn: AsyncConnection, account_id: int, flow_id: int) -> dict[str, Any] | None:
    query = sa.select(otp_flows).where(otp_flows.c.id == flow_id, otp_flows.c.account_id == account_id)
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def list_flows(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    query = sa.select(otp_flows).where(otp_flows.c.account_id == account_id).order_by(otp_flows.c.id)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def flow_name_taken(conn: AsyncConnection, account_id: int, name: str, *, except_id: int | None = None) -> bool:
    query = sa.select(otp_flows.c.id).where(otp_flows.c.account_id == account_id, otp_flows.c.name == name)
    if except_id is not None:
        query = query.where(otp_flows.c.id != except_id)
    return (await conn.execute(query)).first() is not None


async def sent_message(conn: AsyncConnection, app_id: str, msg_id: str) -> dict[str, Any] | None:
    """What a msgId of the app was sent to: an SMS (its number and country) or an OTP call (its verification)."""
    row = (
        await conn.execute(
            sa.select(messages.c.number, messages.c.country).where(
                messages.c.msg_id == msg_id, messages.c.app_id == app_id
            )
        )
    ).first()
    verification = (
        await conn.execute(
            sa.select(verifications.c.to, verifications.c.country, verifications.c.template_id).where(
                verifications.c.msg_id == msg_id, verifications.c.app_id == app_id
            )
        )
    ).first()
    if row is None and verification is None:
        return None
    return {
        "number": row.number if row is not None else verification.to,  # type: ignore[union-attr]
        "country": row.country if row is not None else verification.country,  # type: ignore[union-attr]
        "template_id": verification.template_id if verification is not None else None,
    }


async def last_verification_to(
    conn: AsyncConnection, app_id: str, number: str, before: datetime
) -> dict[str, Any] | None:
    query = (
        sa.select(verifications.c.template_id, verifications.c.country, verifications.c.msg_id)
        .where(verifications.c.app_id == app_id, verifications.c.to == number, verifications.c.sent_at <= before)
        .order_by(verifications.c.sent_at.desc(), verifications.c.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def insert_conversion(conn: AsyncConnection, **values: Any) -> bool:
    """Store a conversion unless the app has one with the same key; True when stored."""
    exists = sa.select(otp_conversions.c.id).where(
        otp_conversions.c.app_id == values["app_id"], otp_conversions.c.dedupe_key == values["dedupe_key"]
    )
    if (await conn.execute(exists)).first() is not None:
        return False
    await conn.execute(otp_conversions.insert().values(**values))
    return True


async def insert_backfill_rate(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(otp_backfill_rates.insert().values(**values))


async def conversion_stats(
    conn: AsyncConnection, *, account_id: int | None, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Per (app, template, country): verifications sent and conversions reported in the window."""
    keys = ("app_id", "template_id", "country")
    sent_query = sa.select(
        verifications.c.app_id, verifications.c.template_id, verifications.c.country, sa.func.count().label("n")
    ).where(verifications.c.sent_at >= since, verifications.c.sent_at < until)
    used_query = sa.select(
        otp_conversions.c.app_id,
        otp_conversions.c.template_id,
        otp_conversions.c.country,
        sa.func.count().label("n"),
    ).where(otp_conversions.c.used_at >= since, otp_conversions.c.used_at < until)
    if account_id is not None:
        sent_query = sent_query.where(verifications.c.account_id == account_id)
        used_query = used_query.where(otp_conversions.c.account_id == account_id)
    sent_query = sent_query.group_by(verifications.c.app_id, verifications.c.template_id, verifications.c.country)
    used_query = used_query.group_by(otp_conversions.c.app_id, otp_conversions.c.template_id, otp_conversions.c.country)
    table: dict[tuple[Any, ...], dict[str, Any]] = {}
    for column, query in (("sent", sent_query), ("converted", used_query)):
        for row in await conn.execute(query):
            key = tuple(row._mapping[k] for k in keys)
            entry = table.setdefault(key, {**dict(zip(keys, key, strict=True)), "sent": 0, "converted": 0})
            entry[column] = int(row.n)
    ids = sorted({e["template_id"] for e in table.values() if e["template_id"] is not None})
    names: dict[int, str | None] = {}
    if ids:
        query = sa.select(otp_templates.c.id, otp_templates.c.name).where(otp_templates.c.id.in_(ids))
        names = {int(r.id): r.name for r in await conn.execute(query)}
    for entry in table.values():
        entry["template_name"] = names.get(entry["template_id"]) if entry["template_id"] is not None else None
    return sorted(table.values(), key=lambda e: (e["app_id"], e["template_id"] or 0, e["country"] or ""))


async def backfill_rates(
    conn: AsyncConnection, *, account_id: int | None, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    query = (
        sa.select(otp_backfill_rates)
        .where(otp_backfill_rates.c.created_at >= since, otp_backfill_rates.c.created_at < until)
        .order_by(otp_backfill_rates.c.id.desc())
        .limit(500)
    )
    if account_id is not None:
        query = query.where(otp_backfill_rates.c.account_id == account_id)
    return [dict(r._mapping) for r in await conn.execute(query)]
