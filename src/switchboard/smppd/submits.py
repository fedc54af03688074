"""From an SMPP submit to the platform's send pipeline: decode, reassemble long messages, send, map refusals.

The text goes through :class:`~switchboard.services.sms.SmsService` exactly as an HTTP sendSms does
(validation, sensitive words, templates, prices, balance, limits, one transaction); only the answer differs.
Parts of a long message (UDH concatenation IE or SAR TLVs) are held until the last one arrives; every part is
then answered with the whole message's msgId (or with the same refusal).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.connectors.sms.smpp_pdus import (
    ConcatAssembler,
    ConcatInfo,
    concat_from_sar,
    concat_from_udh,
    split_udh,
)
from switchboard.domain.sms.encoding import decode_payload
from switchboard.errors import ApiError
from switchboard.services.context import Services
from switchboard.services.sms import Accepted, SendOutcome, SendRequest, SmsService
from switchboard.smppd import pdu
from switchboard.smppd.statuses import command_status
from switchboard.store import smpp

DATA_CODINGS: Final = frozenset({0x00, 0x01, 0x03, 0x08})
MAX_DESTINATIONS: Final = 254
RECEIPT_TTL: Final = timedelta(hours=72)


@dataclass(frozen=True)
class Answer:
    """What one submit is answered with: a msgId per accepted destination, a status per refused one."""

    status: int
    message_id: str = ""
    failed: tuple[tuple[str, int], ...] = ()


def concat_of(submit: pdu.Submit) -> tuple[ConcatInfo | None, bytes]:
    """The concatenation information of a part (UDH or SAR), and its payload without the UDH."""
    payload = submit.payload
    if submit.esm_class & 0x40:
        split = split_udh(payload)
        if split is None:
            raise pdu.Malformed("user data header does not fit")
        udh, payload = split
        return concat_from_udh(udh), payload
    return concat_from_sar(submit.tlvs), payload


class Submitter:
    """One per server process: sends whole messages, holds parts of long ones (keyed per system_id)."""

    def __init__(self, services: Services, *, part_ttl: float = 60.0) -> None:
        self.s = services
        self.sms = SmsService(services)
        self.parts = ConcatAssembler(ttl=part_ttl)

    def add_part(self, system_id: str, submit: pdu.Submit) -> tuple[str | None, pdu.Submit | None]:
        """(the long message's key when this is one of its parts, the whole submit once complete; for a
        message of one part: the submit itself)."""
        info, payload = concat_of(submit)
        if info is None or info.total == 1:
            return None, pdu.Submit(
                submit.source, submit.destinations, submit.esm_class & ~0x40, submit.registered_delivery,
                submit.data_coding, payload, {},
            )  # fmt: skip
        key = (f"{system_id}|{submit.source}", ",".join(submit.destinations), info.reference)
        done = self.parts.add(key, info, submit.data_coding, payload, time.monotonic())
        name = "|".join(map(str, key))
        if done is None:
            return name, None
        data_coding, joined = done
        whole = pdu.Submit(submit.source, submit.destinations, 0, submit.registered_delivery, data_coding, joined, {})
        return name, whole

    async def send(self, principal: Principal, system_id: str, submit: pdu.Submit) -> Answer:
        """Send a whole message to its destinations; the answer for the submit."""
        if submit.data_coding not in DATA_CODINGS:
            return Answer(pdu.ESME_RINVDCS)
        if not submit.destinations:
            return Answer(pdu.ESME_RINVNUMDESTS)
        text = decode_payload(submit.data_coding, submit.short_message)
        numbers = ",".join(d.lstrip("+") for d in submit.destinations)

        async def owe_receipts(conn: AsyncConnection, outcome: SendOutcome) -> None:
            # in the send's own transaction: a message is never stored without the receipt it asked for
            await smpp.owe_receipts(conn, self._receipt_rows(system_id, submit, outcome.accepted))

        try:
            outcome = await self.sms.send(
                principal,
                [SendRequest(content=text, numbers=numbers, sender_id=submit.source or None)],
                max_numbers=MAX_DESTINATIONS,
                within=owe_receipts,
            )
        except ApiError as exc:
            return Answer(command_status(exc.code))
        accepted = {a.number: a.msg_id for a in outcome.accepted}
        if not accepted:
            return Answer(pdu.ESME_RINVDSTADR)
        failed = tuple((d, pdu.ESME_RINVDSTADR) for d in submit.destinations if d.lstrip("+") not in accepted)
        return Answer(pdu.ESME_ROK, outcome.accepted[0].msg_id, failed)

    def _receipt_rows(self, system_id: str, submit: pdu.Submit, accepted: list[Accepted]) -> list[dict[str, Any]]:
        if not submit.registered_delivery & 0x03:
            return []
        now = self.s.clock.now()
        return [
            {
                "msg_id": a.msg_id,
                "system_id": system_id,
                "kind": smpp.RECEIPT,
                "registered_delivery": submit.registered_delivery,
                "source": submit.source[:32],
                "destination": a.number,
                "status": smpp.WAITING,
                "created_at": now,
                "expires_at": now + RECEIPT_TTL,
            }
            for a in accepted
        ]
