"""Voice use cases: place calls (sendGroup V6, sendCode V7), read records (V9-V12), manage trunks and routes.

Sending follows the SMS shape: validate -> price every callee (voice rate = price of one billing block)
-> one transaction that reserves the price of each call's longest possible length (a debit with a ledger
row) and inserts the calls, which are their own jobs -> answer with voiceIds. The voice worker places
them; ``switchboard.workers.voice`` settles each call (exact charge, refund of the rest, V23 push).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.fx import exchange_for
from switchboard.domain.numbers import Number
from switchboard.domain.pricing import PriceList
from switchboard.domain.routing import Route
from switchboard.domain.sms.validation import parse_time
from switchboard.domain.voice import billing, records
from switchboard.domain.voice.validation import check_code, check_group, int_field, voice_error
from switchboard.errors import OperatorError, Product
from switchboard.services.context import Services
from switchboard.services.routes import add_route
from switchboard.services.tts import Tts
from switchboard.store import catalog, tenants
from switchboard.store import voice as store

GROUP, CODE, SIP, DIRECT, INBOUND = 1, 2, 3, 4, 5
MESSAGE_TYPES = (GROUP, CODE)
SIP_TYPES = (SIP, DIRECT, INBOUND)
RECORD_WINDOW = timedelta(days=31)
RECORD_AGE = timedelta(days=62)
VOICE_ID = re.compile(r"^\d{19,20}$")


@dataclass(frozen=True)
class VoiceOptions:
    """Per-app voice options (``switchboard app update APP --option bill_block=30``)."""

    bill_block: int = billing.DEFAULT_BLOCK  # seconds per billing block (the rate is per block)
    long_text: int = 500  # characters above which a TTS text is "long" (-46)
    long_text_daily: int = 5  # long-text sendCode requests per account per UTC day
    max_tasks: int = 20  # group-call tasks waiting, calling or suspended at once per account (-37); 0 = no cap
    max_phones: int = 500  # SIP phones (sipAdd) an app holds at most (-23)
    record_calls: bool = True  # bridged calls (sendSip) are recorded (recordingFileId, getVoiceFile)
    sip_max_duration: int = 3600  # seconds a bridged call may last after the callee answers (its reservation)
    sip_ringing: int = 60  # seconds the phone, then the callee, may ring

    @classmethod
    def of(cls, options: dict[str, Any]) -> VoiceOptions:
        known = {k: options[k] for k in cls.__dataclass_fields__ if k in options}
        opts = cls(**known)
        return opts if opts.bill_block > 0 else cls(**{**known, "bill_block": billing.DEFAULT_BLOCK})


def region_of(number: Number) -> str:
    """``code`` of the records: the country, with the area where the numbering plan tells it."""
    import phonenumbers
    from phonenumbers import geocoder

    parsed = phonenumbers.parse("+" + number.digits)
    country = geocoder.country_name_for_number(parsed, "en") or number.country
    area = geocoder.description_for_number(parsed, "en")
    return f"{country}({area})" if area and area != country else str(country)


class VoiceService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def prices(self, conn: AsyncConnection, principal: Principal) -> PriceList:
        account = principal.account
        rates = await catalog.load_rates(conn, Product.VOICE.value, account.id)
        return PriceList(rates, account_id=account.id, currency=account.currency)

    def row(
        self, principal: Principal, number: Number, *, price: int, opts: VoiceOptions, limit: int, **values: Any
    ) -> dict[str, Any]:
        assert principal.app is not None
        now = self.s.clock.now()
        return {
            "voice_id": self.s.msg_ids.next(),
            "account_id": principal.account.id,
            "app_id": principal.app.app_id,
            "callee": number.digits,
            "country": number.country,
            "region": region_of(number)[:100],
            "status": store.QUEUED,
            "due_at": now,
            "price": price,
            "bill_block": opts.bill_block,
            "limit_seconds": limit,
            "reserved": billing.reservation(limit, block=opts.bill_block, price=price),
            "currency": principal.account.currency,
            "quote_exchange": exchange_for(
                principal.account.currency, self.s.settings.settle_currency, self.s.settings.exchange_rates
            ),
            "created_at": now,
            **values,
        }

    async def commit(self, principal: Principal, rows: list[dict[str, Any]], *, file_id: str | None = None) -> None:
        """Reserve the money of every call and queue them, in one transaction (-10 changes nothing)."""
        account_id = principal.account.id
        async with self.s.db.write() as conn:
            if file_id is not None and await store.get_file(conn, file_id, account_id) is None:
                raise voice_error(-48, "the file was deleted")
            total = sum(r["reserved"] for r in rows)
            reference = f"voice {rows[0]['voice_id']} x{len(rows)}"
            from_gift = await tenants.debit(
                conn, account_id=account_id, cost=total, reference=reference, now=self.s.clock.now()
            )
            if from_gift is None:
                raise voice_error(-10)
            for row in rows:
                row["paid_gift"] = min(row["reserved"], from_gift)
                from_gift -= row["paid_gift"]
            await store.insert_calls(conn, rows)

    async def send_group(self, principal: Principal, params: dict[str, Any]) -> list[dict[str, str]]:
        """V6: one audio file to up to 1000 callees; per-callee results in request order."""
        assert principal.app is not None
        request = check_group(params)
        opts = VoiceOptions.of(principal.app.options)
        async with self.s.db.read() as conn:
            audio = await store.get_file(conn, request.file_id, principal.account.id)
            if audio is None:
                raise voice_error(-48)
            prices = await self.prices(conn, principal)
        o = request.options
        limit = billing.call_limit(audio["duration_ms"], o.loop_count, o.max_duration)
        results: list[dict[str, str]] = []
        rows: list[dict[str, Any]] = []
        for callee in request.callees:
            rate = prices.rate_for(callee.number.country, callee.number.digits) if callee.number else None
            code = -22 if callee.number is None else -26 if rate is None else 0
            if callee.number is None or rate is None:
                results.append(
                    {
                        "voiceId": "",
                        "callee": callee.raw,
                        "terminationCode": str(code),
                        "terminationReason": voice_error(code).reason,
                    }
                )
                continue
            row = self.row(
                principal,
                callee.number,
                price=rate.price,
                opts=opts,
                limit=limit,
                type=GROUP,
                display_num=o.display_num,
                audio=f"file:{request.file_id}",
                audio_ms=audio["duration_ms"],
                loop_count=o.loop_count,
                max_duration=o.max_duration,
                max_ringing=o.max_ringing,
                called_info=o.called_info,
            )
            rows.append(row)
            results.append(
                {
                    "voiceId": row["voice_id"],
                    "callee": row["callee"],
                    "terminationCode": "0",
                    "terminationReason": "success",
                }
            )
        if not rows:
            raise voice_error(int(results[0]["terminationCode"]))
        await self.commit(principal, rows, file_id=request.file_id)
        self.s.wake("voice")
        return results

    async def send_code(self, principal: Principal, params: dict[str, Any]) -> str:
        """V7: a text spoken to one callee (rendered now, so TTS failures answer at once); its voiceId."""
        assert principal.app is not None
        request = check_code(params)
        opts = VoiceOptions.of(principal.app.options)
        async with self.s.db.read() as conn:
            rate = (await self.prices(conn, principal)).rate_for(request.callee.country, request.callee.digits)
            if rate is None:
                raise voice_error(-26, "no voice rate for the destination")
            if len(request.text) > opts.long_text:
                day = self.s.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
                used = await store.count_long_texts(
                    conn, account_id=principal.account.id, since=day, threshold=opts.long_text
                )
                if used >= opts.long_text_daily:
                    raise voice_error(-46)
        rendered = await Tts(self.s).render(
            request.text, request.language, rate=request.speaking_rate, gender=request.gender, accent=request.accent
        )
        o = request.options
        limit = billing.call_limit(rendered.duration_ms, o.loop_count, o.max_duration)
        row = self.row(
            principal,
            request.callee,
            price=rate.price,
            opts=opts,
            limit=limit,
            type=CODE,
            display_num=o.display_num,
            audio=f"tts:{rendered.key}",
            audio_ms=rendered.duration_ms,
            text=request.text,
            language=rendered.language,
            loop_count=o.loop_count,
            max_duration=o.max_duration,
            max_ringing=o.max_ringing,
            called_info=o.called_info,
            recall_count=request.recall_count,
            recall_interval=request.recall_interval,
        )
        await self.commit(principal, [row])
        self.s.wake("voice")
        return str(row["voice_id"])

    async def record(self, principal: Principal, voice_id: str | None, types: tuple[int, ...]) -> dict[str, Any]:
        """V9 / V11: one call of the account by voiceId (-22 malformed, -24 unknown or too old)."""
        if not voice_id or not VOICE_ID.match(voice_id):
            raise voice_error(-22, "voiceId is 19-20 digits")
        async with self.s.db.read() as conn:
            row = await store.get_call(
                conn, voice_id, account_id=principal.account.id, types=types, app_ids=principal.key.allowed_apps
            )
        if row is None or row["created_at"] < self.s.clock.now() - RECORD_AGE:
            raise voice_error(-24)
        return records.record(row, principal.account.timezone)

    async def records(self, principal: Principal, params: dict[str, Any], types: tuple[int, ...]) -> dict[str, Any]:
        """V10 / V12: calls created in a window (at most 31 days, within the last 2 months), paged."""
        current = int_field(params, "current", 1, 1_000_000) or 1
        size = int_field(params, "size", 1, 100) or 25
        window = params.get("params")
        window = window if isinstance(window, dict) else params
        start_raw, end_raw = window.get("strTime"), window.get("endTime")
        if not isinstance(start_raw, str) or not isinstance(end_raw, str):
            raise voice_error(-22, "params.strTime and params.endTime are required")
        try:
            start, end = parse_time(start_raw), parse_time(end_raw)
        except ValueError as exc:
            raise voice_error(-22, str(exc)) from exc
        try:  # the database compares UTC moments; one outside the years 1-9999 is out of range
            start, end = start.astimezone(UTC), end.astimezone(UTC)
        except OverflowError as exc:
            raise voice_error(-25, "the window is beyond the representable years") from exc
        if end < start or end - start > RECORD_WINDOW or end < self.s.clock.now() - RECORD_AGE:
            raise voice_error(-25)
        start = max(start, self.s.clock.now() - RECORD_AGE)
        async with self.s.db.read() as conn:
            total, rows = await store.page_calls(
                conn,
                account_id=principal.account.id,
                types=types,
                start=start,
                end=end,
                offset=(current - 1) * size,
                limit=size,
                app_ids=principal.key.allowed_apps,
                names={k: window[k] for k in ("sipGroupName", "phoneName") if isinstance(window.get(k), str)}
                if SIP in types
                else None,
            )
        zone = principal.account.timezone
        return {
            "total": total,
            "size": size,
            "current": current,
            "pages": math.ceil(total / size),
            "searchCount": True,
            "records": [records.record(r, zone) for r in rows],
        }


TRUNK_TYPES = ("sip", "simulated")
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class TrunkInput:
    name: str
    host: str = "127.0.0.1"
    port: int = 5060
    type: str = "sip"
    transport: str = "udp"
    username: str | None = None
    password: str | None = None
    caller_id: str | None = None
    cps: int = 10
    max_concurrent: int = 100
    config: dict[str, Any] | None = None


class VoiceAdmin:
    """What operators do with SIP trunks and voice routes, and what they look at (calls, files)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def add_trunk(self, trunk: TrunkInput) -> store.Trunk:
        if not NAME.match(trunk.name):
            raise OperatorError("a trunk name is 1-64 letters, digits, '-' or '_'")
        if trunk.type not in TRUNK_TYPES:
            raise OperatorError(f"type is one of {', '.join(TRUNK_TYPES)}")
        if trunk.transport != "udp":
            raise OperatorError("only the udp transport is supported")
        if not 0 < trunk.port < 65536 or trunk.cps < 1 or trunk.max_concurrent < 1:
            raise OperatorError("port is 1-65535; cps and max-concurrent are at least 1")
        if bool(trunk.username) != (trunk.password is not None):
            raise OperatorError("digest authentication needs both --username and --password")
        if trunk.caller_id is not None and not re.fullmatch(r"\+?\d{1,20}|[A-Za-z0-9_.-]{1,32}", trunk.caller_id):
            raise OperatorError("caller id is digits (or a SIP user name)")
        config = trunk.config or {}
        if trunk.type == "simulated":
            from switchboard.domain.voice.scenarios import CalleeScenario

            try:
                CalleeScenario.of(config)
            except (TypeError, ValueError) as exc:
                raise OperatorError(f"scenario: {exc}") from exc
        async with self.s.db.write() as conn:
            if await store.get_trunk(conn, trunk.name) is not None:
                raise OperatorError(f"a trunk named {trunk.name} exists")
            await store.insert_trunk(
                conn,
                now=self.s.clock.now(),
                name=trunk.name,
                type=trunk.type,
                host=trunk.host,
                port=trunk.port,
                transport=trunk.transport,
                username=trunk.username,
                password_enc=self.s.secrets.seal(trunk.password) if trunk.password is not None else None,
                caller_id=trunk.caller_id,
                cps=trunk.cps,
                max_concurrent=trunk.max_concurrent,
                config=config,
            )
            added = await store.get_trunk(conn, trunk.name)
        assert added is not None
        return added

    async def trunks(self) -> list[store.Trunk]:
        async with self.s.db.read() as conn:
            return await store.list_trunks(conn)

    async def trunk(self, name: str) -> store.Trunk:
        async with self.s.db.read() as conn:
            found = await store.get_trunk(conn, name)
        if found is None:
            raise OperatorError(f"no trunk {name}")
        return found

    async def set_enabled(self, name: str, enabled: bool) -> None:
        async with self.s.db.write() as conn:
            if not await store.set_trunk_enabled(conn, name, enabled):
                raise OperatorError(f"no trunk {name}")

    async def add_route(
        self,
        trunks: list[str],
        *,
        position: int | None = None,
        country: str | None = None,
        prefix: str | None = None,
        account_id: int | None = None,
    ) -> int:
        async def known(conn: AsyncConnection) -> set[str]:
            return {t.name for t in await store.list_trunks(conn)}

        return await add_route(
            self.s,
            product="voice",
            targets=trunks,
            known=known,
            what="trunk",
            position=position,
            country=country,
            prefix=prefix,
            account_id=account_id,
        )

    async def routes(self) -> list[Route]:
        async with self.s.db.read() as conn:
            return await store.list_routes(conn)

    async def remove_route(self, route_id: int) -> None:
        async with self.s.db.write() as conn:
            if not await store.delete_route(conn, route_id):
                raise OperatorError(f"no voice route {route_id}")

    async def calls(self, *, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await store.recent_calls(conn, limit=limit, status=status)

    async def call(self, voice_id: str) -> dict[str, Any]:
        async with self.s.db.read() as conn:
            row = await store.get_call(conn, voice_id)
        if row is None:
            raise OperatorError(f"no call {voice_id}")
        return row
