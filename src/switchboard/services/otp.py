"""OTP verification: codes generated with ``secrets``, kept only as keyed hashes, sent through the SMS
pipeline (prices, limits, sensitive words and templates apply), checked with expiry and an attempt limit.

Outcomes of ``verify`` use the SMS table: success ``0``; wrong code -21 "Data validation exception";
expired -25 "Out of time range"; attempts exhausted -23 "Data caps"; unknown verification -24
"Data unexisting"; already verified -20 "Data existing".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain import otp_rules as rules
from switchboard.domain.numbers import Number, classify
from switchboard.domain.sms.validation import POST_MAX_NUMBERS, sms_error
from switchboard.domain.templates import render
from switchboard.errors import ApiError, OperatorError, Product
from switchboard.services.context import Services
from switchboard.services.otp_manage import may_use
from switchboard.services.sms import SendOutcome, SendRequest, SmsService
from switchboard.store import otp as store
from switchboard.store import otp_manage as manage_store
from switchboard.store import tenants

CHANNELS = ("sms", "call", "sna")
# Voice refusals of an OTP call, in the SMS table that OTP answers with.
VOICE_TO_SMS = {-10: -10, -26: -19, -23: -23, -25: -25}
MAX_RESENDS = 3
RESEND_COOLDOWN = timedelta(seconds=30)
DEFAULT_TEXT = "Your verification code is {code}."
TO = re.compile(r"^\d{10,14}$")


@dataclass(frozen=True)
class OtpSend:
    to: str | None
    template_id: int | None
    channel: str | None = None
    order_id: str | None = None
    code: str | None = None  # sendRule: the customer's own code
    flow_id: int | None = None


class Otp:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _hash(self, salt: str, code: str) -> str:
        """Codes compare without regard to case (letter codes are sent in capitals)."""
        key = self.s.settings.resolved_master_key()
        return hmac.new(key, f"{salt}:{code.upper()}".encode(), hashlib.sha256).hexdigest()

    async def add_template(
        self, app_id: str, content: str, *, code_length: int = 6, ttl: int = 300, max_attempts: int = 5
    ) -> int:
        if "{code}" not in content:
            raise OperatorError("an OTP template needs a {code} placeholder")
        if not 4 <= code_length <= 10 or not 30 <= ttl <= 86400 or not 1 <= max_attempts <= 20:
            raise OperatorError("code length 4-10, ttl 30-86400 s, attempts 1-20")
        async with self.s.db.write() as conn:
            app = await tenants.get_app(conn, app_id)
            if app is None or app.product != Product.SMS.value:
                raise OperatorError(f"no SMS app {app_id}")
            return await store.insert_template(
                conn,
                app_id=app_id,
                content=content,
                code_length=code_length,
                ttl=ttl,
                max_attempts=max_attempts,
                created_at=self.s.clock.now(),
            )

    async def templates(self, app_id: str) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await store.list_templates(conn, [app_id])

    async def templates_for(self, principal: Principal) -> list[dict[str, Any]]:
        """The templates of the app the request names or, without an appId (the vendor SDK sends none), of
        every SMS app of the key's account that the key may use."""
        async with self.s.db.read() as conn:
            if principal.app is not None:
                return await store.list_templates(conn, [principal.app.app_id])
            apps = await tenants.list_apps(conn, principal.account.id)
            usable = [a.app_id for a in apps if a.product == Product.SMS.value and may_use(principal, a.app_id)]
            return await store.list_templates(conn, usable)

    @staticmethod
    def _owned(principal: Principal, row: dict[str, Any] | None) -> dict[str, Any]:
        """A verification of the key's account (the query already filtered on it), of the app the request
        names if it names one, and of an app the key may use; anything else is answered as unknown (-24)."""
        if row is None or not may_use(principal, row["app_id"]):
            raise sms_error(-24)
        if principal.app is not None and principal.app.app_id != row["app_id"]:
            raise sms_error(-24)
        return row

    async def send(self, principal: Principal, request: OtpSend) -> dict[str, Any]:
        assert principal.app is not None
        app = principal.app
        flow = await self._flow(principal, request.flow_id)
        step = rules.first_step(flow["steps"]) if flow else None
        default_channel = flow["steps"][step]["channel"] if flow and step is not None else "sms"
        channel = (request.channel or default_channel).lower()
        number = _checked_send(request, channel)
        template = await self._template(app.app_id, request.template_id, required=request.code is None)
        code = request.code or rules.new_code(template.get("code_type"), template["code_length"])
        now = self.s.clock.now()
        verification_id = f"{self.s.msg_ids.next()}{secrets.randbelow(10)}"
        salt = secrets.token_hex(8)
        values = {
            "verification_id": verification_id,
            "account_id": principal.account.id,
            "app_id": app.app_id,
            "template_id": template.get("id"),
            "to": number.digits,
            "channel": channel,
            "order_id": request.order_id,
            "code_hash": self._hash(salt, code),
            "salt": salt,
            "status": "pending",
            "max_attempts": template["max_attempts"],
            "expires_at": now + timedelta(seconds=_ttl(app.options, template)),
            "sent_at": now,
            "created_at": now,
            "flow_id": flow["id"] if flow else None,
            "flow_step": step,
            "country": number.country,
        }

        async def store_verification(conn: AsyncConnection, sent_as: str | None) -> None:
            if request.order_id and await store.order_id_used(conn, app.app_id, request.order_id):
                raise sms_error(-20, "orderId already used")
            await store.insert_verification(conn, **values, msg_id=sent_as)

        await self._deliver(principal, template, number.digits, code, channel, store_verification)
        return {"verificationId": verification_id, "to": number.digits, "channel": channel}

    async def _flow(self, principal: Principal, flow_id: int | None) -> dict[str, Any] | None:
        if flow_id is None:
            return None
        async with self.s.db.read() as conn:
            flow = await manage_store.get_flow(conn, principal.account.id, flow_id)
        if flow is None:
            raise sms_error(-22, "no such flowId for this account")
        return flow

    async def _deliver(
        self,
        principal: Principal,
        template: dict[str, Any],
        number: str,
        code: str,
        channel: str,
        record: Callable[[AsyncConnection, str | None], Awaitable[None]],
    ) -> None:
        """Send the code by SMS (``record`` runs in the SMS's own transaction) or speak it in a call (then
        ``record`` runs once the call is queued)."""
        if channel == "call":
            voice_id = await self._call(principal, number, template, code)
            async with self.s.db.write() as conn:
                await record(conn, voice_id)
            return

        async def within_sms(conn: AsyncConnection, outcome: SendOutcome) -> None:
            await record(conn, outcome.accepted[0].msg_id if outcome.accepted else None)

        text = render(template["content"], {"code": code})
        outcome = await SmsService(self.s).send(
            principal,
            [SendRequest(content=text, numbers=number, sender_id=template.get("sender_id"))],
            max_numbers=POST_MAX_NUMBERS,
            within=within_sms,
        )
        if not outcome.accepted:
            raise sms_error(-28)
        self.s.wake("dispatch")

    async def _call(self, principal: Principal, number: str, template: dict[str, Any], code: str) -> str:
        """Speak the code in a TTS call through the account's voice app (voice prices and billing apply), with
        the template's language, speech rate, duration and repeats; the voice product's refusals are
        answered with the SMS table's nearest codes."""
        from switchboard.services.voice import VoiceService

        async with self.s.db.read() as conn:
            voice_apps = [a for a in await tenants.list_apps(conn, principal.account.id) if a.product == "voice"]
        if not voice_apps:
            raise sms_error(-22, "channel call needs a voice app on the account")
        caller = Principal(key=principal.key, account=principal.account, app=voice_apps[0])
        params: dict[str, Any] = {
            "callee": number,
            "text": render(template["content"], {"code": " ".join(code)}),
            "language": template.get("language") or "EN",
            "loopCount": min(template.get("repeat_cnt") or 2, 9),
        }
        if template.get("speech_rate") is not None:
            params["speakingRate"] = rules.speaking_rate(template["speech_rate"])
        if template.get("max_duration"):
            params["maxDuration"] = min(template["max_duration"], 120)
        try:
            return await VoiceService(self.s).send_code(caller, params)
        except ApiError as exc:
            raise sms_error(VOICE_TO_SMS.get(exc.code, -22), f"voice: {exc.reason}") from exc

    async def _template(self, app_id: str, template_id: int | None, *, required: bool) -> dict[str, Any]:
        if template_id is None:
            if required:
                raise sms_error(-22, "templateId is required")
            return {"content": DEFAULT_TEXT, "code_length": 6, "ttl": 300, "max_attempts": 5}
        async with self.s.db.read() as conn:
            template = await store.get_template(conn, template_id)
        if template is None or template["app_id"] != app_id:
            raise sms_error(-22, "no such templateId for this app")
        return template

    async def verify(self, principal: Principal, verification_id: str | None, code: str | None) -> dict[str, Any]:
        if not verification_id or not code or not 4 <= len(code) <= 10:
            raise sms_error(-22, "verificationId and a 4-10 character code are required")
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            row = self._owned(
                principal,
                await store.get_verification(
                    conn, account_id=principal.account.id, verification_id=verification_id, for_update=True
                ),
            )
            if row["status"] == "verified":
                raise sms_error(-20, "already verified")
            if row["status"] == "locked" or row["attempts"] >= row["max_attempts"]:
                raise sms_error(-23, "attempts exhausted")
            if row["status"] == "expired" or now >= row["expires_at"]:
                await store.update_verification(conn, row["id"], status="expired")
                failure = sms_error(-25, "the code expired")
            else:
                attempts = row["attempts"] + 1
                if hmac.compare_digest(self._hash(row["salt"], code), row["code_hash"]):
                    await store.update_verification(
                        conn, row["id"], status="verified", attempts=attempts, verified_at=now
                    )
                    return {"verificationId": verification_id, "to": row["to"], "verified": True}
                locked = attempts >= row["max_attempts"]
                await store.update_verification(
                    conn, row["id"], attempts=attempts, status="locked" if locked else "pending"
                )
                failure = sms_error(-21, f"wrong code ({row['max_attempts'] - attempts} attempts left)")
        # Raised once the transaction has committed the attempt (or the expiry), so it counts.
        raise failure

    async def resend(self, principal: Principal, verification_id: str | None) -> dict[str, Any]:
        """A new code for a pending verification (the old code stops working); at most 3. Without a flow: 30 s
        apart, on the verification's channel; with a flow: after the current step's waitingTime, on the step
        the flow moves to (docs/otp.md)."""
        if not verification_id:
            raise sms_error(-22, "verificationId is required")
        async with self.s.db.read() as conn:
            row = self._owned(
                principal,
                await store.get_verification(conn, account_id=principal.account.id, verification_id=verification_id),
            )
            app = await tenants.get_app(conn, row["app_id"])
            flow = (
                await manage_store.get_flow(conn, principal.account.id, row["flow_id"])
                if row["flow_id"] is not None
                else None
            )
        if app is None:
            raise sms_error(-24)
        if row["status"] != "pending":
            raise sms_error(-20, f"verification is {row['status']}")
        if row["resends"] >= MAX_RESENDS:
            raise sms_error(-23, "no more resends")
        now = self.s.clock.now()
        channel, step, wait = _next_channel(row, flow)
        if now - row["sent_at"] < wait:
            raise sms_error(-15, "wait before resending")
        template = await self._template(row["app_id"], row["template_id"], required=False)
        code = rules.new_code(template.get("code_type"), template["code_length"])
        salt = secrets.token_hex(8)

        async def renew(conn: AsyncConnection, sent_as: str | None) -> None:
            await store.update_verification(
                conn,
                row["id"],
                code_hash=self._hash(salt, code),
                salt=salt,
                resends=row["resends"] + 1,
                attempts=0,
                sent_at=now,
                expires_at=now + timedelta(seconds=_ttl(app.options, template)),
                msg_id=sent_as or row["msg_id"],
                channel=channel,
                flow_step=step,
            )

        sender = Principal(key=principal.key, account=principal.account, app=app)
        await self._deliver(sender, template, row["to"], code, channel, renew)
        return {"verificationId": row["verification_id"], "to": row["to"], "channel": channel}

    async def record(
        self, principal: Principal, *, verification_id: str | None = None, order_id: str | None = None
    ) -> dict[str, Any]:
        if order_id is not None and principal.app is None:
            raise sms_error(-22, "appId is required with orderId")  # an orderId is unique only within its app
        async with self.s.db.read() as conn:
            row = self._owned(
                principal,
                await store.get_verification(
                    conn,
                    account_id=principal.account.id,
                    verification_id=verification_id,
                    order_id=order_id,
                    app_id=principal.app.app_id if principal.app is not None else None,
                ),
            )
        return {
            "verificationId": row["verification_id"],
            "to": row["to"],
            "channel": row["channel"],
            "orderId": row["order_id"] or "",
            "status": row["status"],
            "attempts": row["attempts"],
            "msgId": row["msg_id"] or "",
            "createTime": row["created_at"].isoformat(timespec="seconds"),
            "expireTime": row["expires_at"].isoformat(timespec="seconds"),
            "verifyTime": row["verified_at"].isoformat(timespec="seconds") if row["verified_at"] else "",
        }


def _checked_send(request: OtpSend, channel: str) -> Number:
    if channel not in CHANNELS:
        raise sms_error(-22, "channel is sms, call or sna")
    if channel == "sna":
        raise sms_error(-22, "channel sna is not available on this platform")
    number = classify(request.to or "")
    if number is None or not TO.match(number.digits):
        raise sms_error(-22, "to is 10-14 digits with the country code")
    if request.order_id is not None and len(request.order_id) > 64:
        raise sms_error(-22, "orderId is at most 64 characters")
    if request.code is not None and not re.fullmatch(r"[0-9A-Za-z]{1,10}", request.code):
        raise sms_error(-22, "code is 1-10 letters or digits")
    return number


def _ttl(options: dict[str, Any], template: dict[str, Any]) -> int:
    """How long a code stays valid: the app's codeExpiry (otp/app/add|update) when set, else the template's."""
    expiry = options.get("otp", {}).get("codeExpiry")
    return int(expiry) if isinstance(expiry, int) else int(template["ttl"])


def _next_channel(row: dict[str, Any], flow: dict[str, Any] | None) -> tuple[str, int | None, timedelta]:
    """The channel and flow step of a resend, and how long after the last send it may come."""
    step = row["flow_step"]
    if flow is None or step is None or step >= len(flow["steps"]):
        return row["channel"], step, RESEND_COOLDOWN
    wait = timedelta(seconds=flow["steps"][step]["waitingTime"])
    step = rules.next_step(flow["steps"], step)
    return flow["steps"][step]["channel"], step, wait
