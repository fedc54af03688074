"""A phone's own call (direct dial, record and push type 4): a registered phone sends an INVITE for a number to the
platform's SIP port; it is authenticated like a REGISTER (digest, 407 challenge, the phone's account in From),
priced and paid for like a sendSip call (the callee's voice rate; the app's ``sip_max_duration`` reserved,
the rest refunded), dialled through the trunks (the phone's ``displayNum`` as caller id, else the trunk's),
bridged and recorded (``connectors/voice/direct_bridge.py``), then settled by the voice worker's rules.

Refusals answer the phone's INVITE: a number that is not 7-15 digits 484, no voice rate 403, a balance that
cannot cover the reservation 402, no voice worker in this process 503; nothing is billed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.bridge import BridgeConfig
from switchboard.connectors.voice.direct_bridge import DirectBridge, DirectResult
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.sip_server import Inbound, SipServer
from switchboard.domain.fx import exchange_for
from switchboard.domain.pricing import PriceList
from switchboard.domain.voice import billing, termination
from switchboard.domain.voice.sip import response, user_of
from switchboard.domain.voice.validation import check_callee
from switchboard.services.context import Services
from switchboard.services.recordings import Recordings, new_name, recordings_dir
from switchboard.services.voice import DIRECT, VoiceOptions, region_of
from switchboard.store import catalog, tenants
from switchboard.store import phones as phone_store
from switchboard.store import voice as store

if TYPE_CHECKING:
    from switchboard.workers.voice import VoiceEngine


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


async def direct_dial(services: Services, server: SipServer, inbound: Inbound, phone: phone_store.Phone) -> None:
    engine: VoiceEngine | None = services.caches.get("voice_engine")
    try:
        if engine is None:
            raise Refused(503, "Service Unavailable")
        row = await _open(services, phone, user_of(inbound.message.uri or ""), engine.owner)
    except Refused as refused:
        inbound.answer(response(inbound.message, refused.status, refused.reason, to_tag="sb"))
        return
    opts_ringing = float(row["max_ringing"])
    record = await _records(services, row["app_id"])
    recorder = CallRecorder(recordings_dir(services), new_name(row["voice_id"])) if record else None

    async def dial(request: CallRequest, ending: Any) -> CallResult:
        assert engine is not None
        return await engine.through_trunks(row, ending, bridge=request.bridge, dialled=True)

    config = BridgeConfig(ringing=opts_ringing, rtp_timeout=services.settings.sip_rtp_timeout)
    bridge = DirectBridge(server, inbound, dial=dial, recorder=recorder, config=config, wall=services.clock.time)
    request = CallRequest(row["voice_id"], row["callee"], row["display_num"], b"", 1, opts_ringing, None)
    result = await bridge.run(request, server.stopping)
    extra: dict[str, Any] = {}
    if result.recording is not None:
        extra["recording_file_id"] = await Recordings(services).keep(result.recording, row)
    await engine.settle(row, combined(result), extra)


def combined(result: DirectResult) -> CallResult:
    phone = result.phone
    if result.callee is None:
        return CallResult(phone.code, phone.reason, phone.sip_code, False, phone.started_at, ended_at=phone.ended_at)
    callee = replace(result.callee, started_at=phone.started_at)
    if callee.reason == termination.SHUTDOWN:  # a phone's call is never dialled again later
        callee = replace(callee, reason="Ended by the platform")
    return callee


async def _records(services: Services, app_id: str) -> bool:
    async with services.db.read() as conn:
        app = await tenants.get_app(conn, app_id)
    return VoiceOptions.of(app.options).record_calls if app is not None else False


async def _open(services: Services, phone: phone_store.Phone, dialled: str, owner: str) -> dict[str, Any]:
    number = check_callee(dialled)
    if number is None:
        raise Refused(484, "Address Incomplete")
    now = services.clock.now()
    async with services.db.write() as conn:
        app = await tenants.get_app(conn, phone.app_id)
        account = await tenants.get_account(conn, phone.account_id)
        assert app is not None and account is not None
        rates = await catalog.load_rates(conn, "voice", account.id)
        rate = PriceList(rates, account_id=account.id, currency=account.currency).rate_for(
            number.country, number.digits
        )
        if rate is None:
            raise Refused(403, "No Rate For This Destination")
        opts = VoiceOptions.of(app.options)
        voice_id = services.msg_ids.next()
        reserved = billing.reservation(opts.sip_max_duration, block=opts.bill_block, price=rate.price)
        from_gift = await tenants.debit(
            conn, account_id=account.id, cost=reserved, reference=f"voice {voice_id} x1", now=now
        )
        if from_gift is None:
            raise Refused(402, "Payment Required")
        row = {
            "voice_id": voice_id,
            "account_id": account.id,
            "app_id": app.app_id,
            "type": DIRECT,
            "callee": number.digits,
            "display_num": phone.display_num,
            "country": number.country,
            "region": region_of(number)[:100],
            "audio": f"phone:{phone.account}",
            "audio_ms": 0,
            "loop_count": 1,
            "max_duration": opts.sip_max_duration,
            "max_ringing": opts.sip_ringing,
            "status": store.CALLING,
            "due_at": now,
            # The SIP process holds the call: the voice workers' sweeper must not end it as lost meanwhile.
            "lease_until": now + timedelta(seconds=opts.sip_max_duration + 3600),
            # Held by this process and dialled already (the phone's INVITE): after a crash it ends as lost,
            # never queued again.
            "claimed_by": owner,
            "dialed_at": now,
            "attempts": 1,
            "price": rate.price,
            "bill_block": opts.bill_block,
            "limit_seconds": opts.sip_max_duration,
            "reserved": reserved,
            "paid_gift": min(reserved, from_gift),
            "currency": account.currency,
            "quote_exchange": exchange_for(
                account.currency, services.settings.settle_currency, services.settings.exchange_rates
            ),
            "created_at": now,
            "sip_group_name": phone.group_name,
            "phone_name": phone.phone_name,
        }
        await store.insert_calls(conn, [row])
        found = await store.get_call(conn, voice_id)
    assert found is not None
    return found
