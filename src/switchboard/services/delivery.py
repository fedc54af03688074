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
import contextlib
import logging
from collections.abc import Awaitable, Callable
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
from switchboard.services.pipeline import run_pipeline
from switchboard.services.pushes import inbound_body, report_body
from switchboard.services.spool import Spool
from switchboard.store import delivery as store
from switchboard.store import inbound as inbound_store
from switchboard.store import messages as message_store
from switchboard.store import pushes, tenants

log = logging.getLogger("switchboard.delivery")

SUBMIT_TIMEOUT = 30.0
QUEUE_LIFETIME = timedelta(hours=24)
RETRY_FIRST = 5.0
RETRY_MAX = 300.0
# Not a carrier's refusal: this process has no bind to the carrier right now (another dispatch worker holds the
# carrier's binds, or they are reconnecting). Retried soon, usually by a worker that holds a bind.
NOT_HERE = frozenset({"SMPP_NO_SLOT", "SMPP_NOT_BOUND"})
RETRY_ELSEWHERE = 1.0
CLAIM_AT_LEAST = 50  # claim when this many slots are free (fewer, larger claims)
# After a wake-up, wait this long before claiming, so that the sends of the next few milliseconds are claimed,
# submitted, recorded and matched together: single-number sends arrive one wake-up each, and every dispatch
# worker wakes for each. Measured on the production layout (2 cores): 169 -> 206 single-number sends/s
# end to end, dispatch CPU per message 3.5 -> 2.5 ms; it adds at most this much to accept->submitted.
CLAIM_LINGER = 0.02
RECORD_WAIT = 5.0
READINGS_AFTER = timedelta(seconds=1)
RECEIPT_WAITS = 3  # times a receipt waits for its submit's record before it is held
STOP_GRACE = 2.0


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
    """``step`` claims one batch, submits it and records the outcomes (tests, and a simple loop). ``run`` is
    the worker's pipeline: up to ``capacity`` claimed messages in flight, more claimed as submits finish,
    outcomes recorded in shared transactions as they come (so one slow carrier answer never holds a batch),
    and the carrier ids of submits not yet recorded kept in memory, so that a receipt that overtakes its
    submit's record waits for it instead of being held in the database."""

    def __init__(
        self, services: Services, carriers: CarrierSet, *, concurrency: int = 200, capacity: int = 500
    ) -> None:
        self.s = services
        self.carriers = carriers
        self._limit = asyncio.Semaphore(concurrency)
        self._capacity = capacity
        self.counters: dict[str, int] = {"submitted": 0, "retried": 0, "failed": 0}
        self._recorder: WriteBatcher[Outcome, None] = WriteBatcher(services.db, self._record_batch)
        self._unrecorded: dict[tuple[str, str], asyncio.Future[None]] = {}

    async def step(self, batch: int = 500) -> int:
        """Claim and submit one batch; returns how many messages were claimed."""
        claimed = await self._claim(batch)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._submit(m) for m in claimed))
        async with self.s.db.write() as conn:
            await self._record(conn, outcomes)
        return len(claimed)

    async def run(
        self,
        stop: asyncio.Event,
        wake: asyncio.Event,
        *,
        poll: float,
        before_claim: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Dispatch until ``stop``. ``before_claim`` (an async callable) runs before each claim (route reloads)."""

        async def claim(limit: int) -> list[dict[str, Any]]:
            if before_claim is not None:
                await before_claim()
            return await self._claim(limit)

        await run_pipeline(
            "dispatch",
            claim=claim,
            handle=self._submit_and_record,
            capacity=self._capacity,
            stop=stop,
            wake=wake,
            poll=poll,
            claim_at_least=CLAIM_AT_LEAST,
            may_claim=self.carriers.can_submit,
            linger_after_wake=CLAIM_LINGER,
            grace=STOP_GRACE,
        )

    def is_being_recorded(self, carrier: str, key: str) -> bool:
        return (carrier, key) in self._unrecorded

    async def recorded(self, carrier: str, key: str) -> None:
        """Wait (briefly) until the submit that got this carrier id is recorded, if it is still being recorded."""
        future = self._unrecorded.get((carrier, key))
        if future is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(future), RECORD_WAIT)

    async def _claim(self, limit: int) -> list[dict[str, Any]]:
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            lease = timedelta(seconds=self.s.settings.dispatch_lease)
            return await store.claim_due(conn, now=now, lease=lease, limit=limit)

    async def _submit_and_record(self, message: dict[str, Any]) -> None:
        try:
            outcome = await self._submit(message)
        except Exception:  # a bug, not a carrier's answer: the message is claimed again when its lease ends
            log.exception("submitting %s failed unexpectedly", message["msg_id"])
            return
        keys = [(outcome.carrier, canonical_id(i)) for i in outcome.ids]
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._unrecorded[key] = future
        try:
            await self._recorder.submit(outcome)
            future.set_result(None)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: receipts waiting on it go on (and are held)
            log.exception("recording the submit of %s failed; it is sent again when its lease ends", message["msg_id"])
        finally:
            for key in keys:
                if self._unrecorded.get(key) is future:
                    del self._unrecorded[key]

    async def _record_batch(self, conn: AsyncConnection, outcomes: list[Outcome]) -> list[None]:
        await self._record(conn, outcomes)
        return [None] * len(outcomes)

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
                delay = (
                    RETRY_ELSEWHERE
                    if outcome.error in NOT_HERE
                    else min(RETRY_FIRST * 2 ** max(0, outcome.message["attempts"] - 1), RETRY_MAX)
                )
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


def _by_other_reading(
    parts: dict[tuple[str, str], dict[str, Any]], carrier: str, readings: list[str]
) -> dict[str, Any] | None:
    """The part a receipt's id names when read in the other base. With ids 1, 2, 3... "16" read as hex is the id
    "22" and written in hex is "10": such a reading must never take the receipt away from a final part."""
    for key in readings:
        found = parts.get((carrier, key))
        if found is not None and found["state"] == message_store.SUBMITTED:
            return found
    return None


async def apply_receipts(
    conn: AsyncConnection,
    services: Services,
    items: list[ReceiptInput],
    *,
    being_recorded: Callable[[str, str], bool] | None = None,
) -> list[str]:
    """Apply many parts' final states in one transaction. Each result is 'applied', 'duplicate' or 'unknown',
    or 'pending' when the exact id is not stored yet but ``being_recorded(carrier, id)`` says its submit is being
    recorded right now (the caller waits for that record and tries again; the other-base readings of the id
    are not tried meanwhile, since with ids 1, 2, 3... they would name another part)."""
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
        exact = parts.get((carrier, keys[0]))
        part = exact or _by_other_reading(parts, carrier, keys[1:])
        if exact is None and being_recorded is not None and being_recorded(carrier, keys[0]):
            results.append("pending")
        elif part is None:
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

    def __init__(self, services: Services, dispatcher: Dispatcher | None = None, spool: Spool | None = None) -> None:
        self.s = services
        self.dispatcher = dispatcher
        self.spool = spool
        self.counters: dict[str, int] = {
            "applied": 0,
            "duplicate": 0,
            "unknown": 0,
            "dropped": 0,
            "inbound": 0,
            "spooled": 0,
        }
        self.dropped: dict[str, int] = {}  # receipts matching nothing dropped at the cap, by carrier
        self._receipts: WriteBatcher[tuple[Receipt, bool], str] = WriteBatcher(services.db, self._apply_receipts)

    async def receipt(self, receipt: Receipt) -> None:
        """Persist a receipt; returns once committed, or once spooled to disk when the database refuses it (the
        carrier has been acknowledged already and will not send it again; see services/spool.py)."""
        await self._or_spool(self._store_receipt, receipt)

    async def inbound(self, message: InboundSms) -> None:
        """Store an inbound message and queue its push (or spool it, as receipts)."""
        await self._or_spool(self._store_inbound, message)

    async def replay_spool(self) -> int:
        """Store what was spooled while the database refused it; returns how many events were stored."""
        if self.spool is None:
            return 0

        async def store(event: Receipt | InboundSms) -> None:
            if isinstance(event, Receipt):
                await self._store_receipt(event)
            else:
                await self._store_inbound(event)

        return await self.spool.replay(store)

    async def _or_spool(self, store: Callable[[Any], Awaitable[None]], event: Receipt | InboundSms) -> None:
        try:
            await store(event)
        except Exception:
            if self.spool is None:
                raise
            log.exception("carrier event not stored; spooled to disk for replay: %r", event)
            self.spool.append(event)
            self.counters["spooled"] += 1

    async def _store_receipt(self, receipt: Receipt) -> None:
        """Persist a receipt (batched with others arriving at the same time). A receipt that overtook the record
        of its own submit in this process waits for that record instead of being held (or matched by another
        reading of its id)."""
        key = canonical_id(receipt.carrier_msg_id)
        result = "pending"
        for attempt in range(RECEIPT_WAITS + 1):
            if self.dispatcher is not None:
                await self.dispatcher.recorded(receipt.carrier, key)
            result = await self._receipts.submit((receipt, attempt < RECEIPT_WAITS))
            if result != "pending":
                break
        self.counters[result] += 1
        if result == "dropped":
            self.dropped[receipt.carrier] = self.dropped.get(receipt.carrier, 0) + 1
            if self.dropped[receipt.carrier] % 1000 == 1:
                log.warning("carrier %s: held receipts at their cap; unmatched receipts dropped", receipt.carrier)
        if result == "applied":
            self.s.wake("callbacks")

    def _being_recorded(self, carrier: str, key: str) -> bool:
        return self.dispatcher is not None and self.dispatcher.is_being_recorded(carrier, key)

    async def _apply_receipts(self, conn: AsyncConnection, batch: list[tuple[Receipt, bool]]) -> list[str]:
        """Receipts that may still wait for their submit's record answer 'pending' when it is being recorded;
        the others are applied, or held when unknown."""
        items = [(r.carrier, receipt_keys(r.carrier_msg_id), r.state, r.error_code) for r, _wait in batch]
        results = [""] * len(batch)
        for may_wait in (False, True):
            indexes = [i for i, (_r, wait) in enumerate(batch) if wait is may_wait]
            if not indexes:
                continue
            check = self._being_recorded if may_wait else None
            found = await apply_receipts(conn, self.s, [items[i] for i in indexes], being_recorded=check)
            for i, result in zip(indexes, found, strict=True):
                results[i] = result
        room: dict[str, int] = {}
        for i, ((receipt, _wait), result) in enumerate(zip(batch, results, strict=True)):
            if result == "unknown":
                if receipt.carrier not in room:
                    held = await store.count_early_receipts(conn, receipt.carrier)
                    room[receipt.carrier] = self.s.settings.held_receipts_per_carrier - held
                if room[receipt.carrier] <= 0:
                    results[i] = "dropped"  # the carrier's holding room is full: a flood of unmatched receipts
                    continue
                room[receipt.carrier] -= 1
                await store.save_early_receipt(
                    conn,
                    carrier=receipt.carrier,
                    key=canonical_id(receipt.carrier_msg_id),
                    state=receipt.state,
                    error=receipt.error_code,
                    now=self.s.clock.now(),
                )
        return results

    async def _store_inbound(self, message: InboundSms) -> None:
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
                last = await inbound_store.app_of_sole_sender_to(conn, source_digits, now - inbound_store.LOOKBACK)
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


def _held_keys(held: dict[str, Any], now: datetime) -> list[str]:
    """A held receipt is looked up by its exact id; once it has waited ``READINGS_AFTER`` (its own submit, if it
    wrote the id exactly so, is recorded by then) also by the readings of its id in the other base, for carriers
    that answer submit_sm in hex and report in decimal (or the reverse)."""
    if now - held["received_at"] < READINGS_AFTER:
        return [held["carrier_key"]]
    return receipt_keys(held["carrier_key"])


async def reapply_early_receipts(services: Services, *, give_up_after: timedelta, limit: int = 1000) -> int:
    """Apply held receipts whose part exists by now. On PostgreSQL a receipt and the submit result it names
    can be written by two transactions that do not see each other (the receipt is held, the submit finds
    nothing held): this sweep, run by the scheduler, settles them. Receipts still unmatched after
    ``give_up_after`` are dropped (their messages expire). Returns how many were applied."""
    now = services.clock.now()
    async with services.db.read() as conn:
        if not await store.any_early_receipts(conn):
            return 0
    async with services.db.write() as conn:
        # The matching lock before the held rows' locks, in the order the submit recorder takes them (it holds
        # the matching lock when it deletes held rows): the other order deadlocked on PostgreSQL.
        await store.lock_receipt_matching(conn)
        held = await store.early_receipts_batch(conn, limit)
        if not held:
            return 0
        results = await apply_receipts(
            conn,
            services,
            [(r["carrier"], _held_keys(r, now), r["state"], r["error_code"] or "") for r in held],
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
