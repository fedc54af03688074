"""Call records (C17): written once per finished call by the engines, read with every filter of C17.

Numbers are masked in answers for groups with ``encryptNumber`` 0; the recording link is left out for groups
with ``displaySwitch`` 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter.outcomes import CallType, Outcome
from switchboard.domain.callcenter.rules import Page, cc_error, mask, maybe_text, page, whole, window
from switchboard.errors import ApiError, Product
from switchboard.services.callcenter.common import stamp
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store import cc_tasks as task_store
from switchboard.store.cc_tables import cc_records

MAX_DAYS = 93
VOICE_DAYS, VOICE_BACK = 31, timedelta(days=62)
# The call center's codes for what can be wrong with a query, as the voice table says them (V21).
VOICE_CODES = {-22: -22, -25: -25, -46: -22, -76: -25}


def at(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _ints(params: Mapping[str, Any], key: str, low: int, high: int) -> list[int] | None:
    raw = params.get(key)
    if raw in (None, "", []):
        return None
    items = raw if isinstance(raw, list) else [raw]
    return [whole({"v": item}, "v", low, high) for item in items]


def _texts(params: Mapping[str, Any], key: str) -> list[str] | None:
    raw = params.get(key)
    if raw in (None, "", []):
        return None
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
        raise cc_error(-22, f"{key} must be a list of texts")
    return [str(item) for item in items]


def filters(p: Mapping[str, Any]) -> list[sa.ColumnElement[bool]]:
    """The C17 (and V21) filters as conditions; the window is required (at most 93 days: -76)."""
    r = cc_records.c
    start, end = window(p, "startTime", "endTime", MAX_DAYS, -76)
    found: list[sa.ColumnElement[bool]] = [r.start_at >= start, r.start_at <= end]
    if p.get("voiceGroupId") not in (None, ""):
        found.append(r.group_id == whole(p, "voiceGroupId"))
    group_name = p.get("sipGroupName")
    if group_name not in (None, ""):
        if not isinstance(group_name, str) or len(group_name) > 50:
            raise cc_error(-46)
        found.append(r.group_name == group_name)
    lists: list[tuple[sa.ColumnElement[Any], list[Any] | None]] = [
        (r.agent_id, _ints(p, "seatId", 1, 2**31 - 1)),
        (r.agent_name, _texts(p, "seatNameList")),
        (r.call_type, _ints(p, "callType", 1, 3)),
        (r.hangup_reason, _ints(p, "hangupReason", 0, 9)),
        (r.ccode, _texts(p, "ccode")),
        (r.hangup_direction, _ints(p, "hangingDirection", 0, 3)),
    ]
    found += [column.in_(values) for column, values in lists if values is not None]
    if (number := maybe_text(p, "calledOrCaller", 32)) is not None:
        found.append(sa.or_(r.caller == number, r.called == number))
    if (labels := _texts(p, "labelNames")) is not None:
        text = sa.cast(r.labels, sa.Text)
        found.append(sa.or_(*(text.contains(f'"{label}"', autoescape=True) for label in labels)))
    return found


class Records:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C17: the account's records of the window, oldest first."""
        conditions = filters(page.params)
        async with self.s.db.read() as conn:
            total, found = await task_store.page_records(conn, principal.account.id, conditions, page.offset, page.size)
            groups = await store.groups_of(conn, principal.account.id, [r["group_id"] for r in found if r["group_id"]])
        return page.answer(total, [render(r, groups.get(r["group_id"] or 0)) for r in found])

    async def voice_query(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        """V21: C17 with the window named strTime/endTime (at most 31 days, from the last 2 months), answered with
        the Voice table's codes."""
        try:
            request = page(params)
            start, _ = window(request.params, "strTime", "endTime", VOICE_DAYS, -25)
            if start < self.s.clock.now() - VOICE_BACK:
                raise cc_error(-25, "strTime is more than 2 months ago")
            inner = {**request.params, "startTime": request.params["strTime"], "endTime": request.params["endTime"]}
            return await self.query(principal, Page(request.current, request.size, inner))
        except ApiError as exc:
            if exc.product is not Product.CC:
                raise
            raise ApiError(Product.VOICE, VOICE_CODES.get(exc.code, -22), exc.detail) from exc

    async def write(self, account_id: int, outcome: Outcome, context: dict[str, Any]) -> bool:
        """Store a finished call (``context``: group_id, group_name, agent_name, task_id, caller, ccode)."""
        inbound = outcome.call_type == CallType.INBOUND
        values = {
            "call_id": outcome.call_id,
            "account_id": account_id,
            "group_id": context.get("group_id"),
            "group_name": context.get("group_name"),
            "agent_id": outcome.agent_id,
            "agent_name": context.get("agent_name"),
            "task_id": context.get("task_id"),
            "call_type": int(outcome.call_type),
            "caller": outcome.number if inbound else context.get("caller"),
            "called": context.get("called") if inbound else outcome.number,
            "ccode": context.get("ccode"),
            "hangup_reason": int(outcome.reason),
            "hangup_direction": int(outcome.direction),
            "labels": list(outcome.labels),
            "note": None,
            "wait_seconds": round(outcome.wait_seconds),
            "talk_seconds": round(outcome.talk_seconds),
            "recording": None,
            "start_at": at(outcome.started),
            "answer_at": at(outcome.connected if outcome.connected is not None else outcome.answered),
            "end_at": at(outcome.ended),
        }
        async with self.s.db.write() as conn:
            return await task_store.insert_record(conn, values)


def render(r: dict[str, Any], group: dict[str, Any] | None) -> dict[str, Any]:
    hide = group is not None and group["encrypt_number"] == 0
    show_recording = group is None or group["display_switch"] == 0
    return {
        "callId": r["call_id"],
        "voiceGroupId": r["group_id"],
        "sipGroupName": r["group_name"] or "",
        "seatId": r["agent_id"],
        "seatName": r["agent_name"] or "",
        "taskId": r["task_id"],
        "callType": r["call_type"],
        "caller": mask(r["caller"]) if hide else r["caller"] or "",
        "called": mask(r["called"]) if hide else r["called"] or "",
        "ccode": r["ccode"] or "",
        "hangupReason": r["hangup_reason"],
        "hangingDirection": r["hangup_direction"],
        "labelNames": list(r["labels"] or []),
        "remark": r["note"] or "",
        "waitTime": r["wait_seconds"],
        "callDuration": r["talk_seconds"],
        "startTime": stamp(r["start_at"]),
        "answerTime": stamp(r["answer_at"]),
        "endTime": stamp(r["end_at"]),
        "voiceUrl": (r["recording"] or "") if show_recording else "",
    }
