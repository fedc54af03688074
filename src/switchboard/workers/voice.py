"""The voice worker role: claim queued calls, place them through trunks, settle each one.

- Claiming: queued, due calls become ``calling``, held by this process (``claimed_by``: node id and a token)
  with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) that the worker renews every 20 s while the call
  runs. Just before its INVITE a call is marked dialled (``dialed_at``, a conditional update on the holder):
  a call that lost its holder in between is not dialled. When a holder dies (its lease ran out, or at the
  start of the next process of the same node, which the node claim proves is the only one), its calls that
  were never dialled are queued again and placed once; those dialled are ended as lost ("500": the callee
  was called, the outcome died with the process), never dialled twice, and refunded.
- Routing: voice routes (by country, prefix, account) give the trunks in failover order; the next trunk is
  tried only when one fails before the callee is reached (no response, 5xx). With no trunk configured the
  built-in simulated callee answers (the sandbox). Each trunk has a calls-per-second pace and a cap on
  concurrent calls, both held by this worker process.
- Settling, in one transaction: the exact charge of an answered call, the refund of the rest of the
  reservation (an unanswered call is refunded whole), the record, and a V23 push to the app's call URL.
  An unanswered sendCode call with ``recallCount`` left is queued again after ``recallInterval`` minutes
  (only its last attempt is pushed). A call cut short by a worker shutdown before the answer is queued again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.connectors.voice.base import Bridged, CallRequest, CallResult
from switchboard.connectors.voice.trunk_health import INTERVAL as HEALTH_INTERVAL
from switchboard.domain.voice import billing, records, termination
from switchboard.services.audio import AudioFiles
from switchboard.services.context import Services
from switchboard.services.tts import Tts
from switchboard.store import pushes, tenants
from switchboard.store import voice as store
from switchboard.workers.loop import run_loop
from switchboard.workers.voice_trunks import TrunkSet

__all__ = ["NotOurs", "TrunkSet", "VoiceEngine", "finalize", "run_voice"]

log = logging.getLogger("switchboard.voice")

LEASE = timedelta(seconds=60)
RENEW_EVERY = 20.0
SWEEP_EVERY = 10.0
SWEEP_BATCH = 100
PRUNE_EVERY = 3600.0
STOP_WAIT = 5.0
BRIDGED = (3, 4)  # sendSip calls and a phone's own calls: two legs bridged (workers/bridged.py)
UNBRIDGED = (1, 2)


class NotOurs(Exception):
    """The call is no longer held by this worker, or was dialled already: it must not be dialled here."""


def when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class VoiceEngine:
    def __init__(self, services: Services, trunks: TrunkSet) -> None:
        self.s = services
        self.trunks = trunks
        self.active: dict[int, tuple[asyncio.Task[None], asyncio.Event]] = {}
        self.counters = {"placed": 0, "answered": 0, "requeued": 0, "lost": 0, "reclaimed": 0}
        self._renewed = self._swept = self._pruned = time.monotonic()
        self.node = f"{services.settings.node_id:02d}:"
        self.owner = f"{self.node}{secrets.token_hex(6)}"
        self._started = False

    async def reclaim_own(self) -> int:
        """At start-up (once the node claim is held): take back the calls an earlier process of this node
        left calling, without waiting for their leases to run out."""
        taken = 0
        while found := await self.sweep(node=True):
            taken += found
        return taken

    async def step(self, batch: int = 100) -> int:
        """Housekeeping, then claim what the trunks can take and start those calls; returns how many."""
        if not self._started:
            self._started = True
            if self.s.node_claim is not None:
                await self.reclaim_own()
        await self._housekeeping()
        free = self.trunks.capacity - len(self.active)
        if free <= 0:
            return 0
        # Bridged calls (sendSip) ring a phone through this process's SIP port: only a process serving the
        # `sip` role too takes them (docs/deploy.md).
        types = None if self.s.caches.get("sip_server") is not None else UNBRIDGED
        async with self.s.db.write() as conn:
            claimed = await store.claim_due(
                conn,
                now=self.s.clock.now(),
                lease=LEASE,
                limit=min(batch, free),
                per_account=self.s.settings.max_calls_per_account,
                owner=self.owner,
                types=types,
            )
        for row in claimed:
            hangup = asyncio.Event()
            task = asyncio.get_running_loop().create_task(self._call(row, hangup), name=f"call-{row['voice_id']}")
            self.active[int(row["id"])] = (task, hangup)
            task.add_done_callback(self._forget(int(row["id"])))
        return len(claimed)

    def _forget(self, key: int) -> Callable[[asyncio.Task[None]], None]:
        def forget(_task: asyncio.Task[None]) -> None:
            self.active.pop(key, None)

        return forget

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if self.active and now - self._renewed >= RENEW_EVERY:
            self._renewed = now
            async with self.s.db.write() as conn:
                await store.renew_leases(conn, list(self.active), self.s.clock.now() + LEASE, self.owner)
        if now - self._swept >= SWEEP_EVERY:
            self._swept = now
            while await self.sweep() == SWEEP_BATCH:
                pass
            await self.trunks.reload_routes()
        if now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            await AudioFiles(self.s).prune()

    def _audio(self, row: dict[str, Any]) -> bytes | None:
        kind, _, key = row["audio"].partition(":")
        path = AudioFiles(self.s).path(key) if kind == "file" else Tts(self.s).path(key)
        try:
            return path.read_bytes()
        except OSError:
            return None

    async def _call(self, row: dict[str, Any], hangup: asyncio.Event) -> None:
        try:
            if row["type"] in BRIDGED:
                from switchboard.workers.bridged import place_bridged

                await place_bridged(self, row, hangup)
                return
            result = await self._place(row, hangup)
            await self.settle(row, result)
        except NotOurs:
            log.warning("call %s changed holder before it was dialled: not dialled here", row["voice_id"])
        except Exception:
            log.exception("call %s failed; its lease will expire and it ends as lost", row["voice_id"])

    async def _place(self, row: dict[str, Any], hangup: asyncio.Event) -> CallResult:
        now = self.s.clock.time()
        audio = self._audio(row)
        if audio is None:
            return CallResult(500, "Audio not available", None, False, now, ended_at=now)
        return await self.through_trunks(row, hangup, audio=audio)

    async def through_trunks(
        self,
        row: dict[str, Any],
        hangup: asyncio.Event,
        *,
        audio: bytes = b"",
        bridge: Bridged | None = None,
        dialled: bool = False,
    ) -> CallResult:
        """The call through the trunks its route names, in failover order (the next one only when a trunk
        failed before reaching the callee), each trunk's pace and concurrency respected. The call is marked
        dialled just before the first INVITE, unless ``dialled`` says it was already (a bridged call's phone
        leg came first)."""
        now = self.s.clock.time()
        names = self.trunks.choose(row)
        if not names:
            return CallResult(termination.NO_ROUTE, "No route to destination", None, False, now, ended_at=now)
        result: CallResult | None = None
        marked = dialled

        async def mark() -> None:
            nonlocal marked
            await self.mark_dialing(row)
            marked = True

        loop = asyncio.get_running_loop()
        for name in names:
            slot = self.trunks.slots[name]
            request = CallRequest(
                voice_id=row["voice_id"],
                callee=row["callee"],
                caller_id=row["display_num"] or slot.caller_id,
                audio=audio,
                loops=row["loop_count"],
                max_ringing=float(row["max_ringing"]),
                max_duration=float(row["max_duration"]) if row["max_duration"] else None,
                before_invite=None if marked else mark,
                bridge=bridge,
            )
            async with slot.limit:
                wait = slot.pacer.reserve(loop.time())
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(hangup.wait(), wait)
                if hangup.is_set():
                    break
                self.counters["placed"] += 1
                result = await slot.trunk.place(request, hangup)
            if not result.failover:
                break
        if result is None:
            now = self.s.clock.time()
            return CallResult(487, termination.SHUTDOWN, None, False, now, ended_at=now)
        return result

    async def mark_dialing(self, row: dict[str, Any]) -> None:
        """Record that this worker dials the call now; raises NotOurs when it may not (docs/voice.md)."""
        async with self.s.db.write() as conn:
            if not await store.mark_dialing(conn, int(row["id"]), self.owner, self.s.clock.now()):
                raise NotOurs(row["voice_id"])

    async def settle(self, row: dict[str, Any], result: CallResult, extra: dict[str, Any] | None = None) -> None:
        """Record an attempt: final (charge, refund, push), again later (recall), or again now (shutdown);
        ``extra`` columns go into the final record (a bridged call's recording)."""
        seconds = billing.duration(result.answered_at, result.ended_at, row["limit_seconds"])
        charged = billing.charge(seconds, block=row["bill_block"], price=row["price"], answered=result.answered)
        values: dict[str, Any] = {
            "trunk": result.trunk or None,
            "termination_code": str(result.code),
            "termination_reason": result.reason[:100],
            "sip_code": str(result.sip_code) if result.sip_code else None,
            "keys": result.keys[:32],
            "call_at": when(result.started_at),
            "ringing_at": when(result.ringing_at),
            "answer_at": when(result.answered_at),
            "hangup_at": when(result.ended_at),
            "call_duration": seconds,
            "charged_duration": charged.seconds,
        }
        # The trunk's caller id was sent: the final record says so (a recall keeps choosing it afresh).
        sent = {"display_num": result.caller_id[:20]} if not row["display_num"] and result.caller_id.isdigit() else {}
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            if result.answered:
                self.counters["answered"] += 1
            elif result.reason == termination.SHUTDOWN:
                values = {"status": store.QUEUED, "due_at": now, "attempts": max(0, row["attempts"] - 1)}
                await store.end_attempt(conn, row["id"], values)
                self.counters["requeued"] += 1
                return
            elif row["attempts"] <= row["recall_count"]:
                due = now + timedelta(minutes=row["recall_interval"])
                await store.end_attempt(conn, row["id"], {**values, "status": store.QUEUED, "due_at": due})
                self.counters["requeued"] += 1
                return
            final = {**values, **sent, **(extra or {}), "status": store.DONE, "cost": charged.cost}
            await finalize(conn, row, final, now)

    async def sweep(self, limit: int = SWEEP_BATCH, *, node: bool = False) -> int:
        """Take back the calls of a holder that died (its lease ran out; with ``node``, an earlier process of
        this node): never dialled -> queued again; dialled -> lost, refunded, pushed. Returns how many."""
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            found = await store.orphaned(
                conn, now=now, limit=limit, node_prefix=self.node if node else None, other_than=self.owner
            )
            found = [o for o in found if o.id not in self.active]
            requeued = await store.requeue_undialed(conn, [o.id for o in found if not o.dialed], now)
            lost = [o.id for o in found if o.dialed]
            for call_id in lost:
                values = {
                    "status": store.DONE,
                    "cost": 0,
                    "termination_code": "500",
                    "termination_reason": "Call state lost (worker stopped)",
                }
                await finalize(conn, {"id": call_id}, values, now)
        self.counters["lost"] += len(lost)
        self.counters["reclaimed"] += requeued
        if requeued:
            log.warning("%d claimed calls that were never dialled are queued again", requeued)
            self.s.wake("voice")
        return requeued + len(lost)

    async def stop(self) -> None:
        """Hang up or cancel the calls in progress and wait (briefly) for them to settle."""
        for _task, hangup in self.active.values():
            hangup.set()
        tasks = [task for task, _ in self.active.values()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=STOP_WAIT)
            for task in pending:
                task.cancel()


async def finalize(conn: AsyncConnection, row: dict[str, Any], values: dict[str, Any], now: datetime) -> None:
    """Make a calling call final once: refund what it did not use and queue its V23 push."""
    done = await store.end_attempt(conn, row["id"], values)
    if done is None:
        return
    settled = billing.settle(reserved=done["reserved"], paid_gift=done["paid_gift"], cost=done["cost"])
    if settled.refund_balance or settled.refund_gift:
        await tenants.move_money(
            conn,
            account_id=done["account_id"],
            kind="refund",
            balance_delta=settled.refund_balance,
            gift_delta=settled.refund_gift,
            reference=f"call {done['voice_id']}",
            now=now,
        )
    app = await tenants.get_app(conn, done["app_id"])
    if app is not None and app.call_url:
        body = orjson.dumps(records.push(done)).decode()
        await pushes.enqueue(
            conn,
            account_id=done["account_id"],
            app_id=app.app_id,
            kind="call",
            ref=done["voice_id"],
            url=app.call_url,
            body=body,
            now=now,
        )


async def run_voice(services: Services, stop: asyncio.Event, *, trunks: TrunkSet | None = None) -> None:
    """The ``voice`` worker role."""
    trunk_set = trunks or TrunkSet(services)
    await trunk_set.start()
    engine = VoiceEngine(services, trunk_set)
    services.caches["voice_engine"] = engine
    wake = services.wakeups.setdefault("voice", asyncio.Event())
    health = asyncio.create_task(watch_trunks(trunk_set, stop), name="voice-trunk-health")
    try:
        await run_loop("voice", engine.step, stop=stop, poll=services.settings.worker_poll, wake=wake)
    finally:
        health.cancel()
        await engine.stop()
        await trunk_set.stop()


async def watch_trunks(trunk_set: TrunkSet, stop: asyncio.Event, interval: float = HEALTH_INTERVAL) -> None:
    """OPTIONS pings to the trunks until ``stop`` (connectors.voice.trunk_health)."""
    while not stop.is_set():
        try:
            await trunk_set.health.check({name: slot.trunk for name, slot in trunk_set.slots.items()})
        except Exception:
            log.exception("trunk health check failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
