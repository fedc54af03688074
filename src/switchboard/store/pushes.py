"""Repository for push jobs and their attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.tables import push_attempts, pushes
from switchboard.store.types import UtcDateTime

PENDING = "pending"
DELIVERED = "delivered"
ABANDONED = "abandoned"


async def enqueue(
    conn: AsyncConnection, *, account_id: int, app_id: str, kind: str, ref: str, url: str, body: str, now: datetime
) -> None:
    await conn.execute(
        pushes.insert().values(
            account_id=account_id,
            app_id=app_id,
            kind=kind,
            ref=ref,
            url=url,
            body=body,
            status=PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )


async def claim_due(conn: AsyncConnection, *, now: datetime, lease: timedelta, limit: int) -> list[dict[str, Any]]:
    due = (
        sa.select(pushes.c.id)
        .where(
            pushes.c.status == PENDING,
            pushes.c.next_attempt_at <= now,
            sa.or_(pushes.c.lease_until.is_(None), pushes.c.lease_until < now),
        )
        .order_by(pushes.c.next_attempt_at, pushes.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await conn.execute(
        pushes.update()
        .where(pushes.c.id.in_(due))
        .values(lease_until=now + lease, attempts=pushes.c.attempts + 1)
        .returning(*pushes.c)
    )
    return [dict(r._mapping) for r in result]


@dataclass(frozen=True)
class Attempt:
    push_id: int
    http_status: int | None
    error: str | None
    duration_ms: int
    status: str  # the push's status after this attempt
    next_attempt_at: datetime | None  # when it is tried again (pending only)


async def record_attempts(conn: AsyncConnection, attempts: Sequence[Attempt], now: datetime) -> None:
    """Record many attempts: one insert of attempt rows, one update for the delivered pushes and one
    (executemany) for the others."""
    if not attempts:
        return
    await conn.execute(
        push_attempts.insert(),
        [
            {
                "push_id": a.push_id,
                "at": now,
                "http_status": a.http_status,
                "error": (a.error or None) and a.error[:300],
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
    )
    delivered = [a.push_id for a in attempts if a.status == DELIVERED]
    if delivered:
        await conn.execute(
            pushes.update()
            .where(pushes.c.id.in_(delivered))
            .values(status=DELIVERED, lease_until=None, last_error=None, delivered_at=now)
        )
    others = [a for a in attempts if a.status != DELIVERED]
    if others:
        await conn.execute(
            pushes.update()
            .where(pushes.c.id == sa.bindparam("push_id"))
            .values(
                status=sa.bindparam("new_status"),
                lease_until=None,
                last_error=sa.bindparam("error"),
                next_attempt_at=sa.func.coalesce(
                    sa.bindparam("next_at", type_=UtcDateTime()), pushes.c.next_attempt_at
                ),
            ),
            [
                {
                    "push_id": a.push_id,
                    "new_status": a.status,
                    "error": (a.error or None) and a.error[:300],
                    "next_at": a.next_attempt_at,
                }
                for a in others
            ],
        )


async def list_pushes(
    conn: AsyncConnection, *, failed_only: bool = False, ref: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = sa.select(pushes).order_by(pushes.c.id.desc()).limit(limit)
    if failed_only:
        query = query.where(
            sa.or_(pushes.c.status == ABANDONED, sa.and_(pushes.c.status == PENDING, pushes.c.attempts > 0))
        )
    if ref:
        query = query.where(pushes.c.ref == ref)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def attempts_of(conn: AsyncConnection, push_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(push_attempts).where(push_attempts.c.push_id == push_id).order_by(push_attempts.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def retry(conn: AsyncConnection, push_ids: list[int] | None, now: datetime) -> int:
    """Make failed or abandoned pushes due now (all failed ones when ``push_ids`` is None)."""
    query = pushes.update().where(pushes.c.status != DELIVERED)
    if push_ids is not None:
        query = query.where(pushes.c.id.in_(push_ids))
    else:
        query = query.where(sa.or_(pushes.c.status == ABANDONED, pushes.c.attempts > 0))
    result = await conn.execute(query.values(status=PENDING, next_attempt_at=now, lease_until=None))
    return int(result.rowcount)


async def enqueue_many(conn: AsyncConnection, rows: list[dict[str, Any]], now: datetime) -> None:
    """Each row: account_id, app_id, kind, ref, url, body."""
    if rows:
        await conn.execute(
            pushes.insert(),
            [{**row, "status": PENDING, "next_attempt_at": now, "created_at": now} for row in rows],
        )
