"""The way out and back: dispatching queued messages to carriers, and applying what carriers report.

Dispatcher.step(): claim due messages (with a lease), route each, submit through its carriers in failover
order, then record all outcomes in one transaction:
- accepted: status ``submitted`` with one part row per carrier id;
- temporary errors on every carrier: back to the queue with back-off (5 s doubling to 5 min);
- permanent errors on every carrier, no route, or still unsent after the queue lifetime: ``failed`` and
  refunded (a message that never reached a carrier costs nothing), and reported.

DeliveryEvents (the connectors' CarrierEvents): a receipt moves its part to a final state once; the
message becomes final when every part is (delivered only if all parts are; failed if any part failed),
exactly once, and a report push is queued in the same transaction. Receipts for ids not (yet) recorded
are held and applied when the submit result arrives. Inbound messages are stored and pushed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.connectors.sms.base import (
    DELIVERED,
    EXPIRED,
    FAILED,
    InboundSms,
    OutboundSms,
    Receipt,
    SubmitError,
)
from switchboard.connectors.sms.receipts import canonical_id, id_candidates
from switchboard.domain.numbers import carrier_name, classify
from switchboard.domain.routing import choose_carriers
from switchboard.services.batching import WriteBatcher
from switchboard.services.carriers import CarrierSet
from switchboard.services.context import Services
from switchboard.services.pushes import inbound_body, report_body
from switchboard.store import delivery as store
from switchboard.store import inbound as inbound_store
from switchboard.store import messages as message_store
from switchboard.store import pushes, tenants

log = logging.getLogger("switchboard.delivery")

SUBMIT_TIMEOUT = 30.0
QUEUE_LIFETIME = timedelta(hours=24)
RETRY_FIRST = 5.0
RETRY_MAX = 300.0


@dataclass(frozen=True)
class Outcome:
    message: dict[str, Any]
    kind: str  # submitted | retry | failed
    carrier: str = ""
    ids: tuple[str, ...] = ()
    error: str = ""


async def refund(conn: AsyncConnection, message: dict[str, Any], now: datetime) -> None:
    await tenants.move_money(
        conn,
        account_id=message["account_id"],
        kind="refund",
        balance_delta=message["cost"] - message["paid_gift"],
        gift_delta=message["paid_gift"],
        reference=f"not sent {message['msg_id']}",
        now=now,
    )


async def push_report(conn: AsyncConnection, message: dict[str, Any], now: datetime, *, charged: bool) -> None:
    app = await tenants.get_app(conn, message["app_id"])
    if app is None or not app.report_url:
        return
    body = report_body({**message, "charged": charged}, app.app_id)
    await pushes.enqueue(
        conn,
        account_id=message["account_id"],
        app_id=app.app_id,
        kind="report",
        ref=message["msg_id"],
        url=app.report_url,
        body=body.decode(),
        now=now,
    )


class Dispatcher:
    def __init__(self, services: Services, carriers: CarrierSet, *, concurrency: int = 200) -> None:
        self.s = services
        self.carriers = carriers
        self._limit = asyncio.Semaphore(concurrency)
        self.counters: dict[str, int] = {"submitted": 0, "retried": 0, "failed": 0}

    async def step(self, batch: int = 500) -> int:
        """Claim and submit one batch; returns how many messages were claimed."""
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            lease = timedelta(seconds=self.s.settings.dispatch_lease)
            claimed = await store.claim_due(conn, now=now, lease=lease, limit=batch)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._submit(m) for m in claimed))
        async with self.s.db.write() as conn:
            for outcome in outcomes:
                await self._record(conn, outcome)
        return len(claimed)

    async def _submit(self, message: dict[str, Any]) -> Outcome:
        names = choose_carriers(
            self.carriers.routes,
            self.carriers.enabled,
            country=message["country"],
            number=message["number"],
            account_id=message["account_id"],
            sender_id=message["sender_id"],
        )
        if not names:
            return Outcome(message, "failed", error="NO_ROUTE")
        outbound = OutboundSms(message["msg_id"], message["number"], message["sender_id"], message["content"])
        temporary = ""
        permanent = ""
        async with self._limit:
            for name in names:
                try:
                    accepted = await asyncio.wait_for(self.carriers.connectors[name].submit(outbound), SUBMIT_TIMEOUT)
                    return Outcome(message, "submitted", carrier=name, ids=tuple(accepted.carrier_msg_ids))
                except SubmitError as exc:
                    log.info("carrier %s refused %s: %s", name, message["msg_id"], exc)
                    if exc.temporary:
                        temporary = exc.code
                    else:
                        permanent = exc.code
                except TimeoutError:
                    temporary = "TIMEOUT"
        if temporary and self.s.clock.now() - message["created_at"] < QUEUE_LIFETIME:
            return Outcome(message, "retry", error=temporary)
        return Outcome(message, "failed", error=permanent or temporary or "NOT_SENT")

    async def _record(self, conn: AsyncConnection, outcome: Outcome) -> None:
        now = self.s.clock.now()
        message = outcome.message
        if outcome.kind == "submitted":
            keys = [canonical_id(i) for i in outcome.ids]
            if await store.mark_submitted(
                conn,
                message_id=message["id"],
                carrier=outcome.carrier,
                ids=list(zip(outcome.ids, keys, strict=True)),
                now=now,
            ):
                self.counters["submitted"] += 1
                for early in await store.take_early_receipts(conn, outcome.carrier, keys):
                    await apply_receipt(
                        conn, self.s, outcome.carrier, [early["carrier_key"]], early["state"], early["error_code"] or ""
                    )
        elif outcome.kind == "retry":
            delay = min(RETRY_FIRST * 2 ** max(0, message["attempts"] - 1), RETRY_MAX)
            await store.mark_retry(
                conn, message_id=message["id"], due_at=now + timedelta(seconds=delay), error=outcome.error
            )
            self.counters["retried"] += 1
        else:
            finished = await store.finish_message(
                conn, message_id=message["id"], status=FAILED, error=outcome.error, now=now
            )
            if finished is not None:
                await refund(conn, finished, now)
                await push_report(conn, finished, now, charged=False)
                self.counters["failed"] += 1


async def apply_receipt(
    conn: AsyncConnection, services: Services, carrier: str, keys: list[str], state: str, error: str
) -> str:
    """Apply one part's final state. Returns 'applied', 'duplicate' or 'unknown'."""
    now = services.clock.now()
    parts = await store.parts_for_keys(conn, carrier, keys)
    if not parts:
        return "unknown"
    part = parts[0]
    if not await store.set_part_state(conn, part["id"], state, error, now):
        return "duplicate"
    states = await store.part_states(conn, part["message_id"])
    if all(s in (DELIVERED, FAILED, EXPIRED) for s, _ in states):
        final = (
            DELIVERED
            if all(s == DELIVERED for s, _ in states)
            else FAILED
            if any(s == FAILED for s, _ in states)
            else EXPIRED
        )
        errors = [e for s, e in states if s != DELIVERED and e]
        finished = await store.finish_message(
            conn, message_id=part["message_id"], status=final, error=errors[0] if errors else None, now=now
        )
        if finished is not None:
            await push_report(conn, finished, now, charged=True)
    return "applied"


class DeliveryEvents:
    """What connectors report, persisted before the carrier's PDU is acknowledged."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self.counters: dict[str, int] = {"applied": 0, "duplicate": 0, "unknown": 0, "inbound": 0}
        self._receipts: WriteBatcher[Receipt, str] = WriteBatcher(services.db, self._apply_receipt)

    async def receipt(self, receipt: Receipt) -> None:
        """Persist a receipt (batched with others arriving at the same time); returns once committed."""
        result = await self._receipts.submit(receipt)
        self.counters[result] += 1

    async def _apply_receipt(self, conn: AsyncConnection, receipt: Receipt) -> str:
        keys = sorted(id_candidates(receipt.carrier_msg_id))
        result = await apply_receipt(conn, self.s, receipt.carrier, keys, receipt.state, receipt.error_code)
        if result == "unknown":
            await store.save_early_receipt(
                conn,
                carrier=receipt.carrier,
                key=canonical_id(receipt.carrier_msg_id),
                state=receipt.state,
                error=receipt.error_code,
                now=self.s.clock.now(),
            )
        return result

    async def inbound(self, message: InboundSms) -> None:
        now = self.s.clock.now()
        source = classify(message.source)
        source_digits = source.digits if source else message.source
        async with self.s.db.write() as conn:
            app_id = await inbound_store.app_for_destination(conn, message.destination)
            account_id: int | None = None
            if app_id is not None:
                app = await tenants.get_app(conn, app_id)
                account_id = app.account_id if app else None
            else:
                last = await inbound_store.app_of_last_message_to(conn, source_digits, now - inbound_store.LOOKBACK)
                if last is not None:
                    app_id, account_id = last
            row = {
                "msg_id": self.s.msg_ids.next(),
                "account_id": account_id,
                "app_id": app_id,
                "source": source_digits,
                "destination": message.destination,
                "content": message.content,
                "carrier": message.carrier,
                "operator": carrier_name(source_digits) if source else "",
                "country": source.country if source else "",
                "received_at": message.received_at,
            }
            await inbound_store.insert_inbound(conn, **row)
            if app_id is not None and account_id is not None:
                await self._push_inbound(conn, row, app_id, account_id, now)
        self.counters["inbound"] += 1

    async def _push_inbound(
        self, conn: AsyncConnection, row: dict[str, Any], app_id: str, account_id: int, now: datetime
    ) -> None:
        app = await tenants.get_app(conn, app_id)
        account = await tenants.get_account(conn, account_id)
        if app is None or account is None or not app.inbound_url:
            return
        local = row["received_at"].astimezone(ZoneInfo(account.timezone))
        body = inbound_body({**row, "currency": account.currency}, local)
        await pushes.enqueue(
            conn,
            account_id=account_id,
            app_id=app_id,
            kind="inbound",
            ref=row["msg_id"],
            url=app.inbound_url,
            body=body.decode(),
            now=now,
        )


async def expire_stale(services: Services, *, validity: timedelta, limit: int = 1000) -> int:
    """Submitted messages with no final receipt after ``validity`` end as expired (charged: the carrier took
    them) and are reported."""
    now = services.clock.now()
    done = 0
    async with services.db.write() as conn:
        for message_id in await store.stale(
            conn, status=message_store.SUBMITTED, before=now - validity, column="submitted_at", limit=limit
        ):
            finished = await store.finish_message(
                conn, message_id=message_id, status=EXPIRED, error="NO_RECEIPT", now=now
            )
            if finished is not None:
                await push_report(conn, finished, now, charged=True)
                done += 1
    return done
