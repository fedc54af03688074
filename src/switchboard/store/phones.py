"""Repository for SIP phones (``voice_phones``) and their registrations (``voice_registrations``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.phone_tables import voice_phones, voice_registrations


@dataclass(frozen=True)
class Phone:
    id: int
    account: str
    account_id: int
    app_id: str
    group_name: str
    phone_name: str
    display_num: str | None
    password_enc: str
    created_at: datetime
    password_at: datetime


@dataclass(frozen=True)
class Registration:
    phone_id: int
    contact: str
    source: str
    transport: str
    user_agent: str | None
    call_id: str
    cseq: int
    registered_at: datetime
    expires_at: datetime


def _phone(row: Any) -> Phone:
    m = row._mapping
    return Phone(**{f: m[voice_phones.c[f]] for f in Phone.__dataclass_fields__})


def _registration(row: Any) -> Registration:
    m = row._mapping
    return Registration(**{f: m[voice_registrations.c[f]] for f in Registration.__dataclass_fields__})


async def names_taken(conn: AsyncConnection, app_id: str, group_name: str, phone_name: str) -> bool:
    query = sa.select(voice_phones.c.id).where(
        voice_phones.c.app_id == app_id,
        sa.or_(voice_phones.c.group_name == group_name, voice_phones.c.phone_name == phone_name),
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def count_phones(conn: AsyncConnection, app_id: str) -> int:
    query = sa.select(sa.func.count()).select_from(voice_phones).where(voice_phones.c.app_id == app_id)
    return int((await conn.execute(query)).scalar_one())


async def accounts_taken(conn: AsyncConnection, accounts: list[str]) -> set[str]:
    rows = await conn.execute(sa.select(voice_phones.c.account).where(voice_phones.c.account.in_(accounts)))
    return {str(r[0]) for r in rows}


async def insert_phones(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    await conn.execute(voice_phones.insert(), rows)


async def page_phones(conn: AsyncConnection, app_id: str, *, offset: int, limit: int) -> tuple[int, list[Phone]]:
    total = await count_phones(conn, app_id)
    rows = await conn.execute(
        sa.select(voice_phones)
        .where(voice_phones.c.app_id == app_id)
        .order_by(voice_phones.c.id)
        .offset(offset)
        .limit(limit)
    )
    return total, [_phone(r) for r in rows]


async def get_phone(conn: AsyncConnection, account: str, *, app_id: str | None = None) -> Phone | None:
    query = sa.select(voice_phones).where(voice_phones.c.account == account)
    if app_id is not None:
        query = query.where(voice_phones.c.app_id == app_id)
    row = (await conn.execute(query)).first()
    return _phone(row) if row else None


async def set_password(conn: AsyncConnection, phone_id: int, password_enc: str, now: datetime) -> None:
    await conn.execute(
        voice_phones.update().where(voice_phones.c.id == phone_id).values(password_enc=password_enc, password_at=now)
    )


async def list_phones(conn: AsyncConnection, *, app_id: str | None = None, limit: int = 500) -> list[Phone]:
    query = sa.select(voice_phones).order_by(voice_phones.c.id).limit(limit)
    if app_id is not None:
        query = query.where(voice_phones.c.app_id == app_id)
    return [_phone(r) for r in await conn.execute(query)]


# ---- registrations -------------------------------------------------------------------------------------


async def registrations(conn: AsyncConnection, phone_ids: list[int], *, now: datetime) -> list[Registration]:
    """Unexpired registrations of these phones, newest first."""
    if not phone_ids:
        return []
    rows = await conn.execute(
        sa.select(voice_registrations)
        .where(voice_registrations.c.phone_id.in_(phone_ids), voice_registrations.c.expires_at > now)
        .order_by(voice_registrations.c.registered_at.desc(), voice_registrations.c.id.desc())
    )
    return [_registration(r) for r in rows]


async def live_registrations(conn: AsyncConnection, *, now: datetime, transport: str, limit: int) -> list[Registration]:
    rows = await conn.execute(
        sa.select(voice_registrations)
        .where(voice_registrations.c.transport == transport, voice_registrations.c.expires_at > now)
        .order_by(voice_registrations.c.id)
        .limit(limit)
    )
    return [_registration(r) for r in rows]


async def upsert_registration(conn: AsyncConnection, **values: Any) -> None:
    """Add or refresh one contact of a phone (same phone and contact: the row is updated)."""
    where = (voice_registrations.c.phone_id == values["phone_id"], voice_registrations.c.contact == values["contact"])
    result = await conn.execute(voice_registrations.update().where(*where).values(**values))
    if result.rowcount == 0:
        await conn.execute(voice_registrations.insert().values(**values))


async def remove_registration(conn: AsyncConnection, phone_id: int, contact: str | None = None) -> int:
    """Remove one contact (``Expires: 0``) or all of a phone's (``Contact: *``); answers how many."""
    query = voice_registrations.delete().where(voice_registrations.c.phone_id == phone_id)
    if contact is not None:
        query = query.where(voice_registrations.c.contact == contact)
    return int((await conn.execute(query)).rowcount)


async def purge_expired(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(voice_registrations.delete().where(voice_registrations.c.expires_at <= now))
    return int(result.rowcount)
