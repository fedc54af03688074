"""What operators look at: messages and their timelines, pushes and their attempts, inbound messages, ledgers.

A service like those in ``switchboard.services`` (the console and the admin API call it, not the store): every
method takes the caller's scope (an account id, or None for every account) and answers as if rows outside it
did not exist. Only ``retry_push`` writes, through the push repository's own ``retry``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from switchboard.admin import queries
from switchboard.admin.queries import InboundFilter, MessageFilter, PushFilter
from switchboard.money import format_amount
from switchboard.services.context import Services
from switchboard.store import pushes as push_store

T = TypeVar("T")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**63 - 1  # what the database takes
MAX_PAGE = MAX_OFFSET // MAX_PAGE_SIZE  # the last page number whose offset the database takes, at any size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    size: int
    has_next: bool


def _page(rows: list[T], page: int, size: int) -> Page[T]:
    return Page(rows[:size], page, size, len(rows) > size)


def _bounds(page: int, size: int) -> tuple[int, int, int]:
    page, size = max(1, page), min(max(1, size), MAX_PAGE_SIZE)
    return page, size, min((page - 1) * size, MAX_OFFSET)


@dataclass(frozen=True)
class Event:
    """One step of a message's life. ``tone``: ok | wait | bad, for display."""

    at: datetime | None
    step: str
    summary: str
    tone: str = "ok"


@dataclass
class PushView:
    push: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Timeline:
    message: dict[str, Any]
    parts: list[dict[str, Any]]
    pushes: list[PushView]
    events: list[Event]


def _message_events(m: dict[str, Any], parts: list[dict[str, Any]]) -> list[Event]:
    cost = f"{format_amount(m['cost'])} {m['currency']} for {m['segments']} segment(s)"
    events = [Event(m["created_at"], "accepted", f"accepted for {m['number']} ({m['country']}), charged {cost}")]
    if m["send_at"] is not None:
        events.append(Event(m["created_at"], "scheduled", f"scheduled for {m['send_at'].isoformat()}", "wait"))
    if m["submitted_at"] is not None:
        events.append(Event(m["submitted_at"], "submitted", f"submitted to {m['carrier']} as {m['carrier_msg_id']}"))
    elif m["status"] in ("queued", "scheduled"):
        retry = f" (attempt {m['attempts']}, last error {m['error_code']})" if m["error_code"] else ""
        events.append(Event(None, "waiting", f"{m['status']}, due {m['due_at'].isoformat()}{retry}", "wait"))
    for part in parts:
        if part["state"] != "submitted":
            error = f" ({part['error_code']})" if part["error_code"] else ""
            tone = "ok" if part["state"] == "delivered" else "bad"
            summary = f"receipt for part {part['part']} ({part['carrier_key']}): {part['state']}{error}"
            events.append(Event(part["updated_at"], "receipt", summary, tone))
    if m["final_at"] is not None:
        error = f" ({m['error_code']})" if m["error_code"] else ""
        tone = "ok" if m["status"] == "delivered" else "bad"
        events.append(Event(m["final_at"], "final", f"{m['status']}{error}", tone))
    return events


def _push_events(views: list[PushView], refunds: list[dict[str, Any]]) -> list[Event]:
    events = [
        Event(r["created_at"], "refund", f"refunded {format_amount(r['balance_delta'] + r['gift_delta'])}")
        for r in refunds
    ]
    for view in views:
        p = view.push
        events.append(Event(p["created_at"], "push", f"{p['kind']} push #{p['id']} queued for {p['url']}", "wait"))
        for a in view.attempts:
            outcome = f"HTTP {a['http_status']}" if a["http_status"] is not None else (a["error"] or "no answer")
            tone = "ok" if a["error"] is None else "bad"
            events.append(
                Event(a["at"], "attempt", f"push #{p['id']} attempt: {outcome} in {a['duration_ms']} ms", tone)
            )
    return events


def _by_time(events: list[Event]) -> list[Event]:
    """Events in time order; undated ones (still waiting) last, each kind in its given order."""
    dated = [e for e in events if e.at is not None]
    dated.sort(key=lambda e: e.at.timestamp() if e.at else 0.0)
    return dated + [e for e in events if e.at is None]


class Oversight:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def messages(self, f: MessageFilter, page: int = 1, size: int = PAGE_SIZE) -> Page[dict[str, Any]]:
        page, size, offset = _bounds(page, size)
        async with self.s.db.read() as conn:
            return _page(await queries.search_messages(conn, f, offset, size), page, size)

    async def timeline(self, msg_id: str, scope: int | None) -> Timeline | None:
        async with self.s.db.read() as conn:
            m = await queries.message(conn, msg_id)
            if m is None or (scope is not None and m["account_id"] != scope):
                return None
            parts = await queries.parts_of(conn, m["id"])
            views = [
                PushView(p, await push_store.attempts_of(conn, p["id"]))
                for p in reversed(await push_store.list_pushes(conn, ref=msg_id))
                if p["account_id"] == m["account_id"]
            ]
            refunds = await queries.ledger_for(conn, m["account_id"], [f"not sent {msg_id}", f"cancel {msg_id}"])
        events = _by_time(_message_events(m, parts) + _push_events(views, refunds))
        return Timeline(m, parts, views, events)

    async def pushes(self, f: PushFilter, page: int = 1, size: int = PAGE_SIZE) -> Page[dict[str, Any]]:
        page, size, offset = _bounds(page, size)
        async with self.s.db.read() as conn:
            return _page(await queries.push_page(conn, f, offset, size), page, size)

    async def push(self, push_id: int, scope: int | None) -> PushView | None:
        async with self.s.db.read() as conn:
            found = await queries.push(conn, push_id)
            if found is None or (scope is not None and found["account_id"] != scope):
                return None
            return PushView(found, await push_store.attempts_of(conn, push_id))

    async def retry_push(self, push_id: int, scope: int | None) -> bool:
        """Make a push that is not delivered due now; False when there is none such in scope."""
        async with self.s.db.write() as conn:
            found = await queries.push(conn, push_id)
            if found is None or (scope is not None and found["account_id"] != scope):
                return False
            return await push_store.retry(conn, [push_id], self.s.clock.now()) == 1

    async def inbound(self, f: InboundFilter, page: int = 1, size: int = PAGE_SIZE) -> Page[dict[str, Any]]:
        page, size, offset = _bounds(page, size)
        async with self.s.db.read() as conn:
            return _page(await queries.inbound_page(conn, f, offset, size), page, size)

    async def ledger(self, account_id: int, page: int = 1, size: int = PAGE_SIZE) -> Page[dict[str, Any]]:
        page, size, offset = _bounds(page, size)
        async with self.s.db.read() as conn:
            return _page(await queries.ledger_page(conn, account_id, offset, size), page, size)
