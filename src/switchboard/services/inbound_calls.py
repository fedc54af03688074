"""Incoming calls from the SIP trunks to numbers assigned to voice apps: ring the app's registered phones, bridge the
first that answers (``connectors/voice/inbound_bridge.py``), record, and keep a record (type 5) that is pushed to
the app's call URL like any call.

An INVITE reaches the platform's SIP port (the registrar hands it here). One from anywhere but a trunk is a phone
dialling out (``services/direct_calls.py``: authenticated by the registrar first). It is taken as an inbound call
only from the address of an enabled SIP trunk (the trunk's ``host``, as configured: an address, not a name) and
only for a number assigned to a voice app (``switchboard number assign NUMBER APP``); anything else is refused (403
from an unknown source, 404 for an unassigned number, 480 when none of the app's phones is registered). Inbound
calls are not billed (cost 0). In the record ``callee`` is the caller's number and ``displayNum`` the number
dialled; ``sipGroupName``/``phoneName`` are those of the phone that answered.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from switchboard.connectors.voice.bridge import BridgeConfig
from switchboard.connectors.voice.inbound_bridge import InboundBridge, InboundResult
from switchboard.connectors.voice.phone_leg import PhoneContact
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.sip_server import Inbound, SipServer
from switchboard.domain.numbers import classify
from switchboard.domain.voice import billing
from switchboard.domain.voice.inbound import caller_of
from switchboard.domain.voice.sip import param, response, user_of
from switchboard.errors import Product
from switchboard.services.context import Services
from switchboard.services.direct_calls import direct_dial
from switchboard.services.recordings import Recordings, new_name, recordings_dir
from switchboard.services.voice import VoiceOptions
from switchboard.store import inbound as numbers
from switchboard.store import phones, tenants
from switchboard.store import voice as store

if TYPE_CHECKING:
    from switchboard.services.registrar import Registrar

log = logging.getLogger("switchboard.voice.inbound")
INBOUND = 5


class InboundCalls:
    def __init__(self, services: Services, server: SipServer, registrar: Registrar | None = None) -> None:
        self.s = services
        self.server = server
        self.registrar = registrar  # authenticates phones' own calls (direct dial); None: refused
        self.stop = server.stopping  # the port is closing: calls in progress hang up
        self.handling: set[tuple[str, int]] = set()  # INVITEs (Call-ID, CSeq) being handled: retransmissions wait

    async def handle(self, inbound: Inbound) -> None:
        """The registrar's handler of requests that are neither REGISTER nor OPTIONS."""
        message = inbound.message
        # Requests of calls we do not hold, and re-INVITEs (a To tag) of dialogs that are gone or never were: a
        # carrier's late session refresh must not ring the phones again as a new call (RFC 3261 12.2.2).
        if message.method != "INVITE" or param(message.get("to") or "", "tag") is not None:
            inbound.answer(response(message, 481, "Call/Transaction Does Not Exist"))
            return
        key = (message.call_id, message.cseq[0])
        inbound.answer(response(message, 100, "Trying"))  # stops the caller's retransmissions of the INVITE
        if key in self.handling:
            return  # a retransmission while the first copy is being handled
        self.handling.add(key)
        try:
            await self._invite(inbound)
        finally:
            self.handling.discard(key)

    async def _invite(self, inbound: Inbound) -> None:
        message = inbound.message
        if not await self._from_trunk(inbound.source[0]):
            if self.registrar is None:
                inbound.answer(response(message, 403, "Forbidden", to_tag="sb"))
                return
            phone = await self.registrar.authenticate(inbound)  # a phone dialling out (answered when not)
            if phone is not None:
                await direct_dial(self.s, self.server, inbound, phone)
            return
        dialled = user_of(message.uri or "")
        async with self.s.db.read() as conn:
            app_id = await numbers.app_for_destination(conn, dialled) if dialled else None
            app = await tenants.get_app(conn, app_id) if app_id else None
            if app is None or app.product != Product.VOICE.value:
                inbound.answer(response(message, 404, "Not Found", to_tag="sb"))
                return
            contacts = await self._contacts(conn, app.app_id)
        if not contacts:
            inbound.answer(response(message, 480, "Temporarily Unavailable", to_tag="sb"))
            return
        await self._bridge(inbound, app, dialled, contacts)

    async def _from_trunk(self, host: str) -> bool:
        async with self.s.db.read() as conn:
            return any(t.enabled and t.type == "sip" and t.host == host for t in await store.list_trunks(conn))

    async def _contacts(self, conn: Any, app_id: str) -> list[tuple[PhoneContact, phones.Phone]]:
        listed = {p.id: p for p in await phones.list_phones(conn, app_id=app_id)}
        found = await phones.registrations(conn, list(listed), now=self.s.clock.now())
        return [(PhoneContact.of(r.contact, r.source, r.transport), listed[r.phone_id]) for r in found]

    async def _bridge(
        self, inbound: Inbound, app: tenants.App, dialled: str, contacts: list[tuple[PhoneContact, phones.Phone]]
    ) -> None:
        opts = VoiceOptions.of(app.options)
        row = await self._open(inbound, app, dialled, opts)
        recorder = CallRecorder(recordings_dir(self.s), new_name(row["voice_id"])) if opts.record_calls else None
        config = BridgeConfig(ringing=float(opts.sip_ringing), rtp_timeout=self.s.settings.sip_rtp_timeout)
        bridge = InboundBridge(
            self.server, inbound, [c for c, _ in contacts], recorder=recorder, config=config, wall=self.s.clock.time
        )
        result = await bridge.run(self.stop)
        by_contact = dict(contacts)
        await self._close(row, result, by_contact)

    async def _open(self, inbound: Inbound, app: tenants.App, dialled: str, opts: VoiceOptions) -> dict[str, Any]:
        caller = caller_of(inbound.message)[:20] or "anonymous"
        number = classify(caller) if caller.isdigit() else None
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            account = await tenants.get_account(conn, app.account_id)
            assert account is not None
            voice_id = self.s.msg_ids.next()
            row: dict[str, Any] = {
                "voice_id": voice_id,
                "account_id": app.account_id,
                "app_id": app.app_id,
                "type": INBOUND,
                "callee": caller,
                "display_num": dialled[:20],
                "country": (number.country if number else "")[:3],
                "region": "",
                "audio": "inbound:",
                "audio_ms": 0,
                "loop_count": 1,
                "max_ringing": opts.sip_ringing,
                "status": store.CALLING,
                "due_at": now,
                # The SIP process holds the call: the voice workers' sweeper must not end it as lost meanwhile.
                "lease_until": now + timedelta(seconds=opts.sip_max_duration + 3600),
                "dialed_at": now,  # a call that came in: after a crash it ends as lost, never queued to be placed
                "attempts": 1,
                "price": 0,
                "bill_block": opts.bill_block,
                "limit_seconds": opts.sip_max_duration,
                "reserved": 0,
                "currency": account.currency,
                "created_at": now,
            }
            await store.insert_calls(conn, [row])
            found = await store.get_call(conn, voice_id)
        assert found is not None
        return found

    async def _close(self, row: dict[str, Any], result: InboundResult, by_contact: dict[PhoneContact, Any]) -> None:
        from switchboard.workers.voice import finalize

        caller = result.caller
        phone = by_contact.get(result.answered_by) if result.answered_by else None
        seconds = billing.duration(caller.answered_at, caller.ended_at, row["limit_seconds"])
        values: dict[str, Any] = {
            "status": store.DONE,
            "cost": 0,
            "termination_code": str(caller.code),
            "termination_reason": caller.reason[:100],
            "sip_code": str(caller.sip_code) if caller.sip_code else None,
            "call_at": _when(caller.started_at),
            "ringing_at": _when(caller.ringing_at),
            "answer_at": _when(caller.answered_at),
            "hangup_at": _when(caller.ended_at),
            "call_duration": seconds,
            "charged_duration": 0,
        }
        if phone is not None:
            values.update(sip_group_name=phone.group_name, phone_name=phone.phone_name, audio=f"phone:{phone.account}")
        if result.recording is not None:
            values["recording_file_id"] = await Recordings(self.s).keep(result.recording, row)
        async with self.s.db.write() as conn:
            await finalize(conn, row, values, self.s.clock.now())


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
