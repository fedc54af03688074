"""The hang-up SMS of group-call tasks: sent through the SMS product after the call, once.

A number whose call matched the task's triggers is marked ``sms = due`` when its outcome is recorded. Here
each due SMS is sent with the SMS service under the task's SMS app (validated, priced, debited and queued as
any SMS, so it is billed as SMS and has its own msgId and delivery report); the number is marked ``sent``
with that msgId inside the same transaction, so the SMS exists exactly once. A refusal of the SMS product
(balance -10, sensitive words -3, a number it cannot send to ...) is recorded on the number as its code.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice.campaigns import HangUpSms, fill_texts
from switchboard.errors import ApiError
from switchboard.services.context import Services
from switchboard.services.sms import SendOutcome, SendRequest, SmsService
from switchboard.store import campaigns as store
from switchboard.store import tenants

log = logging.getLogger("switchboard.campaigns")

BATCH = 200


class AlreadySent(Exception):
    """The number's SMS was recorded by another runner meanwhile: the send is rolled back."""


class HangUpSmsSender:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def send_due(self, limit: int = BATCH) -> int:
        async with self.s.db.read() as conn:
            due = await store.sms_due(conn, limit)
        tasks: dict[int, tuple[HangUpSms, Principal] | None] = {}
        sent = 0
        for number in due:
            campaign_id = int(number["campaign_id"])
            if campaign_id not in tasks:
                tasks[campaign_id] = await self._sender(campaign_id)
            sender = tasks[campaign_id]
            if sender is None:
                await self._record_refusal(number, "-24")
                continue
            sent += await self._send(number, *sender)
        return sent

    async def _sender(self, campaign_id: int) -> tuple[HangUpSms, Principal] | None:
        async with self.s.db.read() as conn:
            task = await store.get_campaign(conn, campaign_id)
            if task is None or not task["sms"]:
                return None
            rules = HangUpSms(**task["sms"])
            app = await tenants.get_app(conn, rules.app_id)
            account = await tenants.get_account(conn, int(task["account_id"]))
            key = await tenants.get_key(conn, task["api_key"])
        if app is None or account is None or key is None or app.account_id != account.id:
            return None
        return rules, Principal(key=key, account=account, app=app)

    async def _send(self, number: dict[str, Any], rules: HangUpSms, principal: Principal) -> int:
        texts = tuple(number[f"text{n}"] for n in range(1, 6))
        content = fill_texts(rules.content, texts)
        number_id, campaign_id = int(number["id"]), int(number["campaign_id"])

        async def mark(conn: AsyncConnection, outcome: SendOutcome) -> None:
            msg_id = outcome.accepted[0].msg_id if outcome.accepted else None
            if not await store.set_sms(conn, number_id, store.SMS_SENT, msg_id):
                raise AlreadySent
            await store.add_counters(conn, campaign_id, self.s.clock.now(), sms_sent=1)

        request = SendRequest(content=content, numbers=number["callee"], sender_id=rules.sender_id)
        try:
            await SmsService(self.s).send(principal, [request], max_numbers=1, within=mark)
        except AlreadySent:
            return 0
        except ApiError as exc:
            log.info("hang-up SMS of number %s refused: %s", number_id, exc)
            await self._record_refusal(number, str(exc.code))
            return 1
        self.s.wake("dispatch")
        return 1

    async def _record_refusal(self, number: dict[str, Any], code: str) -> None:
        async with self.s.db.write() as conn:
            await store.set_sms(conn, int(number["id"]), code)
