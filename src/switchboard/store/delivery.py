"""Repository for the way out: claiming due messages, recording submits, parts and receipts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.messages import FINAL_STATES, QUEUED, SUBMITTED
from switchboard.store.tables import early_receipts, message_parts, messages

_DUE = (
    sa.select(messages.c.id)
    .where(
        messages.c.status == QUEUED,
        messages.c.due_at <= sa.bindparam("now"),
        sa.or_(messages.c.lease_until.is_(None), messages.c.lease_until < sa.bindparam("now")),
    )
    .order_by(messages.c.due_at, messages.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
# built once (a statement's construction and cache key cost more CPU than running it)
_CLAIM_DUE = (
    messages.update()
    .where(messages.c.id.in_(_DUE))
    .values(lease_until=sa.bindparam("lease_end"), attempts=messages.c.attempts + 1)
    .returning(*messages.c)
)


async def claim_due(conn: AsyncConnection, *, now: datetime, lease: timedelta, limit: int) -> list[dict[str, Any]]:
    """Lease up to ``limit`` queued messages that are due and not leased by a live worker.

    PostgreSQL skips rows other workers have locked (``FOR UPDATE SKIP LOCKED``); SQLite's single writer
    makes the statement atomic on its own. A worker that dies leaves its lease to expire, and the message
    is claimed again.
    """
    result = await conn.execute(_CLAIM_DUE, {"now": now, "lease_end": now + lease, "limit": limit})
    return sorted((dict(r._mapping) for r in result), key=lambda r: int(r["id"]))


async def finish_message(
    conn: AsyncConnection, *, message_id: int, status: str, error: str | None, now: datetime
) -> dict[str, Any] | None:
    """Move a message to a final state once: returns the row when this call did it, None otherwise."""
    result = await conn.execute(
        messages.update()
        .where(messages.c.id == message_id, messages.c.status.notin_(FINAL_STATES))
        .values(status=status, error_code=(error or None) and error[:32], final_at=now, lease_until=None)
        .returning(*messages.c)
    )
    row = result.first()
    return dict(row._mapping) if row else None


async def save_early_receipt(
    conn: AsyncConnection, *, carrier: str, key: str, state: str, error: str, now: datetime
) -> None:
    await conn.execute(
        early_receipts.insert().values(
            carrier=carrier, carrier_key=key, state=state, error_code=error[:32] or None, received_at=now
        )
    )


async def count_early_receipts(conn: AsyncConnection, carrier: str) -> int:
    query = sa.select(sa.func.count()).select_from(early_receipts).where(early_receipts.c.carrier == carrier)
    return int((await conn.execute(query)).scalar_one())


async def take_early_receipts(conn: AsyncConnection, carrier: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Early receipts for these ids, removed from the holding table."""
    rows = [
        dict(r._mapping)
        for r in await conn.execute(
            sa.select(early_receipts).where(
                early_receipts.c.carrier == carrier, early_receipts.c.carrier_key.in_(list(keys))
            )
        )
    ]
    if rows:
        await conn.execute(early_receipts.delete().where(early_receipts.c.id.in_([r["id"] for r in rows])))
    return rows


async def stale(conn: AsyncConnection, *, status: str, before: datetime, column: str, limit: int) -> list[int]:
    """Ids of messages in ``status`` whose ``column`` time is older than ``before`` (for expiry sweeps)."""
    rows = await conn.execute(
        sa.select(messages.c.id).where(messages.c.status == status, messages.c[column] < before).limit(limit)
    )
    return [int(r[0]) for r in rows]


async def parts_for_keys_locked(conn: AsyncConnection, carrier: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Parts with these ids, locked for the transaction on PostgreSQL (so concurrent receipt batches of
    other processes wait instead of reading a state that is about to change)."""
    found: list[dict[str, Any]] = []
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        rows = await conn.execute(
            sa.select(message_parts)
            .where(message_parts.c.carrier == carrier, message_parts.c.carrier_key.in_(unique[start : start + 500]))
            .with_for_update()
        )
        found.extend(dict(r._mapping) for r in rows)
    return found


async def set_part_states(conn: AsyncConnection, updates: Sequence[dict[str, Any]]) -> None:
    """Each update: {"part_id", "state", "error", "now"}; only parts still submitted change."""
    if updates:
        await conn.execute(
            message_parts.update()
            .where(message_parts.c.id == sa.bindparam("part_id"), message_parts.c.state == SUBMITTED)
            .values(state=sa.bindparam("new_state"), error_code=sa.bindparam("error"), updated_at=sa.bindparam("now")),
            [
                {"part_id": u["part_id"], "new_state": u["state"], "error": u["error"] or None, "now": u["now"]}
                for u in updates
            ],
        )


async def part_states_many(
    conn: AsyncConnection, message_ids: Sequence[int]
) -> dict[int, list[tuple[str, str | None]]]:
    states: dict[int, list[tuple[str, str | None]]] = {}
    unique = sorted(set(message_ids))
    for start in range(0, len(unique), 500):
        rows = await conn.execute(
            sa.select(message_parts.c.message_id, message_parts.c.state, message_parts.c.error_code)
            .where(message_parts.c.message_id.in_(unique[start : start + 500]))
            .order_by(message_parts.c.message_id, message_parts.c.part)
        )
        for message_id, state, error in rows:
            states.setdefault(int(message_id), []).append((state, error))
    return states


async def finish_messages(
    conn: AsyncConnection, *, ids: Sequence[int], status: str, error: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Move these messages to ``status`` if they are not final yet; returns the rows this call moved."""
    result = await conn.execute(
        messages.update()
        .where(messages.c.id.in_(list(ids)), messages.c.status.notin_(FINAL_STATES))
        .values(status=status, error_code=(error or None) and error[:32], final_at=now, lease_until=None)
        .returning(*messages.c)
    )
    return [dict(r._mapping) for r in result]


async def mark_submitted_many(
    conn: AsyncConnection, *, submitted: Sequence[tuple[int, str, Sequence[tuple[str, str]]]], now: datetime
) -> list[int]:
    """Record many submits: (message id, carrier, [(raw id, canonical id) per part]). Returns the ids that
    were still queued (and so now submitted); the others were finished meanwhile and are left alone."""
    if not submitted:
        return []
    by_id = {message_id: (carrier, ids) for message_id, carrier, ids in submitted}
    moved: list[int] = []
    keys = list(by_id)
    for start in range(0, len(keys), 500):
        result = await conn.execute(
            messages.update()
            .where(messages.c.id.in_(keys[start : start + 500]), messages.c.status == QUEUED)
            .values(status=SUBMITTED, submitted_at=now, lease_until=None)
            .returning(messages.c.id)
        )
        moved.extend(int(r[0]) for r in result)
    if not moved:
        return []
    await conn.execute(
        messages.update()
        .where(messages.c.id == sa.bindparam("message_id"))
        .values(carrier=sa.bindparam("carrier_name"), carrier_msg_id=sa.bindparam("first_id")),
        [{"message_id": m, "carrier_name": by_id[m][0], "first_id": by_id[m][1][0][0]} for m in moved],
    )
    await conn.execute(
        message_parts.insert(),
        [
            {
                "message_id": m,
                "part": i,
                "carrier": by_id[m][0],
                "carrier_key": key,
                "state": SUBMITTED,
                "updated_at": now,
            }
            for m in moved
            for i, (_raw, key) in enumerate(by_id[m][1], start=1)
        ],
    )
    return moved


async def mark_retry_many(conn: AsyncConnection, retries: Sequence[dict[str, Any]]) -> None:
    """Each: {"message_id", "due_at", "error"}; only messages still queued change."""
    if retries:
        await conn.execute(
            messages.update()
            .where(messages.c.id == sa.bindparam("message_id"), messages.c.status == QUEUED)
            .values(due_at=sa.bindparam("due"), lease_until=None, error_code=sa.bindparam("error"))
            .execution_options(synchronize_session=False),
            [{"message_id": r["message_id"], "due": r["due_at"], "error": r["error"][:32]} for r in retries],
        )


async def take_early_receipts_many(conn: AsyncConnection, pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Early receipts for any of these (carrier, canonical id) pairs, removed from the holding table."""
    by_carrier: dict[str, list[str]] = {}
    for carrier, key in pairs:
        by_carrier.setdefault(carrier, []).append(key)
    found: list[dict[str, Any]] = []
    for carrier, keys in by_carrier.items():
        for start in range(0, len(keys), 500):
            found.extend(await take_early_receipts(conn, carrier, keys[start : start + 500]))
    return found


async def early_receipts_batch(conn: AsyncConnection, limit: int) -> list[dict[str, Any]]:
    """The oldest held receipts, locked (skipping ones another scheduler holds) on PostgreSQL."""
    rows = await conn.execute(
        sa.select(early_receipts).order_by(early_receipts.c.id).limit(limit).with_for_update(skip_locked=True)
    )
    return [dict(r._mapping) for r in rows]


async def delete_early_receipts(conn: AsyncConnection, ids: Sequence[int]) -> None:
    if ids:
        await conn.execute(early_receipts.delete().where(early_receipts.c.id.in_(list(ids))))


RECEIPT_MATCHING_LOCK = 0x5357_4243  # an arbitrary constant naming the lock below


async def any_early_receipts(conn: AsyncConnection) -> bool:
    return (await conn.execute(sa.select(early_receipts.c.id).limit(1))).first() is not None


async def lock_receipt_matching(conn: AsyncConnection) -> None:
    """Serialise, on PostgreSQL, the transactions that match receipts to parts with those that record parts,
    so a receipt held as "early" is always seen by the submit that names it (and the reverse). SQLite's
    single writer already serialises them."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(RECEIPT_MATCHING_LOCK)))


async def awaiting_receipts(conn: AsyncConnection, carrier: str, limit: int = 100_000) -> list[dict[str, Any]]:
    """Submitted messages of ``carrier`` with the carrier ids of their parts still waiting for a receipt
    (``msg_id``, ``number``, ``sender_id``, ``content``, ``submitted_at``, ``carrier_keys``), oldest first."""
    rows = await conn.execute(
        sa.select(
            messages.c.id,
            messages.c.msg_id,
            messages.c.number,
            messages.c.sender_id,
            messages.c.content,
            messages.c.submitted_at,
            message_parts.c.carrier_key,
        )
        .join(message_parts, message_parts.c.message_id == messages.c.id)
        .where(
            messages.c.status == SUBMITTED,
            messages.c.carrier == carrier,
            message_parts.c.carrier == carrier,
            message_parts.c.state == SUBMITTED,
        )
        .order_by(messages.c.id, message_parts.c.part)
        .limit(limit)
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = found.setdefault(row.id, {**row._mapping, "carrier_keys": []})
        entry["carrier_keys"].append(row.carrier_key)
    for entry in found.values():
        del entry["id"], entry["carrier_key"]
    return list(found.values())
