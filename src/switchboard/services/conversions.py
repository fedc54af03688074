"""Verification-code conversions: the customer reports that a code was used (``postback/backfill``, S8) or
an aggregate rate (``otp/backfillRate``); the operator reads conversion rates per app, template and country.

S8 answers with the SMS table: an empty ``number`` or ``time``, or a ``msgid`` that is not one of the app's
messages (or was sent to another number), -14 "Field is empty or inquiry id is abnormal" (the contract's
failure sample); a number that is not a phone number or a time that is not a Unix time, -22. A report
repeated (the same msgid, or the same number and time) is accepted again and stored once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from switchboard.auth.authenticate import Principal
from switchboard.domain import otp_rules as rules
from switchboard.domain.numbers import classify
from switchboard.domain.sms.validation import sms_error
from switchboard.services.context import Services
from switchboard.services.otp_manage import checked
from switchboard.store import otp_manage as store

MSG_ID = re.compile(r"^\d{19,20}$")


@dataclass(frozen=True)
class ConversionRow:
    app_id: str
    template_id: int | None
    template_name: str | None
    country: str | None
    sent: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.sent if self.sent else None


class Conversions:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def backfill(self, principal: Principal, fields: dict[str, Any]) -> bool:
        """Store one conversion report; False when the same report was stored before."""
        assert principal.app is not None
        app_id = principal.app.app_id
        raw_number, raw_time, raw_msg = (_text(fields.get(k)) for k in ("number", "time", "msgid"))
        if raw_number is None or raw_time is None:
            raise sms_error(-14, "number and time are required")
        number = classify(raw_number)
        if number is None:
            raise sms_error(-22, "number is a phone number with its country code")
        used_at = checked(rules.epoch_time, raw_time, code=-22)
        try:
            return await self._store(principal, app_id, number.digits, number.country, raw_msg, used_at)
        except IntegrityError:  # the same report stored by a concurrent request: stored once, as asked
            return False

    async def _store(
        self, principal: Principal, app_id: str, number: str, country: str, raw_msg: str | None, used_at: datetime
    ) -> bool:
        async with self.s.db.write() as conn:
            if raw_msg is not None:
                if not MSG_ID.match(raw_msg):
                    raise sms_error(-14, "msgid is not a msgId")
                sent = await store.sent_message(conn, app_id, raw_msg)
                if sent is None or sent["number"] != number:
                    raise sms_error(-14, "msgid is not a message of this app to this number")
            else:
                sent = await store.last_verification_to(conn, app_id, number, used_at)
            return await store.insert_conversion(
                conn,
                account_id=principal.account.id,
                app_id=app_id,
                dedupe_key=raw_msg or f"{number}@{int(used_at.timestamp() * 1000)}",
                msg_id=raw_msg or (sent or {}).get("msg_id"),
                number=number,
                country=(sent or {}).get("country") or country,
                template_id=(sent or {}).get("template_id"),
                used_at=used_at,
                created_at=self.s.clock.now(),
            )

    async def backfill_rate(self, principal: Principal, fields: dict[str, Any]) -> None:
        assert principal.app is not None
        rate: rules.BackfillRate = checked(rules.backfill_rate, fields)
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            await store.insert_backfill_rate(
                conn,
                account_id=principal.account.id,
                app_id=principal.app.app_id,
                mcc=rate.mcc,
                converted=rate.converted,
                base=rate.base,
                reported_rate=rate.reported,
                callback_at=rate.callback_at or now,
                created_at=now,
            )

    async def rates(
        self, *, account_id: int | None = None, days: int = 7, until: datetime | None = None
    ) -> list[ConversionRow]:
        """Verifications sent and conversions reported per app, template and country in the last ``days``."""
        end = until or self.s.clock.now()
        async with self.s.db.read() as conn:
            rows = await store.conversion_stats(
                conn, account_id=account_id, since=end - timedelta(days=days), until=end + timedelta(seconds=1)
            )
        return [ConversionRow(**row) for row in rows]

    async def reported_rates(self, *, account_id: int | None = None, days: int = 7) -> list[dict[str, Any]]:
        end = self.s.clock.now()
        async with self.s.db.read() as conn:
            rows = await store.backfill_rates(
                conn, account_id=account_id, since=end - timedelta(days=days), until=end + timedelta(seconds=1)
            )
        return [
            {
                "appId": r["app_id"],
                "mcc": r["mcc"],
                "converted": r["converted"],
                "base": r["base"],
                "rate": round(r["converted"] / r["base"], 4),
                "reportedRate": r["reported_rate"],
                "callbackTime": r["callback_at"].isoformat(timespec="seconds"),
            }
            for r in rows
        ]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None
