"""Repository for voice: trunks, voice routes (the ``routes`` table with product ``voice``), audio files, calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.domain.routing import Route
from switchboard.store.campaign_tables import voice_campaigns
from switchboard.store.tables import routes
from switchboard.store.voice_tables import voice_calls, voice_files, voice_trunks

QUEUED = "queued"
CALLING = "calling"
DONE = "done"
VOICE = "voice"


@dataclass(frozen=True)
class Trunk:
    id: int
    name: str
    type: str  # sip | simulated
    host: str
    port: int
    transport: str
    username: str | None
    password_enc: str | None
    caller_id: str | None
    cps: int
    max_concurrent: int
    config: dict[str, Any]
    enabled: bool


def _trunk(row: Any) -> Trunk:
    m = row._mapping
    return Trunk(**{f: m[voice_trunks.c[f]] for f in Trunk.__dataclass_fields__})


# ---- trunks and routes ---------------------------------------------------------------------------------


async def insert_trunk(conn: AsyncConnection, *, now: datetime, **values: Any) -> None:
    await conn.execute(voice_trunks.insert().values(created_at=now, **values))


async def list_trunks(conn: AsyncConnection) -> list[Trunk]:
    return [_trunk(r) for r in await conn.execute(sa.select(voice_trunks).order_by(voice_trunks.c.id))]


async def get_trunk(conn: AsyncConnection, name: str) -> Trunk | None:
    row = (await conn.execute(sa.select(voice_trunks).where(voice_trunks.c.name == name))).first()
    return _trunk(row) if row else None


async def set_trunk_enabled(conn: AsyncConnection, name: str, enabled: bool) -> bool:
    result = await conn.execute(voice_trunks.update().where(voice_trunks.c.name == name).values(enabled=enabled))
    return result.rowcount == 1


async def list_routes(conn: AsyncConnection) -> list[Route]:
    rows = await conn.execute(
        sa.select(routes)
        .where(routes.c.product == VOICE, routes.c.enabled.is_(True))
        .order_by(routes.c.position, routes.c.id)
    )
    return [Route(r.id, r.position, list(r.carriers), r.country, r.prefix, r.account_id, None) for r in rows]


async def delete_route(conn: AsyncConnection, route_id: int) -> bool:
    result = await conn.execute(routes.delete().where(routes.c.id == route_id, routes.c.product == VOICE))
    return result.rowcount == 1


# ---- audio files ---------------------------------------------------------------------------------------


async def insert_file(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(voice_files.insert().values(**values))


async def get_file(conn: AsyncConnection, file_id: str, account_id: int) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            sa.select(voice_files).where(
                voice_files.c.file_id == file_id,
                voice_files.c.account_id == account_id,
                voice_files.c.deleted.is_(False),
            )
        )
    ).first()
    return dict(row._mapping) if row else None


async def name_taken(conn: AsyncConnection, account_id: int, name: str) -> bool:
    query = sa.select(voice_files.c.id).where(
        voice_files.c.account_id == account_id, voice_files.c.name == name, voice_files.c.deleted.is_(False)
    )
    return (await conn.execute(query)).first() is not None


async def count_files(conn: AsyncConnection, account_id: int) -> int:
    query = sa.select(sa.func.count()).where(voice_files.c.account_id == account_id, voice_files.c.deleted.is_(False))
    return int((await conn.execute(query)).scalar_one())


async def page_files(
    conn: AsyncConnection, account_id: int, *, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    where = (voice_files.c.account_id == account_id, voice_files.c.deleted.is_(False))
    total = int((await conn.execute(sa.select(sa.func.count()).where(*where))).scalar_one())
    rows = await conn.execute(
        sa.select(voice_files).where(*where).order_by(voice_files.c.id.desc()).offset(offset).limit(limit)
    )
    return total, [dict(r._mapping) for r in rows]


async def mark_deleted(conn: AsyncConnection, file_ids: Sequence[str], account_id: int, now: datetime) -> None:
    await conn.execute(
        voice_files.update()
        .where(voice_files.c.file_id.in_(list(file_ids)), voice_files.c.account_id == account_id)
        .values(deleted=True, deleted_at=now)
    )


async def unused_deleted_files(conn: AsyncConnection, limit: int = 100) -> list[str]:
    """Deleted files that no unfinished call, nor a group-call task that may still call, will play any more
    (their audio can be removed)."""
    pending = sa.select(voice_calls.c.id).where(
        voice_calls.c.audio == sa.literal("file:") + voice_files.c.file_id, voice_calls.c.status != DONE
    )
    tasks = sa.select(voice_campaigns.c.id).where(  # a group-call task that may still call: waiting, calling, suspended
        voice_campaigns.c.audio == sa.literal("file:") + voice_files.c.file_id, voice_campaigns.c.status.in_((0, 1, 5))
    )
    rows = await conn.execute(
        sa.select(voice_files.c.file_id)
        .where(voice_files.c.deleted.is_(True), ~sa.exists(pending), ~sa.exists(tasks))
        .limit(limit)
    )
    return [r[0] for r in rows]


async def purge_files(conn: AsyncConnection, file_ids: Sequence[str]) -> None:
    await conn.execute(voice_files.delete().where(voice_files.c.file_id.in_(list(file_ids))))


# ---- calls ---------------------------------------------------------------------------------------------


async def insert_calls(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    await conn.execute(voice_calls.insert(), rows)


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    per_account: int = 0,
    owner: str | None = None,
    types: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Lease up to ``limit`` queued, due calls and mark them calling (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
    held by ``owner`` (the worker process) and not dialled yet.

    With ``per_account`` > 0 an account never has more calls in progress than that (counted across every
    worker): its further calls stay queued until some end."""
    kinds = () if types is None else (voice_calls.c.type.in_(list(types)),)
    rows = await conn.execute(
        sa.select(voice_calls.c.id, voice_calls.c.account_id)
        .where(voice_calls.c.status == QUEUED, voice_calls.c.due_at <= now, *kinds)
        .order_by(voice_calls.c.due_at, voice_calls.c.id)
        .limit(limit * 4 if per_account else limit)
        .with_for_update(skip_locked=True)
    )
    candidates = [(int(r.id), int(r.account_id)) for r in rows]
    if per_account and candidates:
        busy = await conn.execute(
            sa.select(voice_calls.c.account_id, sa.func.count())
            .where(voice_calls.c.status == CALLING)
            .group_by(voice_calls.c.account_id)
        )
        room = {int(a): per_account - int(n) for a, n in busy}
        chosen: list[int] = []
        for call_id, account_id in candidates:
            if room.get(account_id, per_account) > 0 and len(chosen) < limit:
                room[account_id] = room.get(account_id, per_account) - 1
                chosen.append(call_id)
    else:
        chosen = [call_id for call_id, _ in candidates]
    if not chosen:
        return []
    result = await conn.execute(
        voice_calls.update()
        .where(voice_calls.c.id.in_(chosen), voice_calls.c.status == QUEUED)
        .values(
            status=CALLING,
            lease_until=now + lease,
            attempts=voice_calls.c.attempts + 1,
            claimed_by=owner,
            dialed_at=None,
        )
        .returning(*voice_calls.c)
    )
    return sorted((dict(r._mapping) for r in result), key=lambda r: int(r["id"]))


async def renew_leases(conn: AsyncConnection, ids: Sequence[int], until: datetime, owner: str | None = None) -> None:
    if ids:
        query = voice_calls.update().where(voice_calls.c.id.in_(list(ids)), voice_calls.c.status == CALLING)
        if owner is not None:
            query = query.where(voice_calls.c.claimed_by == owner)
        await conn.execute(query.values(lease_until=until))


async def mark_dialing(conn: AsyncConnection, call_id: int, owner: str | None, now: datetime) -> bool:
    """Record that ``owner`` is about to send this attempt's INVITE; False when the call is no longer its own
    (its lease ran out and another worker took it) or was dialled already: the caller must not dial."""
    holder = voice_calls.c.claimed_by.is_(None) if owner is None else voice_calls.c.claimed_by == owner
    result = await conn.execute(
        voice_calls.update()
        .where(voice_calls.c.id == call_id, voice_calls.c.status == CALLING, voice_calls.c.dialed_at.is_(None), holder)
        .values(dialed_at=now)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class Orphan:
    id: int
    dialed: bool


async def orphaned(
    conn: AsyncConnection, *, now: datetime, limit: int, node_prefix: str | None = None, other_than: str = ""
) -> list[Orphan]:
    """Calls left calling by a worker that stopped renewing its lease, or (``node_prefix``) held by an earlier
    process of this node (the node claim guarantees it is gone), whatever their lease."""
    held = voice_calls.c.status == CALLING
    if node_prefix is None:
        where = sa.and_(held, voice_calls.c.lease_until < now)
    else:
        where = sa.and_(held, voice_calls.c.claimed_by.startswith(node_prefix), voice_calls.c.claimed_by != other_than)
    rows = await conn.execute(
        sa.select(voice_calls.c.id, voice_calls.c.dialed_at).where(where).limit(limit).with_for_update(skip_locked=True)
    )
    return [Orphan(int(r[0]), r[1] is not None) for r in rows]


async def requeue_undialed(conn: AsyncConnection, ids: Sequence[int], now: datetime) -> int:
    """Put calls that were claimed but never dialled back in the queue (the attempt did not happen)."""
    if not ids:
        return 0
    result = await conn.execute(
        voice_calls.update()
        .where(voice_calls.c.id.in_(list(ids)), voice_calls.c.status == CALLING, voice_calls.c.dialed_at.is_(None))
        .values(
            status=QUEUED,
            due_at=now,
            lease_until=None,
            claimed_by=None,
            attempts=sa.case((voice_calls.c.attempts > 0, voice_calls.c.attempts - 1), else_=0),
        )
    )
    return int(result.rowcount)


async def end_attempt(conn: AsyncConnection, call_id: int, values: dict[str, Any]) -> dict[str, Any] | None:
    """Record the end of an attempt of a calling call once; returns the updated row, None if it was not calling."""
    result = await conn.execute(
        voice_calls.update()
        .where(voice_calls.c.id == call_id, voice_calls.c.status == CALLING)
        .values(lease_until=None, claimed_by=None, **values)
        .returning(*voice_calls.c)
    )
    row = result.first()
    return dict(row._mapping) if row else None


async def get_call(
    conn: AsyncConnection,
    voice_id: str,
    *,
    account_id: int | None = None,
    types: Sequence[int] | None = None,
    app_ids: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    query = sa.select(voice_calls).where(voice_calls.c.voice_id == voice_id)
    if app_ids is not None:
        query = query.where(voice_calls.c.app_id.in_(list(app_ids)))
    if account_id is not None:
        query = query.where(voice_calls.c.account_id == account_id)
    if types is not None:
        query = query.where(voice_calls.c.type.in_(list(types)))
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def page_calls(
    conn: AsyncConnection,
    *,
    account_id: int,
    types: Sequence[int],
    start: datetime,
    end: datetime,
    offset: int,
    limit: int,
    app_ids: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """A page of the account's calls; ``names`` filters sendSip calls by ``sipGroupName`` / ``phoneName``."""
    columns = {"sipGroupName": voice_calls.c.sip_group_name, "phoneName": voice_calls.c.phone_name}
    where = (
        *(columns[k] == v for k, v in (names or {}).items()),
        voice_calls.c.account_id == account_id,
        voice_calls.c.type.in_(list(types)),
        voice_calls.c.created_at >= start,
        voice_calls.c.created_at <= end,
        *(() if app_ids is None else (voice_calls.c.app_id.in_(list(app_ids)),)),
    )
    total = int((await conn.execute(sa.select(sa.func.count()).select_from(voice_calls).where(*where))).scalar_one())
    rows = await conn.execute(
        sa.select(voice_calls).where(*where).order_by(voice_calls.c.id).offset(offset).limit(limit)
    )
    return total, [dict(r._mapping) for r in rows]


async def recent_calls(conn: AsyncConnection, *, limit: int, status: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(voice_calls).order_by(voice_calls.c.id.desc()).limit(limit)
    if status:
        query = query.where(voice_calls.c.status == status)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def count_long_texts(conn: AsyncConnection, *, account_id: int, since: datetime, threshold: int) -> int:
    query = sa.select(sa.func.count()).where(
        voice_calls.c.account_id == account_id,
        voice_calls.c.type == 2,
        voice_calls.c.created_at >= since,
        sa.func.length(voice_calls.c.text) > threshold,
    )
    return int((await conn.execute(query)).scalar_one())


async def queue_depth(conn: AsyncConnection) -> dict[str, int]:
    rows = await conn.execute(
        sa.select(voice_calls.c.status, sa.func.count())
        .where(voice_calls.c.status != DONE)
        .group_by(voice_calls.c.status)
    )
    return {r[0]: int(r[1]) for r in rows}


async def latest_voice_id(conn: AsyncConnection) -> str | None:
    """The newest voiceId (voiceIds share the msgId sequence: a restart must continue after both)."""
    row = (await conn.execute(sa.select(voice_calls.c.voice_id).order_by(voice_calls.c.id.desc()).limit(1))).first()
    return str(row[0]) if row else None
