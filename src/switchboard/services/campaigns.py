"""Group-call tasks (campaigns): create one (V14), list them (V15), read one (V16).

Creating follows the voice shape: check the request (pure ``domain/voice/campaigns.py``), find the audio
(an uploaded file, a file uploaded with the task, or TTS rendered now), price every number, then one
transaction inserts the task and its numbers (COPY on PostgreSQL) and debits the price of every number's
longest call into the task's pool (-10 changes nothing). The runner (``workers/campaigns.py``) calls them.
Changing tasks (V17-V20) is in ``services/campaign_changes.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.fx import exchange_for
from switchboard.domain.pricing import PriceList
from switchboard.domain.voice import billing
from switchboard.domain.voice import campaigns as rules
from switchboard.domain.voice.campaign_numbers import classify_many
from switchboard.domain.voice.campaign_views import detail, summary
from switchboard.domain.voice.validation import DIGITS_7_15, int_field, text_field, voice_error
from switchboard.errors import ApiError, Product
from switchboard.services.audio import AudioFiles
from switchboard.services.context import Services
from switchboard.services.tts import Tts
from switchboard.services.voice import VoiceOptions
from switchboard.store import campaigns as store
from switchboard.store import catalog, tenants
from switchboard.store import voice as voice_store

MAX_JOB_ID = 2**62
OPEN = (rules.WAITING, rules.CALLING, rules.SUSPENDED)  # tasks that count toward the app option max_tasks


@dataclass(frozen=True)
class Audio:
    """The audio a task plays: ``file:<fileId>`` or ``tts:<key>``, and its length."""

    ref: str
    duration_ms: int
    voice_file_id: str | None
    uploaded: bool = False  # uploaded with the task (removed again if the task is refused)


@contextmanager
def name_taken_as_41() -> Iterator[None]:
    """A task name taken by a concurrent request (the unique index) answers -41, as the check before does."""
    try:
        yield
    except store.NameTaken as exc:
        raise voice_error(-41) from exc


def job_id(value: Any, name: str = "keyId") -> int:
    """A task id of the request (-22 when missing or not an integer)."""
    if isinstance(value, bool) or value is None or value == "":
        raise voice_error(-22, f"{name} is required")
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise voice_error(-22, f"{name} is an integer") from exc
    if not 0 < number < MAX_JOB_ID:
        raise voice_error(-22, f"{name} is a task id")
    return number


class CampaignService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # ---- V14 -------------------------------------------------------------------------------------------

    async def send(
        self, principal: Principal, params: dict[str, Any], *, targets: list[rules.Target] | None = None
    ) -> int:
        """V14: accept a task (of ``targets`` when given: a resend); answers its jobId."""
        assert principal.app is not None
        request = rules.check_task(params, numbers=targets is None)
        if targets is not None:
            request = replace(request, targets=targets)
        zone = principal.account.timezone
        send_at = rules.parse_send_time(request.send_time, zone) if request.send_time else None
        opts = VoiceOptions.of(principal.app.options)
        async with self.s.db.read() as conn:
            await self.check_refs(conn, principal, request, params)
            if await store.name_taken(conn, principal.account.id, request.task_name):
                raise voice_error(-41)
            if opts.max_tasks and await store.count_open_tasks(conn, principal.account.id, OPEN) >= opts.max_tasks:
                raise voice_error(-37)
            prices = await self._prices(conn, principal)
        audio = await self.audio(principal, request)
        try:
            limit = billing.call_limit(audio.duration_ms, request.loop_count, request.max_calls)
            rows, first_country = self._numbers(request.targets, prices, limit, opts.bill_block)
            if not any(r["state"] == store.PENDING for r in rows):
                has_possible = any(r["country"] for r in rows)
                raise voice_error(-26 if has_possible else -21, "no number of the task can be called")
            values = self._task_values(principal, request, audio, send_at, opts.bill_block, rows)
            values["options"] = {**values["options"], "code": first_country}
            return await self._commit(principal, values, rows)
        except ApiError:
            if audio.uploaded and audio.voice_file_id:
                async with self.s.db.write() as conn:
                    await voice_store.mark_deleted(
                        conn, [audio.voice_file_id], principal.account.id, self.s.clock.now()
                    )
            raise

    async def check_refs(
        self, conn: AsyncConnection, principal: Principal, request: rules.TaskRequest, params: dict[str, Any]
    ) -> None:
        """What the request names must exist: the hang-up SMS app (an SMS app of the account), the audio file,
        and with toSeat the agent group (-24: there are no agent groups until the call center exists)."""
        if request.sms is not None:
            app = await tenants.get_app(conn, request.sms.app_id)
            if app is None:
                raise voice_error(-24, "no such smsAppId")
            if app.account_id != principal.account.id or app.product != Product.SMS.value:
                raise voice_error(-52, "smsAppId is not an SMS app of this account")
        if request.source == 1 and request.voice_file_id is not None:
            if await voice_store.get_file(conn, request.voice_file_id, principal.account.id) is None:
                raise voice_error(-48)
        if request.to_seat:
            int_field(params, "sipGroupId", 1, MAX_JOB_ID)
            raise voice_error(-24, "no agent group: transfer to agents needs the call center")

    async def audio(self, principal: Principal, request: rules.TaskRequest) -> Audio:
        if request.source == 3:
            assert request.text is not None and request.lan is not None
            rendered = await Tts(self.s).render(request.text, request.lan)
            return Audio(f"tts:{rendered.key}", rendered.duration_ms, None)
        uploaded = False
        file_id = request.voice_file_id
        if request.source == 2:
            file_id = await AudioFiles(self.s).upload(principal, request.upload_name, request.base_file)
            uploaded = True
        assert file_id is not None
        async with self.s.db.read() as conn:
            row = await voice_store.get_file(conn, file_id, principal.account.id)
        if row is None:
            raise voice_error(-48)
        return Audio(f"file:{file_id}", int(row["duration_ms"]), file_id, uploaded)

    async def _prices(self, conn: AsyncConnection, principal: Principal) -> PriceList:
        account = principal.account
        rates = await catalog.load_rates(conn, Product.VOICE.value, account.id)
        return PriceList(rates, account_id=account.id, currency=account.currency)

    @staticmethod
    def _numbers(
        targets: list[rules.Target], prices: PriceList, limit: int, block: int
    ) -> tuple[list[dict[str, Any]], str]:
        """One row per number: pending with its price and reservation, or invalid (not possible, no rate)."""
        classified = classify_many([t.raw if DIGITS_7_15.match(t.raw) else "" for t in targets])
        rows: list[dict[str, Any]] = []
        reservations: dict[int, int] = {}
        first_country = ""
        for seq, (target, number) in enumerate(zip(targets, classified, strict=True)):
            rate = prices.rate_for(number.country, number.digits) if number else None
            price = rate.price if rate else 0
            if rate and price not in reservations:
                reservations[price] = billing.reservation(limit, block=block, price=price)
            if number and not first_country:
                first_country = str(number.calling_code)
            rows.append(
                {
                    "seq": seq,
                    "callee": number.digits if number else target.raw[:20],
                    "country": number.country if number else "",
                    "price": price,
                    "reserved": reservations[price] if rate else 0,
                    "text1": target.texts[0],
                    "text2": target.texts[1],
                    "text3": target.texts[2],
                    "text4": target.texts[3],
                    "text5": target.texts[4],
                    "state": store.PENDING if rate else store.INVALID,
                }
            )
        return rows, first_country

    def _task_values(
        self,
        principal: Principal,
        request: rules.TaskRequest,
        audio: Audio,
        send_at: datetime | None,
        block: int,
        rows: list[dict[str, Any]],
    ) -> dict[str, Any]:
        assert principal.app is not None
        now = self.s.clock.now()
        sms = request.sms
        return {
            "account_id": principal.account.id,
            "app_id": principal.app.app_id,
            "api_key": principal.key.api_key,
            "task_name": request.task_name,
            "status": rules.WAITING,
            "source": request.source,
            "voice_file_id": audio.voice_file_id,
            "upload_name": request.upload_name,
            "text": request.text,
            "lan": request.lan,
            "audio": audio.ref,
            "audio_ms": audio.duration_ms,
            "display_num": request.display_num,
            "send_at": send_at,
            "loop_count": request.loop_count,
            "max_calls": request.max_calls,
            "max_ringing": request.max_ringing,
            "windows": [w.label() for w in request.windows],
            "zone": principal.account.timezone,
            "sms": sms.__dict__ if sms else None,
            "options": {"toSeat": int(request.to_seat)},
            "num_cnt": len(rows),
            "invalid_cnt": sum(1 for r in rows if r["state"] == store.INVALID),
            "bill_block": block,
            "currency": principal.account.currency,
            # The exchange at acceptance: every call of the task records it (and a resend snapshots afresh).
            "quote_exchange": exchange_for(
                principal.account.currency, self.s.settings.settle_currency, self.s.settings.exchange_rates
            ),
            "created_at": now,
            "updated_at": now,
        }

    async def _commit(self, principal: Principal, values: dict[str, Any], rows: list[dict[str, Any]]) -> int:
        total = sum(r["reserved"] for r in rows)
        now = self.s.clock.now()
        with name_taken_as_41():
            campaign_id = await self._store(principal, values, rows, total, now)
        self.s.wake("campaigns")
        return campaign_id

    async def _store(
        self, principal: Principal, values: dict[str, Any], rows: list[dict[str, Any]], total: int, now: datetime
    ) -> int:
        async with self.s.db.write() as conn:
            campaign_id = await store.insert_campaign(conn, {**values, "reserved": total, "pool": total})
            for row in rows:
                row["campaign_id"] = campaign_id
            await store.insert_numbers(conn, rows)
            from_gift = await tenants.debit(
                conn, account_id=principal.account.id, cost=total, reference=f"task {campaign_id}", now=now
            )
            if from_gift is None:
                raise voice_error(-10)
            if from_gift:
                await store.update_campaign(conn, campaign_id, pool_gift=from_gift)
        return campaign_id

    # ---- V15 / V16 -------------------------------------------------------------------------------------

    async def query(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        """V15: the account's tasks created in a window, newest first, paged."""
        current = int_field(params, "current", 1, 1_000_000) or 1
        size = int_field(params, "size", 1, 100) or 25
        filters = params.get("params")
        filters = filters if isinstance(filters, dict) else params
        zone = principal.account.timezone
        start_raw, end_raw = text_field(filters, "strTime"), text_field(filters, "endTime")
        if start_raw is None or end_raw is None:
            raise voice_error(-22, "params.strTime and params.endTime are required")
        start, end = rules.parse_send_time(start_raw, zone), rules.parse_send_time(end_raw, zone)
        if end < start:
            raise voice_error(-25, "endTime is before strTime")
        statuses = _status_list(filters.get("statusList"))
        if text_field(filters, "taskType") not in (None, "1", "2"):
            return _page([], 0, current, size)  # AI-Agent group calls (taskType 3) are not tasks of this product
        async with self.s.db.read() as conn:
            total, rows = await store.page_campaigns(
                conn,
                account_id=principal.account.id,
                start=start,
                end=end,
                statuses=statuses,
                app_id=text_field(filters, "idxAppId"),
                search=text_field(filters, "searchCondition"),
                offset=(current - 1) * size,
                limit=size,
            )
        return _page([summary(r) for r in rows], total, current, size)

    async def detail(self, principal: Principal, raw_id: str) -> dict[str, Any]:
        """V16: one task of the account with its counts (-24 when it is not one)."""
        campaign_id = job_id(raw_id, "id")
        async with self.s.db.read() as conn:
            row = await store.get_campaign(conn, campaign_id, account_id=principal.account.id)
        if row is None:
            raise voice_error(-24)
        return detail(row)


def _status_list(raw: Any) -> list[int] | None:
    if raw in (None, "", []):
        return None
    items = raw if isinstance(raw, list) else str(raw).split(",")
    try:
        statuses = [int(str(item).strip()) for item in items]
    except ValueError as exc:
        raise voice_error(-22, "statusList holds task states 0-6") from exc
    if not all(0 <= s <= 6 for s in statuses):
        raise voice_error(-22, "statusList holds task states 0-6")
    return statuses


def _page(records: list[dict[str, Any]], total: int, current: int, size: int) -> dict[str, Any]:
    return {
        "total": total,
        "size": size,
        "current": current,
        "pages": math.ceil(total / size),
        "searchCount": True,
        "records": records,
    }
