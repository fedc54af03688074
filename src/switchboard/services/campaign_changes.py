"""Changing group-call tasks: update (V17), resend (V18), suspend (V19), resume, cancel, resend with AI (V20).

| request | codes |
|---|---|
| update | -22 keyId/fields, -24 not a task of the account, -43 not waiting or suspended, -41 name taken, -10 |
| resend | -22, -24, -42 not finished or cancelled, -41, -34 no failed number, -35 no number called, -10 |
| provisional, continue, cancel | -22 no jobIdList, -21 not ids, -23 > 100, -24 unknown, -20 already, -54 state |
| resend/ai | as resend, then -24: there are no AI scripts until intelligent voice exists |
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice import billing
from switchboard.domain.voice import campaigns as rules
from switchboard.domain.voice.validation import int_field, text_field, voice_error
from switchboard.services.campaigns import Audio, CampaignService, job_id, name_taken_as_41
from switchboard.services.context import Services
from switchboard.store import campaigns as store
from switchboard.store import tenants
from switchboard.workers.campaigns import refund_pool

MAX_IDS = 100


def job_ids(params: dict[str, Any]) -> list[int]:
    raw = params.get("jobIdList")
    if raw in (None, "", []):
        raise voice_error(-22, "jobIdList is required")
    items = raw if isinstance(raw, list) else str(raw).split(",")
    if len(items) > MAX_IDS:
        raise voice_error(-23, f"at most {MAX_IDS} ids")
    try:
        ids = [int(str(item).strip()) for item in items if not isinstance(item, bool)]
    except ValueError as exc:
        raise voice_error(-21, "jobIdList holds task ids") from exc
    if len(ids) != len(items) or not all(0 < i < 2**62 for i in ids):
        raise voice_error(-21, "jobIdList holds task ids")
    return list(dict.fromkeys(ids))


class CampaignChanges:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _owned(self, conn: AsyncConnection, principal: Principal, campaign_id: int) -> dict[str, Any]:
        row = await store.get_campaign(conn, campaign_id, account_id=principal.account.id, for_update=True)
        if row is None:
            raise voice_error(-24)
        return row

    # ---- V19 and its companions ---------------------------------------------------------------------------

    async def _move_all(
        self, principal: Principal, params: dict[str, Any], *, allowed: tuple[int, ...], to: int
    ) -> list[dict[str, Any]]:
        """Move every listed task to ``to`` (all or none); returns the tasks as they were."""
        ids = job_ids(params)
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            tasks = [await self._owned(conn, principal, i) for i in ids]
            for task in tasks:
                if task["status"] == to:
                    raise voice_error(-20, f"task {task['id']} is already in state {to}")
                if task["status"] not in allowed:
                    raise voice_error(-54, f"task {task['id']} is in state {task['status']}")
            for task in tasks:
                await store.set_status(conn, int(task["id"]), when=allowed, status=to, now=now)
                if to in (rules.SUSPENDED, rules.CANCELLED):
                    _n, amount, gift = await store.unqueue_waiting(conn, int(task["id"]))
                    if amount:
                        await store.add_to_pool(conn, int(task["id"]), amount, gift)
                if to == rules.CANCELLED:
                    await store.update_campaign(conn, int(task["id"]), finished_at=now)
                    await refund_pool(conn, task, now)
        self.s.wake("campaigns")
        return tasks

    async def suspend(self, principal: Principal, params: dict[str, Any]) -> None:
        """V19: waiting or calling tasks stop placing calls (calls in progress end normally)."""
        await self._move_all(principal, params, allowed=rules.LIVE, to=rules.SUSPENDED)

    async def resume(self, principal: Principal, params: dict[str, Any]) -> None:
        """Suspended tasks wait for their time and window again, then call the numbers left."""
        await self._move_all(principal, params, allowed=(rules.SUSPENDED,), to=rules.WAITING)

    async def cancel(self, principal: Principal, params: dict[str, Any]) -> None:
        """Waiting, calling or suspended tasks end; what their uncalled numbers reserved is refunded."""
        await self._move_all(principal, params, allowed=(*rules.LIVE, rules.SUSPENDED), to=rules.CANCELLED)

    # ---- V17 ---------------------------------------------------------------------------------------------

    async def update(self, principal: Principal, params: dict[str, Any]) -> int:
        """V17: change a waiting or suspended task (its numbers stay); the reservation follows the new limit."""
        campaign_id = job_id(params.get("keyId"))
        request = rules.check_task(params, numbers=False)
        zone = principal.account.timezone
        send_at = rules.parse_send_time(request.send_time, zone) if request.send_time else None
        service = CampaignService(self.s)
        async with self.s.db.read() as conn:
            task = await store.get_campaign(conn, campaign_id, account_id=principal.account.id)
            if task is None:
                raise voice_error(-24)
            if task["status"] not in rules.EDITABLE:
                raise voice_error(-43)
            await service.check_refs(conn, principal, request, params)
            if await store.name_taken(conn, principal.account.id, request.task_name, other_than=campaign_id):
                raise voice_error(-41)
        audio = await service.audio(principal, request)
        limit = billing.call_limit(audio.duration_ms, request.loop_count, request.max_calls)
        now = self.s.clock.now()
        with name_taken_as_41():
            await self._store_update(principal, campaign_id, request, audio, limit, send_at, now)
        self.s.wake("campaigns")
        return campaign_id

    async def _store_update(
        self,
        principal: Principal,
        campaign_id: int,
        request: rules.TaskRequest,
        audio: Audio,
        limit: int,
        send_at: datetime | None,
        now: datetime,
    ) -> None:
        async with self.s.db.write() as conn:
            task = await self._owned(conn, principal, campaign_id)
            if task["status"] not in rules.EDITABLE:
                raise voice_error(-43)
            await self._reprice(conn, task, limit, reference=f"task {campaign_id} update")
            await store.update_campaign(
                conn,
                campaign_id,
                task_name=request.task_name,
                source=request.source,
                voice_file_id=audio.voice_file_id,
                upload_name=request.upload_name,
                text=request.text,
                lan=request.lan,
                audio=audio.ref,
                audio_ms=audio.duration_ms,
                display_num=request.display_num,
                send_at=send_at,
                loop_count=request.loop_count,
                max_calls=request.max_calls,
                max_ringing=request.max_ringing,
                windows=[w.label() for w in request.windows],
                sms=request.sms.__dict__ if request.sms else None,
                updated_at=now,
            )

    async def _reprice(self, conn: AsyncConnection, task: dict[str, Any], limit: int, *, reference: str) -> None:
        """Set the reservation of the task's pending numbers for a new call limit: debit the difference into
        the pool (-10 if the balance does not cover it) or refund it from the pool."""
        block = int(task["bill_block"])
        groups = await store.pending_prices(conn, int(task["id"]))
        by_price = {price: billing.reservation(limit, block=block, price=price) for price, _n, _r in groups}
        delta = sum(by_price[price] * n - reserved for price, n, reserved in groups)
        now = self.s.clock.now()
        if delta > 0:
            from_gift = await tenants.debit(
                conn, account_id=int(task["account_id"]), cost=delta, reference=reference, now=now
            )
            if from_gift is None:
                raise voice_error(-10)
            await store.add_to_pool(conn, int(task["id"]), delta, from_gift, debited=delta)
        elif delta < 0:
            gift_back = min(int(task["pool_gift"]), -delta)
            if not await store.take_from_pool(conn, int(task["id"]), -delta, gift_back):
                raise voice_error(-18, "the task's reservation is not where it should be")
            await store.add_to_pool(conn, int(task["id"]), 0, 0, debited=delta)
            await tenants.move_money(
                conn,
                account_id=int(task["account_id"]),
                kind="refund",
                balance_delta=-delta - gift_back,
                gift_delta=gift_back,
                reference=reference,
                now=now,
            )
        await store.set_reservations(conn, int(task["id"]), by_price)

    # ---- V18 / V20 ---------------------------------------------------------------------------------------

    async def resend(self, principal: Principal, params: dict[str, Any]) -> int:
        """V18: a new task calling the numbers of a finished or cancelled one again (all, or those that
        failed: ``resendType`` 1) with the options of the request; answers the new task's id."""
        campaign_id = job_id(params.get("keyId"))
        failed_only = (int_field(params, "resendType", 0, 1) or 0) == 1
        async with self.s.db.read() as conn:
            old = await store.get_campaign(conn, campaign_id, account_id=principal.account.id)
            if old is None:
                raise voice_error(-24)
            if old["status"] not in rules.RESENDABLE:
                raise voice_error(-42)
            targets = await store.resend_targets(conn, campaign_id, failed_only=failed_only)
        if not targets:
            raise voice_error(-34 if failed_only else -35)
        return await CampaignService(self.s).send(principal, params, targets=targets)

    async def resend_ai(self, principal: Principal, params: dict[str, Any]) -> int:
        """V20: checked like the contract says; no AI script exists until intelligent voice does (-24)."""
        campaign_id = job_id(params.get("keyId"))
        if text_field(params, "taskName") is None:
            raise voice_error(-22, "taskName is required")
        if int_field(params, "resendType", 0, 1) is None:
            raise voice_error(-22, "resendType is required (0 all, 1 failed)")
        if int_field(params, "scriptId", 1, 2**31) is None:
            raise voice_error(-22, "scriptId is required")
        int_field(params, "maxRingingTime", 20, 120, code=-25)
        int_field(params, "enableRecording", 0, 1)
        int_field(params, "calloutRate", 1, 100)
        rules.check_windows(params)
        async with self.s.db.read() as conn:
            old = await store.get_campaign(conn, campaign_id, account_id=principal.account.id)
            if old is None:
                raise voice_error(-24)
            if old["status"] not in rules.RESENDABLE:
                raise voice_error(-42)
            if await store.name_taken(conn, principal.account.id, str(text_field(params, "taskName"))):
                raise voice_error(-20, "a task of that name exists")
        raise voice_error(-24, "no such AI script: intelligent voice scripts do not exist yet")
