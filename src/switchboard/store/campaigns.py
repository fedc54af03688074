"""Repository for group-call tasks (``voice_campaigns``) and their numbers (``voice_campaign_numbers``).

A number moves ``pending -> queued`` when the runner creates its call row in ``voice_calls`` (same
transaction, the number's reservation moved from the task's pool onto the call), and ``queued -> done`` once
that call is final (same transaction as the task's counters). Every move is a conditional update, so two
runners (or a runner restarted half-way) never move a number twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.domain.voice.campaigns import Target
from switchboard.store.bulk import insert_rows
from switchboard.store.campaign_tables import voice_campaign_numbers as numbers
from switchboard.store.campaign_tables import voice_campaigns as campaigns
from switchboard.store.voice_tables import voice_calls

PENDING, QUEUED, DONE, INVALID = "pending", "queued", "done", "invalid"
SUCCESS, FAIL = "success", "fail"
SMS_DUE, SMS_SENT = "due", "sent"
COUNTERS = (
    "called",
    "success",
    "fail",
    "rang",
    "key_feedback",
    "call_duration",
    "charge_len",
    "cost",
    "sms_sent",
)


class NameTaken(Exception):
    """The account has a task of that name (the unique index refused a concurrent twin)."""


async def insert_campaign(conn: AsyncConnection, values: dict[str, Any]) -> int:
    try:
        result = await conn.execute(campaigns.insert().values(**values).returning(campaigns.c.id))
    except IntegrityError as exc:
        raise NameTaken from exc
    return int(result.scalar_one())


async def insert_numbers(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(conn, numbers, rows)


async def name_taken(conn: AsyncConnection, account_id: int, name: str, *, other_than: int | None = None) -> bool:
    query = sa.select(campaigns.c.id).where(campaigns.c.account_id == account_id, campaigns.c.task_name == name)
    if other_than is not None:
        query = query.where(campaigns.c.id != other_than)
    return (await conn.execute(query.limit(1))).first() is not None


async def count_open_tasks(conn: AsyncConnection, account_id: int, states: Sequence[int]) -> int:
    query = sa.select(sa.func.count()).where(campaigns.c.account_id == account_id, campaigns.c.status.in_(list(states)))
    return int((await conn.execute(query)).scalar_one())


async def get_campaign(
    conn: AsyncConnection, campaign_id: int, *, account_id: int | None = None, for_update: bool = False
) -> dict[str, Any] | None:
    query = sa.select(campaigns).where(campaigns.c.id == campaign_id)
    if account_id is not None:
        query = query.where(campaigns.c.account_id == account_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def page_campaigns(
    conn: AsyncConnection,
    *,
    account_id: int,
    start: datetime,
    end: datetime,
    statuses: Sequence[int] | None,
    app_id: str | None,
    search: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[dict[str, Any]]]:
    where = [campaigns.c.account_id == account_id, campaigns.c.created_at >= start, campaigns.c.created_at <= end]
    if statuses:
        where.append(campaigns.c.status.in_(list(statuses)))
    if app_id:
        where.append(campaigns.c.app_id == app_id)
    if search:
        like = f"%{search}%"
        where.append(
            sa.or_(
                campaigns.c.task_name.like(like),
                campaigns.c.upload_name.like(like),
                campaigns.c.voice_file_id.like(like),
                campaigns.c.text.like(like),
            )
        )
    total = int((await conn.execute(sa.select(sa.func.count()).select_from(campaigns).where(*where))).scalar_one())
    rows = await conn.execute(
        sa.select(campaigns).where(*where).order_by(campaigns.c.id.desc()).offset(offset).limit(limit)
    )
    return total, [dict(r._mapping) for r in rows]


async def recent_campaigns(conn: AsyncConnection, *, limit: int, account_id: int | None = None) -> list[dict[str, Any]]:
    query = sa.select(campaigns).order_by(campaigns.c.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(campaigns.c.account_id == account_id)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def live_campaigns(conn: AsyncConnection, states: Sequence[int], limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(campaigns).where(campaigns.c.status.in_(list(states))).order_by(campaigns.c.id).limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def set_status(
    conn: AsyncConnection, campaign_id: int, *, when: Sequence[int], status: int, now: datetime, **values: Any
) -> bool:
    """Move a task to ``status`` if it is in one of ``when`` (False: it was not)."""
    result = await conn.execute(
        campaigns.update()
        .where(campaigns.c.id == campaign_id, campaigns.c.status.in_(list(when)))
        .values(status=status, updated_at=now, **values)
    )
    return result.rowcount == 1


async def update_campaign(conn: AsyncConnection, campaign_id: int, **values: Any) -> None:
    try:
        await conn.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(**values))
    except IntegrityError as exc:
        raise NameTaken from exc


async def take_from_pool(conn: AsyncConnection, campaign_id: int, amount: int, gift: int) -> bool:
    """Move ``amount`` (``gift`` of it from the gift part) out of the task's pool; False if it is not there."""
    result = await conn.execute(
        campaigns.update()
        .where(campaigns.c.id == campaign_id, campaigns.c.pool >= amount, campaigns.c.pool_gift >= gift)
        .values(pool=campaigns.c.pool - amount, pool_gift=campaigns.c.pool_gift - gift)
    )
    return result.rowcount == 1


async def add_to_pool(conn: AsyncConnection, campaign_id: int, amount: int, gift: int, *, debited: int = 0) -> None:
    await conn.execute(
        campaigns.update()
        .where(campaigns.c.id == campaign_id)
        .values(
            pool=campaigns.c.pool + amount,
            pool_gift=campaigns.c.pool_gift + gift,
            reserved=campaigns.c.reserved + debited,
        )
    )


async def empty_pool(conn: AsyncConnection, campaign_id: int) -> tuple[int, int]:
    """Take everything left in the pool (to refund it); returns (amount, gift part)."""
    row = (
        await conn.execute(
            sa.select(campaigns.c.pool, campaigns.c.pool_gift).where(campaigns.c.id == campaign_id).with_for_update()
        )
    ).first()
    if row is None or not row.pool:
        return 0, 0
    await conn.execute(
        campaigns.update()
        .where(campaigns.c.id == campaign_id)
        .values(pool=0, pool_gift=0, reserved=campaigns.c.reserved - row.pool)
    )
    return int(row.pool), int(row.pool_gift)


# ---- numbers -------------------------------------------------------------------------------------------


async def claim_pending(conn: AsyncConnection, campaign_id: int, limit: int) -> list[dict[str, Any]]:
    """The next pending numbers of a task, locked (``SKIP LOCKED`` on PostgreSQL), in task order."""
    rows = await conn.execute(
        sa.select(numbers)
        .where(numbers.c.campaign_id == campaign_id, numbers.c.state == PENDING)
        .order_by(numbers.c.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [dict(r._mapping) for r in rows]


_SET_VOICE_ID = numbers.update().where(numbers.c.id == sa.bindparam("n_id")).values(voice_id=sa.bindparam("v_id"))


async def mark_queued(conn: AsyncConnection, pairs: Sequence[tuple[int, str]]) -> int:
    """pending -> queued with the call's voiceId; returns how many moved (the others were taken meanwhile:
    the caller rolls back)."""
    if not pairs:
        return 0
    moved = await conn.execute(
        numbers.update()
        .where(numbers.c.id.in_([n for n, _ in pairs]), numbers.c.state == PENDING)
        .values(state=QUEUED, calls=numbers.c.calls + 1)
        .returning(numbers.c.id)
    )
    count = len(moved.all())
    await conn.execute(_SET_VOICE_ID, [{"n_id": n, "v_id": v} for n, v in pairs])
    return count


async def count_waiting_calls(conn: AsyncConnection, campaign_id: int) -> int:
    """Calls of the task queued in ``voice_calls`` that no voice worker has claimed yet."""
    query = (
        sa.select(sa.func.count())
        .select_from(numbers.join(voice_calls, voice_calls.c.voice_id == numbers.c.voice_id))
        .where(numbers.c.campaign_id == campaign_id, numbers.c.state == QUEUED, voice_calls.c.status == "queued")
    )
    return int((await conn.execute(query)).scalar_one())


async def has_open_numbers(conn: AsyncConnection, campaign_id: int) -> bool:
    """Whether some number of the task is still pending or queued (one index probe per state)."""
    for state in (QUEUED, PENDING):
        query = sa.select(numbers.c.id).where(numbers.c.campaign_id == campaign_id, numbers.c.state == state).limit(1)
        if (await conn.execute(query)).first() is not None:
            return True
    return False


async def unqueue_waiting(conn: AsyncConnection, campaign_id: int) -> tuple[int, int, int]:
    """Take back the task's calls no voice worker has claimed (suspend, end of a window): their call rows are
    deleted, their numbers are pending again. Returns (numbers, reservation, gift part) to put back in the pool."""
    waiting = await conn.execute(
        sa.select(numbers.c.id, voice_calls.c.voice_id, voice_calls.c.reserved, voice_calls.c.paid_gift)
        .select_from(numbers.join(voice_calls, voice_calls.c.voice_id == numbers.c.voice_id))
        .where(numbers.c.campaign_id == campaign_id, numbers.c.state == QUEUED, voice_calls.c.status == "queued")
        .with_for_update(of=voice_calls, skip_locked=True)
    )
    found = [(int(r.id), str(r.voice_id), int(r.reserved), int(r.paid_gift)) for r in waiting]
    if not found:
        return 0, 0, 0
    deleted = await conn.execute(
        voice_calls.delete()
        .where(voice_calls.c.voice_id.in_([f[1] for f in found]), voice_calls.c.status == "queued")
        .returning(voice_calls.c.voice_id)
    )
    gone = {str(r[0]) for r in deleted}
    back = [f for f in found if f[1] in gone]
    if back:
        await conn.execute(
            numbers.update()
            .where(numbers.c.id.in_([f[0] for f in back]), numbers.c.state == QUEUED)
            .values(state=PENDING, voice_id=None, calls=numbers.c.calls - 1)
        )
    return len(back), sum(f[2] for f in back), sum(f[3] for f in back)


async def finished_calls(conn: AsyncConnection, limit: int, *, lock: bool = True) -> list[dict[str, Any]]:
    """Queued numbers whose call is final (any task), with the call's outcome, oldest first (locked, skipping
    those another runner holds, with ``lock``)."""
    query = (
        sa.select(
            numbers.c.id,
            numbers.c.campaign_id,
            numbers.c.voice_id,
            voice_calls.c.answer_at,
            voice_calls.c.ringing_at,
            voice_calls.c["keys"],
            voice_calls.c.call_duration,
            voice_calls.c.charged_duration,
            voice_calls.c.cost,
            voice_calls.c.termination_code,
        )
        .select_from(numbers.join(voice_calls, voice_calls.c.voice_id == numbers.c.voice_id))
        .where(numbers.c.state == QUEUED, voice_calls.c.status == "done")
        .order_by(numbers.c.id)
        .limit(limit)
    )
    rows = await conn.execute(query.with_for_update(of=numbers, skip_locked=True) if lock else query)
    return [dict(r._mapping) for r in rows]


async def finish_number(conn: AsyncConnection, number_id: int, values: dict[str, Any]) -> bool:
    result = await conn.execute(
        numbers.update().where(numbers.c.id == number_id, numbers.c.state == QUEUED).values(state=DONE, **values)
    )
    return result.rowcount == 1


async def add_counters(conn: AsyncConnection, campaign_id: int, now: datetime, **deltas: int) -> None:
    values: dict[str, Any] = {name: campaigns.c[name] + delta for name, delta in deltas.items() if delta}
    await conn.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(updated_at=now, **values))


async def sms_due(conn: AsyncConnection, limit: int) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(numbers).where(numbers.c.sms == SMS_DUE).order_by(numbers.c.id).limit(limit))
    return [dict(r._mapping) for r in rows]


async def set_sms(conn: AsyncConnection, number_id: int, state: str, msg_id: str | None = None) -> bool:
    """Record the hang-up SMS of a number once (False: it was recorded already)."""
    result = await conn.execute(
        numbers.update().where(numbers.c.id == number_id, numbers.c.sms == SMS_DUE).values(sms=state, sms_msg_id=msg_id)
    )
    return result.rowcount == 1


async def resend_targets(conn: AsyncConnection, campaign_id: int, *, failed_only: bool) -> list[Target]:
    """The numbers a resend calls again: every callable number of the task, or those whose call failed."""
    where = [numbers.c.campaign_id == campaign_id, numbers.c.state != INVALID]
    if failed_only:
        where += [numbers.c.state == DONE, numbers.c.result == FAIL]
    rows = await conn.execute(
        sa.select(numbers.c.callee, numbers.c.text1, numbers.c.text2, numbers.c.text3, numbers.c.text4, numbers.c.text5)
        .where(*where)
        .order_by(numbers.c.seq)
    )
    return [Target(r[0], (r[1], r[2], r[3], r[4], r[5])) for r in rows]


async def set_reservations(conn: AsyncConnection, campaign_id: int, by_price: dict[int, int]) -> None:
    """Re-price the reservation of the task's pending numbers (after maxCalls or the audio changed)."""
    for price, reserved in by_price.items():
        await conn.execute(
            numbers.update()
            .where(numbers.c.campaign_id == campaign_id, numbers.c.state == PENDING, numbers.c.price == price)
            .values(reserved=reserved)
        )


async def pending_prices(conn: AsyncConnection, campaign_id: int) -> list[tuple[int, int, int]]:
    """(price, count, reserved sum) of the task's pending numbers."""
    rows = await conn.execute(
        sa.select(numbers.c.price, sa.func.count(), sa.func.sum(numbers.c.reserved))
        .where(numbers.c.campaign_id == campaign_id, numbers.c.state == PENDING)
        .group_by(numbers.c.price)
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


async def page_numbers(
    conn: AsyncConnection, campaign_id: int, *, offset: int, limit: int, state: str | None = None
) -> list[dict[str, Any]]:
    query = sa.select(numbers).where(numbers.c.campaign_id == campaign_id)
    if state:
        query = query.where(numbers.c.state == state)
    rows = await conn.execute(query.order_by(numbers.c.seq).offset(offset).limit(limit))
    return [dict(r._mapping) for r in rows]


async def timeline(conn: AsyncConnection, campaign_id: int) -> list[tuple[datetime, str, str]]:
    """(finished_at, result, keys) of the task's final numbers, oldest first (the console's chart)."""
    rows = await conn.execute(
        sa.select(numbers.c.finished_at, numbers.c.result, numbers.c["keys"])
        .where(numbers.c.campaign_id == campaign_id, numbers.c.state == DONE)
        .order_by(numbers.c.finished_at)
    )
    return [(r[0], str(r[1]), str(r[2])) for r in rows]
