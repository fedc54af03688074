"""Bridged calls in the voice worker: a sendSip call (type 3) rings its phone through this process's SIP port,
then its callee through the trunks (``VoiceEngine.through_trunks``), bridges and records them
(``connectors/voice/bridge.py``), and is settled like any call: billed by the callee leg, pushed (V23).

A phone with no live registration is not rung: the record says so and nothing is billed. The recording, when
the app records calls (``record_calls``, on by default), is kept under the data directory (``services/
recordings.py``) and named in the record's ``recordingFileId``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.bridge import BridgeConfig, BridgedCall, BridgeResult
from switchboard.connectors.voice.phone_leg import PhoneContact
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.sip_server import SipServer
from switchboard.domain.voice.bridge import NO_SIP_PORT, NOT_REGISTERED, phone_failure
from switchboard.services.recordings import Recordings, new_name, recordings_dir
from switchboard.services.voice import VoiceOptions
from switchboard.store import phones, tenants

if TYPE_CHECKING:
    from switchboard.workers.voice import VoiceEngine


def phone_account(row: dict[str, Any]) -> str:
    return str(row["audio"]).partition(":")[2]  # "phone:<account>"


async def _contact(engine: VoiceEngine, row: dict[str, Any]) -> tuple[PhoneContact | None, bool]:
    """The phone's newest live registration, and whether the app records its calls."""
    s = engine.s
    async with s.db.read() as conn:
        phone = await phones.get_phone(conn, phone_account(row), app_id=row["app_id"])
        found = await phones.registrations(conn, [phone.id], now=s.clock.now()) if phone else []
        app = await tenants.get_app(conn, row["app_id"])
    record = VoiceOptions.of(app.options).record_calls if app is not None else False
    if not found:
        return None, record
    newest = found[0]
    return PhoneContact.of(newest.contact, newest.source, newest.transport), record


async def place_bridged(engine: VoiceEngine, row: dict[str, Any], hangup: asyncio.Event) -> None:
    s = engine.s
    now = s.clock.time()
    server = s.caches.get("sip_server")
    contact, record = await _contact(engine, row)
    if not isinstance(server, SipServer) or contact is None:
        code, reason = NO_SIP_PORT if not isinstance(server, SipServer) else NOT_REGISTERED
        await engine.settle(row, CallResult(code, reason, None, False, now, ended_at=now))
        return
    # Marked dialled before the phone rings: a worker killed from here on leaves a call that is ended as lost,
    # never one queued again that would ring the phone a second time (raises NotOurs when taken over).
    await engine.mark_dialing(row)
    recorder = CallRecorder(recordings_dir(s), new_name(row["voice_id"])) if record else None

    async def dial(request: CallRequest, ending: asyncio.Event) -> CallResult:
        return await engine.through_trunks(row, ending, bridge=request.bridge, dialled=True)

    config = BridgeConfig(ringing=float(row["max_ringing"]), rtp_timeout=s.settings.sip_rtp_timeout)
    bridge = BridgedCall(server, contact, dial=dial, recorder=recorder, config=config, wall=s.clock.time)
    request = CallRequest(row["voice_id"], row["callee"], row["display_num"], b"", 1, float(row["max_ringing"]), None)
    outcome = await bridge.run(request, hangup)
    extra: dict[str, Any] = {}
    if outcome.recording is not None:
        extra["recording_file_id"] = await Recordings(s).keep(outcome.recording, row)
    await engine.settle(row, combined(outcome), extra)


def combined(outcome: BridgeResult) -> CallResult:
    """The call's result for its record: the callee leg's, or the phone's failure when it was never dialled."""
    phone = outcome.phone
    if outcome.callee is None:
        code, reason = phone_failure(phone.code, phone.reason)
        return CallResult(code, reason, phone.sip_code, False, phone.started_at, phone.ringing_at, None, phone.ended_at)
    return replace(outcome.callee, started_at=phone.started_at)
