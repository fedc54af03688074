"""The voice worker role: claim queued calls, place them through trunks, settle each one.

- Claiming: queued, due calls become ``calling`` with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) that
  the worker renews every 20 s while the call runs. A call whose lease ran out (its worker died) is ended
  as lost ("500"), never dialled twice, and its reservation is refunded.
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.connectors.voice.base import Bridged, CallRequest, CallResult, VoiceTrunk
from switchboard.connectors.voice.simulated import SimulatedCallee, start_simulated_callee
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.connectors.voice.trunk_health import INTERVAL as HEALTH_INTERVAL
from switchboard.connectors.voice.trunk_health import TrunkHealth
from switchboard.domain.routing import Route, choose_carriers
from switchboard.domain.voice import billing, records, termination
from switchboard.domain.voice.pacing import CpsPacer
from switchboard.domain.voice.scenarios import CalleeScenario
from switchboard.services.audio import AudioFiles
from switchboard.services.context import Services
from switchboard.services.tts import Tts
from switchboard.store import pushes, tenants
from switchboard.store import voice as store
from switchboard.workers.loop import run_loop

log = logging.getLogger("switchboard.voice")

LEASE = timedelta(seconds=60)
RENEW_EVERY = 20.0
SWEEP_EVERY = 10.0
PRUNE_EVERY = 3600.0
STOP_WAIT = 5.0
MAX_ACTIVE = 500
BUILTIN = "sandbox"
BRIDGED = (3, 4)  # sendSip calls and a phone's own calls: two legs bridged (workers/bridged.py)
UNBRIDGED = (1, 2)


@dataclass
class Slot:
    trunk: VoiceTrunk
    limit: asyncio.Semaphore
    pacer: CpsPacer
    capacity: int
    caller_id: str | None = None


def when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class TrunkSet:
    """The trunks of this worker (built from the trunks table, or given by a test) and the voice routes."""

    def __init__(self, services: Services, trunks: dict[str, tuple[VoiceTrunk, int, int]] | None = None) -> None:
        self.s = services
        self.given = trunks
        self.slots: dict[str, Slot] = {}
        self.routes: list[Route] = []
        self.callees: list[SimulatedCallee] = []
        self.health = TrunkHealth()

    async def start(self) -> None:
        async with self.s.db.read() as conn:
            rows = [t for t in await store.list_trunks(conn) if t.enabled]
            self.routes = await store.list_routes(conn)
        if self.given is not None:
            for name, (trunk, cps, concurrent) in self.given.items():
                await self._add(name, trunk, cps, concurrent)
            return
        for row in rows:
            try:
                await self._add(row.name, await self._build(row), row.cps, row.max_concurrent, row.caller_id)
            except (OSError, ValueError) as exc:
                log.error("trunk %s cannot start: %s", row.name, exc)
        if not self.slots:
            log.info("no SIP trunk configured: calls go to the built-in simulated callee")
            await self._add(BUILTIN, await self._simulated(BUILTIN, {}, None), 50, 500)

    async def _build(self, row: store.Trunk) -> VoiceTrunk:
        password = self.s.secrets.open(row.password_enc) if row.password_enc else None
        if row.type == "simulated":
            auth = (row.username, password) if row.username and password is not None else None
            return await self._simulated(row.name, row.config, auth, username=row.username, password=password)
        config = SipTrunkConfig(
            name=row.name,
            host=row.host,
            port=row.port,
            username=row.username,
            password=password,
            caller_id=row.caller_id,
            local_host=row.config.get("local_host"),
            local_port=int(row.config.get("local_port", 0)),
        )
        return SipTrunk(config, wall=self.s.clock.time)

    async def _simulated(
        self,
        name: str,
        scenario: dict[str, Any],
        auth: tuple[str, str] | None,
        *,
        username: str | None = None,
        password: str | None = None,
    ) -> VoiceTrunk:
        callee = await start_simulated_callee(CalleeScenario.of(scenario), auth=auth)
        self.callees.append(callee)
        host, port = callee.address
        config = SipTrunkConfig(
            name=name, host=host, port=port, local_host="127.0.0.1", username=username, password=password
        )
        return SipTrunk(config, wall=self.s.clock.time)

    async def _add(self, name: str, trunk: VoiceTrunk, cps: int, concurrent: int, caller_id: str | None = None) -> None:
        await trunk.start()
        self.slots[name] = Slot(trunk, asyncio.Semaphore(concurrent), CpsPacer(cps), concurrent, caller_id)

    async def reload_routes(self) -> None:
        async with self.s.db.read() as conn:
            self.routes = await store.list_routes(conn)

    def choose(self, row: dict[str, Any]) -> list[str]:
        return self.health.order(self._route(row))

    def _route(self, row: dict[str, Any]) -> list[str]:
        return choose_carriers(
            self.routes,
            list(self.slots),
            country=row["country"],
            number=row["callee"],
            account_id=row["account_id"],
            sender_id=None,
        )

    @property
    def capacity(self) -> int:
        return min(MAX_ACTIVE, sum(slot.capacity for slot in self.slots.values()))

    async def stop(self) -> None:
        for name, slot in self.slots.items():
            try:
                await slot.trunk.stop()
            except Exception:
                log.exception("trunk %s did not stop cleanly", name)
        for callee in self.callees:
            await callee.stop()
        self.slots.clear()


class VoiceEngine:
    def __init__(self, services: Services, trunks: TrunkSet) -> None:
        self.s = services
        self.trunks = trunks
        self.active: dict[int, tuple[asyncio.Task[None], asyncio.Event]] = {}
        self.counters = {"placed": 0, "answered": 0, "requeued": 0, "lost": 0}
        self._renewed = self._swept = self._pruned = time.monotonic()

    async def step(self, batch: int = 100) -> int:
        """Housekeeping, then claim what the trunks can take and start those calls; returns how many."""
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
                await store.renew_leases(conn, list(self.active), self.s.clock.now() + LEASE)
        if now - self._swept >= SWEEP_EVERY:
            self._swept = now
            await self.sweep()
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
        except Exception:
            log.exception("call %s failed; its lease will expire and it ends as lost", row["voice_id"])

    async def _place(self, row: dict[str, Any], hangup: asyncio.Event) -> CallResult:
        now = self.s.clock.time()
        audio = self._audio(row)
        if audio is None:
            return CallResult(500, "Audio not available", None, False, now, ended_at=now)
        return await self.through_trunks(row, hangup, audio=audio)

    async def through_trunks(
        self, row: dict[str, Any], hangup: asyncio.Event, *, audio: bytes = b"", bridge: Bridged | None = None
    ) -> CallResult:
        """The call through the trunks its route names, in failover order (the next one only when a trunk
        failed before reaching the callee), each trunk's pace and concurrency respected."""
        now = self.s.clock.time()
        names = self.trunks.choose(row)
        if not names:
            return CallResult(termination.NO_ROUTE, "No route to destination", None, False, now, ended_at=now)
        result: CallResult | None = None
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

    async def sweep(self, limit: int = 100) -> int:
        """End calls whose worker stopped renewing their lease: lost, refunded, pushed."""
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            ids = [i for i in await store.orphaned(conn, now=now, limit=limit) if i not in self.active]
            for call_id in ids:
                values = {
                    "status": store.DONE,
                    "cost": 0,
                    "termination_code": "500",
                    "termination_reason": "Call state lost (worker stopped)",
                }
                await finalize(conn, {"id": call_id}, values, now)
        self.counters["lost"] += len(ids)
        return len(ids)

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
