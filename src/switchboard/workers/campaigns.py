"""The ``campaigns`` worker role: runs group-call tasks on the voice engine.

Each step:
1. **Harvest**: numbers whose call the voice worker has made final become final themselves (success when the
   callee answered), in one transaction with the task's counters; a hang-up SMS that the task's rules ask
   for is marked due.
2. **Hang-up SMS**: each due SMS goes through the SMS product (priced, debited and queued like any SMS), and
   the number is marked sent in that same transaction, so a restart never sends it twice.
3. **Advance** each live task: a waiting task whose ``sendTime`` has come and whose window is open starts
   calling; a calling task outside its windows waits again (its calls that no voice worker has claimed yet
   are taken back); a calling task gets new calls queued so that ``BUFFER`` of them wait for the voice worker,
   which paces them per trunk (CPS, concurrent calls); a task with no number left to call finishes and the
   rest of its reservation is refunded.

Several processes may run the role: numbers are claimed ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) and move by
conditional updates; SQLite has one writer. A call is never placed twice: a worker that dies mid-call leaves
its call to the voice worker's lease sweep (final, "Call state lost"), which the harvest then records.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.domain.voice import campaigns as rules
from switchboard.services.campaign_sms import HangUpSmsSender
from switchboard.services.context import Services
from switchboard.services.voice import GROUP, region_of
from switchboard.store import campaigns as store
from switchboard.store import tenants
from switchboard.store import voice as voice_store
from switchboard.workers.loop import run_loop

log = logging.getLogger("switchboard.campaigns")

BUFFER = 200  # calls of a task kept queued for the voice worker
HARVEST = 500  # final calls recorded per transaction
LIVE_TASKS = 200  # tasks advanced per step


class CampaignRunner:
    def __init__(self, services: Services, *, buffer: int = BUFFER) -> None:
        self.s = services
        self.buffer = buffer
        self.sms = HangUpSmsSender(services)

    async def step(self) -> int:
        done = await self.harvest()
        done += await self.sms.send_due()
        async with self.s.db.read() as conn:
            live = await store.live_campaigns(conn, rules.LIVE, LIVE_TASKS)
        for task in live:
            done += await self.advance(task)
        return done

    # ---- 1. harvest ------------------------------------------------------------------------------------

    async def harvest(self) -> int:
        async with self.s.db.read() as conn:  # most steps find nothing: no write lock for them (SQLite)
            if not await store.finished_calls(conn, 1, lock=False):
                return 0
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            rows = await store.finished_calls(conn, HARVEST)
            tasks: dict[int, dict[str, Any] | None] = {}
            for row in rows:
                campaign_id = int(row["campaign_id"])
                if campaign_id not in tasks:
                    tasks[campaign_id] = await store.get_campaign(conn, campaign_id)
                await self._record(conn, row, tasks[campaign_id], now)
        return len(rows)

    async def _record(
        self, conn: AsyncConnection, row: dict[str, Any], task: dict[str, Any] | None, now: datetime
    ) -> None:
        answered = row["answer_at"] is not None
        keys = str(row["keys"] or "")
        outcome = rules.Outcome(
            answered=answered,
            rang=row["ringing_at"] is not None,
            keys=keys,
            talk_seconds=int(row["call_duration"]),
        )
        sms_rules = _sms_rules(task)
        values = {
            "result": store.SUCCESS if answered else store.FAIL,
            "termination_code": row["termination_code"],
            "keys": keys,
            "call_duration": int(row["call_duration"]),
            "cost": int(row["cost"]),
            "finished_at": now,
            "sms": store.SMS_DUE if sms_rules and rules.sms_due(sms_rules, outcome) else None,
        }
        if not await store.finish_number(conn, int(row["id"]), values):
            return
        await store.add_counters(
            conn,
            int(row["campaign_id"]),
            now,
            called=1,
            success=int(answered),
            fail=int(not answered),
            rang=int(outcome.rang),
            key_feedback=int(bool(keys)),
            call_duration=int(row["call_duration"]),
            charge_len=int(row["charged_duration"]),
            cost=int(row["cost"]),
        )

    # ---- 3. advance ------------------------------------------------------------------------------------

    async def advance(self, task: dict[str, Any]) -> int:
        now = self.s.clock.now()
        windows = rules.windows_of(task["windows"])
        due = task["send_at"] is None or task["send_at"] <= now
        open_now = due and rules.in_window(windows, now, task["zone"])
        campaign_id = int(task["id"])
        if task["status"] == rules.WAITING:
            if not open_now:
                return 0
            async with self.s.db.write() as conn:
                started = task["started_at"] or now
                if not await store.set_status(
                    conn, campaign_id, when=[rules.WAITING], status=rules.CALLING, now=now, started_at=started
                ):
                    return 0
            task = {**task, "status": rules.CALLING}
        if not open_now:
            await self.pause(campaign_id, to=rules.WAITING, when=[rules.CALLING])
            return 1
        return await self.feed(task)

    async def pause(self, campaign_id: int, *, to: int, when: list[int]) -> bool:
        """Move a task out of calling and take back its calls that no voice worker has claimed."""
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            if not await store.set_status(conn, campaign_id, when=when, status=to, now=now):
                return False
            _count, amount, gift = await store.unqueue_waiting(conn, campaign_id)
            if amount:
                await store.add_to_pool(conn, campaign_id, amount, gift)
        return True

    async def feed(self, task: dict[str, Any]) -> int:
        campaign_id = int(task["id"])
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            # The task's row is locked first: runners in other processes feed it one after the other.
            fresh = await store.get_campaign(conn, campaign_id, for_update=True)
            if fresh is None or fresh["status"] != rules.CALLING:
                return 0
            room = self.buffer - await store.count_waiting_calls(conn, campaign_id)
            if room <= 0:
                return 0
            pending = await store.claim_pending(conn, campaign_id, room)
            if not pending:
                return await self._maybe_finish(conn, fresh, now)
            calls = self._calls(fresh, pending, now)
            amount = sum(c["reserved"] for c in calls)
            gift = sum(c["paid_gift"] for c in calls)
            if not await store.take_from_pool(conn, campaign_id, amount, gift):
                log.error("task %s: its pool does not hold the reservation of its next calls", campaign_id)
                await store.set_status(conn, campaign_id, when=[rules.CALLING], status=rules.SUSPENDED, now=now)
                return 1
            await voice_store.insert_calls(conn, calls)
            moved = await store.mark_queued(
                conn, [(int(n["id"]), c["voice_id"]) for n, c in zip(pending, calls, strict=True)]
            )
            if moved != len(calls):
                raise RuntimeError(f"task {campaign_id}: numbers were queued by another runner")
        self.s.wake("voice")
        return len(calls)

    def _calls(self, task: dict[str, Any], pending: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        from switchboard.domain.numbers import classify

        gift_left = int(task["pool_gift"])
        limit = _limit(task)
        calls = []
        for number in pending:
            reserved = int(number["reserved"])
            paid_gift = min(reserved, gift_left)
            gift_left -= paid_gift
            parsed = classify(number["callee"])
            calls.append(
                {
                    "voice_id": self.s.msg_ids.next(),
                    "account_id": task["account_id"],
                    "app_id": task["app_id"],
                    "type": GROUP,
                    "callee": number["callee"],
                    "display_num": task["display_num"],
                    "country": number["country"],
                    "region": region_of(parsed)[:100] if parsed else number["country"],
                    "audio": task["audio"],
                    "audio_ms": task["audio_ms"],
                    "text": task["text"],
                    "language": task["lan"],
                    "loop_count": task["loop_count"],
                    "max_duration": task["max_calls"],
                    "max_ringing": task["max_ringing"],
                    "called_info": f"task {task['id']}",
                    "status": voice_store.QUEUED,
                    "due_at": now,
                    "price": number["price"],
                    "bill_block": task["bill_block"],
                    "limit_seconds": limit,
                    "reserved": reserved,
                    "paid_gift": paid_gift,
                    "currency": task["currency"],
                    "quote_exchange": task["quote_exchange"],
                    "created_at": now,
                }
            )
        return calls

    async def _maybe_finish(self, conn: AsyncConnection, task: dict[str, Any], now: datetime) -> int:
        """No pending number: once no call of the task is in flight either, it is finished and refunded."""
        if await store.has_open_numbers(conn, int(task["id"])):
            return 0
        campaign_id = int(task["id"])
        if not await store.set_status(
            conn, campaign_id, when=[rules.CALLING], status=rules.FINISHED, now=now, finished_at=now
        ):
            return 0
        await refund_pool(conn, task, now)
        return 1


def _limit(task: dict[str, Any]) -> int:
    from switchboard.domain.voice import billing

    return billing.call_limit(int(task["audio_ms"]), int(task["loop_count"]), int(task["max_calls"]))


def _sms_rules(task: dict[str, Any] | None) -> rules.HangUpSms | None:
    if task is None or not task["sms"]:
        return None
    return rules.HangUpSms(**task["sms"])


async def refund_pool(conn: AsyncConnection, task: dict[str, Any], now: datetime) -> None:
    """Refund what the task reserved and no call used (numbers never called)."""
    amount, gift = await store.empty_pool(conn, int(task["id"]))
    if amount:
        await tenants.move_money(
            conn,
            account_id=int(task["account_id"]),
            kind="refund",
            balance_delta=amount - gift,
            gift_delta=gift,
            reference=f"task {task['id']}",
            now=now,
        )


async def run_campaigns(services: Services, stop: asyncio.Event) -> None:
    """The ``campaigns`` worker role."""
    runner = CampaignRunner(services)
    services.caches["campaign_runner"] = runner
    wake = services.wakeups.setdefault("campaigns", asyncio.Event())
    await run_loop("campaigns", runner.step, stop=stop, poll=services.settings.worker_poll, wake=wake)
