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
    await push_reports(conn, [message], now, charged=charged)


async def push_reports(conn: AsyncConnection, finished: list[dict[str, Any]], now: datetime, *, charged: bool) -> None:
    """Queue the S5 report push of each finished message whose app has a report URL."""
    apps: dict[str, Any] = {}
    for app_id in {m["app_id"] for m in finished}:
        apps[app_id] = await tenants.get_app(conn, app_id)
    rows = [
        {
            "account_id": m["account_id"],
            "app_id": m["app_id"],
            "kind": "report",
            "ref": m["msg_id"],
            "url": apps[m["app_id"]].report_url,
            "body": report_body({**m, "charged": charged}, m["app_id"]).decode(),
        }
        for m in finished
        if apps.get(m["app_id"]) is not None and apps[m["app_id"]].report_url
    ]
    await pushes.enqueue_many(conn, rows, now)


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
            await self._record(conn, outcomes)
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

    async def _record(self, conn: AsyncConnection, outcomes: list[Outcome]) -> None:
        """Record a batch's outcomes with a handful of statements, whatever the batch size."""
        now = self.s.clock.now()
        submitted = [o for o in outcomes if o.kind == "submitted"]
        if submitted:
            await store.lock_receipt_matching(conn)
        keyed = {o.message["id"]: (o.carrier, [(i, canonical_id(i)) for i in o.ids]) for o in submitted}
        moved = await store.mark_submitted_many(
            conn, submitted=[(m, carrier, ids) for m, (carrier, ids) in keyed.items()], now=now
        )
        self.counters["submitted"] += len(moved)
        early = await store.take_early_receipts_many(
            conn, [(keyed[m][0], key) for m in moved for _raw, key in keyed[m][1]]
        )
        if early:
            await apply_receipts(
                conn,
                self.s,
                [(e["carrier"], [e["carrier_key"]], e["state"], e["error_code"] or "") for e in early],
            )
        retries = []
        for outcome in outcomes:
            if outcome.kind == "retry":
                delay = min(RETRY_FIRST * 2 ** max(0, outcome.message["attempts"] - 1), RETRY_MAX)
                retries.append(
                    {
                        "message_id": outcome.message["id"],
                        "due_at": now + timedelta(seconds=delay),
                        "error": outcome.error,
                    }
                )
        await store.mark_retry_many(conn, retries)
        self.counters["retried"] += len(retries)
        for outcome in outcomes:
            if outcome.kind == "failed":
                finished = await store.finish_message(
                    conn, message_id=outcome.message["id"], status=FAILED, error=outcome.error, now=now
                )
                if finished is not None:
                    await refund(conn, finished, now)
                    await push_report(conn, finished, now, charged=False)
                    self.counters["failed"] += 1


ReceiptInput = tuple[str, list[str], str, str]  # carrier, candidate canonical ids (the exact one first), state, error


def receipt_keys(carrier_msg_id: str) -> list[str]:
    """A receipt's message id as stored ids are looked up: its canonical form first, then its readings in the other
    base (``id_candidates``), which only stand in for a part that is still waiting for its receipt."""
    exact = canonical_id(carrier_msg_id)
    return [exact, *sorted(id_candidates(carrier_msg_id) - {exact})]


def final_state(states: list[tuple[str, str | None]]) -> tuple[str, str | None] | None:
    """The message's final state once every part has one (delivered only if all parts are), else None."""
    if not all(s in (DELIVERED, FAILED, EXPIRED) for s, _ in states):
        return None
    final = (
        DELIVERED
        if all(s == DELIVERED for s, _ in states)
        else FAILED
        if any(s == FAILED for s, _ in states)
        else EXPIRED
    )
    errors = [e for s, e in states if s != DELIVERED and e]
    return final, errors[0] if errors else None


async def apply_receipts(conn: AsyncConnection, services: Services, items: list[ReceiptInput]) -> list[str]:
    """Apply many parts' final states in one transaction. Each result is 'applied', 'duplicate' or 'unknown'."""
    now = services.clock.now()
    await store.lock_receipt_matching(conn)
    parts: dict[tuple[str, str], dict[str, Any]] = {}
    by_carrier: dict[str, list[str]] = {}
    for carrier, keys, _state, _error in items:
        by_carrier.setdefault(carrier, []).extend(keys)
    for carrier, keys in by_carrier.items():
        for row in await store.parts_for_keys_locked(conn, carrier, keys):
            parts[(carrier, row["carrier_key"])] = row
    results: list[str] = []
    updates: list[dict[str, Any]] = []
    for carrier, keys, state, error in items:
        part: dict[str, Any] | None = None
        for index, key in enumerate(keys):
            found = parts.get((carrier, key))
            # With ids 1, 2, 3... "16" read as hex is the id "22" and written in hex is "10": such a reading must
            # never take the receipt away from the part whose id is written exactly so, nor from a final part.
            if found is not None and (index == 0 or found["state"] == message_store.SUBMITTED):
                part = found
                break
        if part is None:
            results.append("unknown")
        elif part["state"] != message_store.SUBMITTED:
            results.append("duplicate")
        else:
            part["state"] = state  # a second receipt for the same part in this batch is a duplicate
            updates.append({"part_id": part["id"], "state": state, "error": error, "now": now})
            results.append("applied")
    await store.set_part_states(conn, updates)
    updated = {u["part_id"] for u in updates}
    touched = sorted({p["message_id"] for p in parts.values() if p["id"] in updated})
    groups: dict[tuple[str, str | None], list[int]] = {}
    for message_id, states in (await store.part_states_many(conn, touched)).items():
        final = final_state(states)
        if final is not None:
            groups.setdefault(final, []).append(message_id)
    finished: list[dict[str, Any]] = []
    for (status, first_error), ids in groups.items():
        finished.extend(await store.finish_messages(conn, ids=ids, status=status, error=first_error, now=now))
    await push_reports(conn, finished, now, charged=True)
    return results


class DeliveryEvents:
    """What connectors report, persisted before the carrier's PDU is acknowledged."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self.counters: dict[str, int] = {"applied": 0, "duplicate": 0, "unknown": 0, "inbound": 0}
        self._receipts: WriteBatcher[Receipt, str] = WriteBatcher(services.db, self._apply_receipts)

    async def receipt(self, receipt: Receipt) -> None:
        """Persist a receipt (batched with others arriving at the same time); returns once committed."""
        result = await self._receipts.submit(receipt)
        self.counters[result] += 1
        if result == "applied":
            self.s.wake("callbacks")

    async def _apply_receipts(self, conn: AsyncConnection, receipts: list[Receipt]) -> list[str]:
        items = [(r.carrier, receipt_keys(r.carrier_msg_id), r.state, r.error_code) for r in receipts]
        results = await apply_receipts(conn, self.s, items)
        for receipt, result in zip(receipts, results, strict=True):
            if result == "unknown":
                await store.save_early_receipt(
                    conn,
                    carrier=receipt.carrier,
                    key=canonical_id(receipt.carrier_msg_id),
                    state=receipt.state,
                    error=receipt.error_code,
                    now=self.s.clock.now(),
                )
        return results

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


async def reapply_early_receipts(services: Services, *, give_up_after: timedelta, limit: int = 1000) -> int:
    """Apply held receipts whose part exists by now. On PostgreSQL a receipt and the submit result it names
    can be written by two transactions that do not see each other (the receipt is held, the submit finds
    nothing held): this sweep, run by the scheduler, settles them. Receipts still unmatched after
    ``give_up_after`` are dropped (their messages expire). Returns how many were applied."""
    now = services.clock.now()
    async with services.db.write() as conn:
        held = await store.early_receipts_batch(conn, limit)
        if not held:
            return 0
        results = await apply_receipts(
            conn, services, [(r["carrier"], [r["carrier_key"]], r["state"], r["error_code"] or "") for r in held]
        )
        done = [
            r["id"]
            for r, result in zip(held, results, strict=True)
            if result != "unknown" or now - r["received_at"] > give_up_after
        ]
        await store.delete_early_receipts(conn, done)
    return sum(1 for result in results if result == "applied")


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
