"""Repository for SMPP server accounts and the receipts owed to their binds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.smpp_tables import smpp_accounts, smpp_receipts
from switchboard.store.tables import inbound_messages, messages

WAITING = "waiting"
SENT = "sent"
EXPIRED = "expired"
SKIPPED = "skipped"
RECEIPT = "receipt"
MO = "mo"
FINAL = ("delivered", "failed", "expired", "cancelled")


@dataclass(frozen=True)
class SmppAccount:
    id: int
    system_id: str
    password_hash: str
    app_id: str
    allowed_ips: list[str]
    max_binds: int
    throughput: int
    enabled: bool
    created_at: datetime


def _account(row: sa.Row[Any]) -> SmppAccount:
    m = row._mapping
    return SmppAccount(**{f: m[smpp_accounts.c[f]] for f in SmppAccount.__dataclass_fields__})


async def insert_account(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(smpp_accounts.insert().values(**values))


async def get_account(conn: AsyncConnection, system_id: str) -> SmppAccount | None:
    row = (await conn.execute(sa.select(smpp_accounts).where(smpp_accounts.c.system_id == system_id))).first()
    return _account(row) if row else None


async def list_accounts(conn: AsyncConnection) -> list[SmppAccount]:
    rows = await conn.execute(sa.select(smpp_accounts).order_by(smpp_accounts.c.id))
    return [_account(r) for r in rows]


async def update_account(conn: AsyncConnection, system_id: str, **values: Any) -> bool:
    result = await conn.execute(smpp_accounts.update().where(smpp_accounts.c.system_id == system_id).values(**values))
    return bool(result.rowcount)


async def delete_account(conn: AsyncConnection, system_id: str) -> bool:
    result = await conn.execute(smpp_accounts.delete().where(smpp_accounts.c.system_id == system_id))
    return bool(result.rowcount)


async def owe_receipts(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(smpp_receipts.insert(), rows)


async def due_receipts(conn: AsyncConnection, system_ids: list[str], limit: int, now: datetime) -> list[dict[str, Any]]:
    """Owed receipts of these accounts whose message is final, oldest first, with the message's fields."""
    query = (
        sa.select(
            smpp_receipts,
            messages.c.status.label("message_status"),
            messages.c.content,
            messages.c.error_code,
            messages.c.final_at,
        )
        .join(messages, messages.c.msg_id == smpp_receipts.c.msg_id)
        .where(
            smpp_receipts.c.system_id.in_(system_ids),
            smpp_receipts.c.kind == RECEIPT,
            smpp_receipts.c.status == WAITING,
            sa.or_(smpp_receipts.c.lease_until.is_(None), smpp_receipts.c.lease_until < now),
            messages.c.status.in_(FINAL),
        )
        .order_by(smpp_receipts.c.created_at, smpp_receipts.c.msg_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in await conn.execute(query)]


async def mark(conn: AsyncConnection, msg_ids: list[str], status: str, now: datetime) -> None:
    if msg_ids:
        await conn.execute(
            smpp_receipts.update()
            .where(smpp_receipts.c.msg_id.in_(msg_ids), smpp_receipts.c.status == WAITING)
            .values(status=status, sent_at=now)
        )


async def claim(conn: AsyncConnection, msg_ids: list[str], now: datetime, lease: timedelta) -> set[str]:
    """Lease these waiting rows to the calling process; the ones it got (another process may hold some)."""
    if not msg_ids:
        return set()
    result = await conn.execute(
        smpp_receipts.update()
        .where(
            smpp_receipts.c.msg_id.in_(msg_ids),
            smpp_receipts.c.status == WAITING,
            sa.or_(smpp_receipts.c.lease_until.is_(None), smpp_receipts.c.lease_until < now),
        )
        .values(lease_until=now + lease)
        .returning(smpp_receipts.c.msg_id)
    )
    return {r.msg_id for r in result}


async def release(conn: AsyncConnection, msg_id: str) -> None:
    await conn.execute(smpp_receipts.update().where(smpp_receipts.c.msg_id == msg_id).values(lease_until=None))


async def expire(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(
        smpp_receipts.update()
        .where(smpp_receipts.c.status == WAITING, smpp_receipts.c.expires_at < now)
        .values(status=EXPIRED, sent_at=now)
    )
    return int(result.rowcount or 0)


async def receipt_counts(conn: AsyncConnection, system_id: str) -> dict[str, int]:
    rows = await conn.execute(
        sa.select(smpp_receipts.c.status, sa.func.count())
        .where(smpp_receipts.c.system_id == system_id)
        .group_by(smpp_receipts.c.status)
    )
    return {status: int(n) for status, n in rows}


async def enrol_inbound(conn: AsyncConnection, account: SmppAccount, since: datetime, expiry: timedelta) -> int:
    """Owe the account's receivers every inbound SMS of its app received since ``since`` not owed yet."""
    owed = sa.select(smpp_receipts.c.msg_id).where(smpp_receipts.c.msg_id == inbound_messages.c.msg_id)
    fresh = await conn.execute(
        sa.select(inbound_messages.c.msg_id, inbound_messages.c.source, inbound_messages.c.destination,
                  inbound_messages.c.received_at)
        .where(
            inbound_messages.c.app_id == account.app_id,
            inbound_messages.c.received_at >= max(since, account.created_at),
            ~owed.exists(),
        )
        .limit(1000)
    )  # fmt: skip
    rows = [
        {
            "msg_id": r.msg_id,
            "system_id": account.system_id,
            "kind": MO,
            "registered_delivery": 0,
            "source": r.source[:32],
            "destination": r.destination[:32],
            "status": WAITING,
            "created_at": r.received_at,
            "expires_at": r.received_at + expiry,
        }
        for r in fresh
    ]
    await owe_receipts(conn, rows)
    return len(rows)


async def due_inbound(conn: AsyncConnection, system_ids: list[str], limit: int, now: datetime) -> list[dict[str, Any]]:
    """Owed inbound SMS of these accounts, oldest first, with their text."""
    query = (
        sa.select(smpp_receipts, inbound_messages.c.content)
        .join(inbound_messages, inbound_messages.c.msg_id == smpp_receipts.c.msg_id)
        .where(
            smpp_receipts.c.system_id.in_(system_ids),
            smpp_receipts.c.kind == MO,
            smpp_receipts.c.status == WAITING,
            sa.or_(smpp_receipts.c.lease_until.is_(None), smpp_receipts.c.lease_until < now),
        )
        .order_by(smpp_receipts.c.created_at, smpp_receipts.c.msg_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in await conn.execute(query)]
