"""Repository for the recordings of bridged calls (``voice_recordings``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.recording_tables import voice_recordings


async def insert_recording(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(voice_recordings.insert().values(**values))


async def get_recording(conn: AsyncConnection, file_id: str, account_id: int) -> dict[str, Any] | None:
    """The account's recording (None when unknown, another account's, or deleted)."""
    row = (
        await conn.execute(
            sa.select(voice_recordings).where(
                voice_recordings.c.file_id == file_id,
                voice_recordings.c.account_id == account_id,
                voice_recordings.c.deleted.is_(False),
            )
        )
    ).first()
    return dict(row._mapping) if row else None


async def mark_deleted(conn: AsyncConnection, file_ids: Sequence[str], account_id: int | None, now: datetime) -> int:
    query = voice_recordings.update().where(
        voice_recordings.c.file_id.in_(list(file_ids)), voice_recordings.c.deleted.is_(False)
    )
    if account_id is not None:
        query = query.where(voice_recordings.c.account_id == account_id)
    return int((await conn.execute(query.values(deleted=True, deleted_at=now))).rowcount)


async def older_than(conn: AsyncConnection, before: datetime, limit: int) -> list[str]:
    rows = await conn.execute(
        sa.select(voice_recordings.c.file_id)
        .where(voice_recordings.c.deleted.is_(False), voice_recordings.c.created_at < before)
        .order_by(voice_recordings.c.id)
        .limit(limit)
    )
    return [str(r[0]) for r in rows]
