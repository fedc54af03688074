"""Retention: reports, messages, inbound messages, OTP conversion reports and call recordings older than
``retention_days`` are pruned.

In batches of ``PRUNE_BATCH`` rows, each in a short transaction of its own: one statement deleting a day's worth
of rows would hold the SQLite writer (which runs on the event loop) or PostgreSQL's locks for seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.services.context import Services
from switchboard.services.recordings import Recordings
from switchboard.store.messages import FINAL_STATES
from switchboard.store.otp_tables import otp_backfill_rates, otp_conversions
from switchboard.store.tables import inbound_messages, message_parts, messages, push_attempts, pushes

PRUNE_BATCH = 2000

Deleter = Callable[[AsyncConnection, list[int]], Awaitable[int]]


async def prune(services: Services, *, batch: int = PRUNE_BATCH) -> dict[str, int]:
    before = services.clock.now() - timedelta(days=services.settings.retention_days)

    async def drop_messages(conn: AsyncConnection, ids: list[int]) -> int:
        await conn.execute(message_parts.delete().where(message_parts.c.message_id.in_(ids)))
        return int((await conn.execute(messages.delete().where(messages.c.id.in_(ids)))).rowcount)

    async def drop_pushes(conn: AsyncConnection, ids: list[int]) -> int:
        await conn.execute(push_attempts.delete().where(push_attempts.c.push_id.in_(ids)))
        return int((await conn.execute(pushes.delete().where(pushes.c.id.in_(ids)))).rowcount)

    async def drop_inbound(conn: AsyncConnection, ids: list[int]) -> int:
        return int((await conn.execute(inbound_messages.delete().where(inbound_messages.c.id.in_(ids)))).rowcount)

    old_messages = sa.select(messages.c.id).where(messages.c.status.in_(FINAL_STATES), messages.c.created_at < before)
    old_pushes = sa.select(pushes.c.id).where(pushes.c.created_at < before, pushes.c.status != "pending")
    old_inbound = sa.select(inbound_messages.c.id).where(inbound_messages.c.received_at < before)
    return {
        "messages": await _in_batches(services, old_messages, drop_messages, batch),
        "pushes": await _in_batches(services, old_pushes, drop_pushes, batch),
        "inbound": await _in_batches(services, old_inbound, drop_inbound, batch),
        "conversions": await _prune_conversions(services, before, batch),
        "recordings": await Recordings(services).prune(before),
    }


async def _prune_conversions(services: Services, before: datetime, batch: int) -> int:
    removed = 0
    for table in (otp_conversions, otp_backfill_rates):

        async def drop(conn: AsyncConnection, ids: list[int], table: sa.Table = table) -> int:
            return int((await conn.execute(table.delete().where(table.c.id.in_(ids)))).rowcount)

        old = sa.select(table.c.id).where(table.c.created_at < before)
        removed += await _in_batches(services, old, drop, batch)
    return removed


async def _in_batches(services: Services, ids: sa.Select[int], drop: Deleter, batch: int) -> int:
    removed = 0
    while True:
        async with services.db.write() as conn:
            chunk = [int(i) for i in (await conn.execute(ids.limit(batch))).scalars()]
            if chunk:
                removed += await drop(conn, chunk)
        if len(chunk) < batch:
            return removed
        await asyncio.sleep(0)  # let the loop serve others between batches
