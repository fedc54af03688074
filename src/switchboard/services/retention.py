"""Retention: reports, messages and inbound messages older than ``retention_days`` are pruned."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.store import inbound
from switchboard.store.messages import FINAL_STATES
from switchboard.store.tables import message_parts, messages, push_attempts, pushes


async def prune(services: Services) -> dict[str, int]:
    before = services.clock.now() - timedelta(days=services.settings.retention_days)
    async with services.db.write() as conn:
        old = sa.select(messages.c.id).where(messages.c.status.in_(FINAL_STATES), messages.c.created_at < before)
        parts = await conn.execute(message_parts.delete().where(message_parts.c.message_id.in_(old)))
        removed = await conn.execute(
            messages.delete().where(messages.c.status.in_(FINAL_STATES), messages.c.created_at < before)
        )
        old_pushes = sa.select(pushes.c.id).where(pushes.c.created_at < before, pushes.c.status != "pending")
        await conn.execute(push_attempts.delete().where(push_attempts.c.push_id.in_(old_pushes)))
        await conn.execute(pushes.delete().where(pushes.c.created_at < before, pushes.c.status != "pending"))
        mo = await inbound.prune(conn, before)
    return {"messages": int(removed.rowcount), "parts": int(parts.rowcount), "inbound": mo}
