"""Report queries: getReport (by msgId), getSentRcd (by time window), recordMo (inbound, paged)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.domain.sms.validation import parse_time, sms_error
from switchboard.services.context import Services
from switchboard.services.limits import RateLimiter, RedisWindowLimiter, TokenBucket
from switchboard.store import inbound
from switchboard.store.messages import DELIVERED, FINAL_STATES
from switchboard.store.tables import messages

MAX_REPORT_IDS = 200
MAX_SENT_ROWS = 50_000
SENT_WINDOW = timedelta(days=31)
MO_WINDOW = timedelta(days=31)
MO_EARLIEST = datetime.fromisoformat("2022-07-01T00:00:00+08:00")
MSG_ID = re.compile(r"^\d{19}$")
SENT_STATUS = {"delivered": "0", "failed": "2", "expired": "2"}


def report_status(state: str) -> str:
    """getReport's status of a stored message: "0" delivered, "1" failed (failed, expired, cancelled), and
    "-1" sending for every state that is not final yet (scheduled, queued, submitted). A msgId the server
    issued is never "not found": a message is stored, queued, in the transaction that answers sendSms."""
    if state == DELIVERED:
        return "0"
    return "1" if state in FINAL_STATES else "-1"


def local_iso(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds") if moment else ""


MAX_PAGE = 1_000_000  # recordMo's highest page (as voice's record queries): larger offsets overflow


@dataclass
class Reports:
    services: Services

    async def check_frequency(self, principal: Principal) -> None:
        limiter: RateLimiter | None = self.services.caches.get("report_limiter")
        if limiter is None:
            rate = self.services.settings.report_queries_per_second
            if self.services.redis is not None:
                limiter = RedisWindowLimiter(self.services.redis, rate=rate, clock=self.services.clock)
            else:
                limiter = TokenBucket(rate=rate, burst=max(1.0, rate * 2), clock=self.services.clock)
            self.services.caches["report_limiter"] = limiter
        if not await limiter.allow(str(principal.account.id)):
            raise sms_error(-15)

    async def report(self, principal: Principal, raw_ids: str | None) -> dict[str, Any]:
        assert principal.app is not None
        ids = [i.strip() for i in (raw_ids or "").split(",") if i.strip()]
        if not ids or len(ids) > MAX_REPORT_IDS or not all(MSG_ID.match(i) for i in ids):
            raise sms_error(-14)
        await self.check_frequency(principal)
        async with self.services.db.read() as conn:
            rows = await conn.execute(
                sa.select(messages).where(messages.c.msg_id.in_(ids), messages.c.app_id == principal.app.app_id)
            )
            found = {r.msg_id: r._mapping for r in rows}
        zone = principal.account.timezone
        counts = {"success": 0, "fail": 0, "sending": 0, "nofound": 0}
        items = []
        for msg_id in dict.fromkeys(ids):
            row = found.get(msg_id)
            if row is None:
                counts["nofound"] += 1
                continue
            status = report_status(row["status"])
            counts[{"0": "success", "-1": "sending", "1": "fail"}[status]] += 1
            items.append(
                {
                    "msgId": msg_id,
                    "number": row["number"],
                    "receiveTime": local_iso(row["final_at"] or row["submitted_at"] or row["created_at"], zone),
                    "status": status,
                }
            )
        return {**{k: str(v) for k, v in counts.items()}, "array": items}

    def _window(
        self, start_raw: str | None, end_raw: str | None, *, bad: int, span: timedelta
    ) -> tuple[datetime, datetime]:
        if not start_raw or not end_raw:
            raise sms_error(bad, "start and end time are required")
        try:
            start, end = parse_time(start_raw), parse_time(end_raw)
        except ValueError as exc:
            raise sms_error(bad, str(exc)) from exc
        try:  # the database compares UTC moments; one outside the years 1-9999 is out of range
            start, end = start.astimezone(UTC), end.astimezone(UTC)
        except OverflowError as exc:
            raise sms_error(-25, "the window is beyond the representable years") from exc
        oldest = self.services.clock.now() - timedelta(days=self.services.settings.retention_days)
        if end < start or end - start > span or end < oldest:
            raise sms_error(-25)
        return max(start, oldest), end

    async def sent(self, principal: Principal, start: str | None, end: str | None, index: int) -> dict[str, Any]:
        assert principal.app is not None
        if index < 0:
            raise sms_error(-22, "startIndex must not be negative")
        window = self._window(start, end, bad=-11, span=SENT_WINDOW)
        await self.check_frequency(principal)
        async with self.services.db.read() as conn:
            rows = await conn.execute(
                sa.select(messages.c.msg_id, messages.c.number, messages.c.status, messages.c.final_at)
                .where(
                    messages.c.app_id == principal.app.app_id,
                    messages.c.created_at >= window[0],
                    messages.c.created_at <= window[1],
                    messages.c.status.in_(list(SENT_STATUS)),
                )
                # In the order they became final: a message that turns final while a client pages with
                # startIndex lands after every row already counted, so no page shifts under the client.
                .order_by(messages.c.final_at, messages.c.id)
                .offset(index)
                .limit(MAX_SENT_ROWS)
            )
            items = [
                {
                    "msgId": r.msg_id,
                    "number": r.number,
                    "receiveTime": local_iso(r.final_at, principal.account.timezone),
                    "status": SENT_STATUS[r.status],
                }
                for r in rows
            ]
        success = sum(1 for i in items if i["status"] == "0")
        return {"success": str(success), "fail": str(len(items) - success), "array": items}

    async def inbound(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        assert principal.app is not None
        current, size = params.get("current"), params.get("size")
        if not isinstance(current, int) or not isinstance(size, int):
            raise sms_error(-22, f"current 1..{MAX_PAGE} and size 1..100 are required integers")
        if not 1 <= current <= MAX_PAGE or not 1 <= size <= 100:
            raise sms_error(-22, f"current 1..{MAX_PAGE} and size 1..100 are required integers")
        window_params = params.get("params")
        if not isinstance(window_params, dict):
            raise sms_error(-22, "params with strTime and endTime is required")
        # The body is client JSON: a time that is not text (a number, a list) is unreadable like a missing one.
        start_raw, end_raw = (window_params.get(k) for k in ("strTime", "endTime"))
        start, end = self._window(
            start_raw if isinstance(start_raw, str) else None,
            end_raw if isinstance(end_raw, str) else None,
            bad=-22,
            span=MO_WINDOW,
        )
        if start < MO_EARLIEST:
            raise sms_error(-25)
        await self.check_frequency(principal)
        async with self.services.db.read() as conn:
            total, rows = await inbound.page_inbound(
                conn, app_id=principal.app.app_id, start=start, end=end, offset=(current - 1) * size, limit=size
            )
        zone, currency = principal.account.timezone, principal.account.currency
        records = [
            {
                "number": r["source"],
                "sendId": r["destination"],
                "receiveTime": local_iso(r["received_at"], zone),
                "content": r["content"],
                "mcc": -1,
                "mnc": -1,
                "operator": r["operator"],
                "pricedetail": {"pay": "0.000000", "chargeCnt": 0, "currency": currency, "price": "0.000000"},
            }
            for r in rows
        ]
        return {"total": total, "size": size, "current": current, "pages": math.ceil(total / size), "records": records}
