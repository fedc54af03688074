"""A phone's own call (direct dial): its INVITE is the caller's leg (``InboundLeg``), the callee is dialled through
the trunks (``dial``, as for sendSip) and the phone is answered only when the callee answers; then the relay
carries the media, the recorder taps it, and either side's hang-up (or RTP stopping) ends both legs.

The callee's refusal is passed on to the phone as its final response (486 busy, 480 no answer, 503 when no
trunk responded); the phone's CANCEL cancels the callee leg.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from switchboard.connectors.voice.base import Bridged, CallRequest, CallResult, Hangup
from switchboard.connectors.voice.bridge import CALLER_HUNG_UP, RTP_TIMEOUT, BridgeConfig, Dial, first
from switchboard.connectors.voice.inbound_bridge import IncomingBridge
from switchboard.connectors.voice.inbound_leg import InboundLeg
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.relay import A, B
from switchboard.connectors.voice.sip_server import Inbound, SipServer
from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.call import CallOutcome
from switchboard.domain.voice.relay import LegMedia


@dataclass(frozen=True)
class DirectResult:
    phone: CallOutcome  # wall-clock epoch seconds
    callee: CallResult | None
    recording: Path | None = None


def phone_code(result: CallResult) -> int:
    """The final response the phone gets when the callee did not connect."""
    return 503 if result.code in termination.FAILOVER else result.code if 400 <= result.code < 700 else 480


class DirectBridge(IncomingBridge):
    def __init__(
        self,
        server: SipServer,
        inbound: Inbound,
        *,
        dial: Dial,
        recorder: CallRecorder | None = None,
        config: BridgeConfig | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(server, inbound, recorder=recorder, config=config, wall=wall)
        self.dial = dial
        self.answered = asyncio.Event()

    async def run(self, request: CallRequest, hangup: asyncio.Event) -> DirectResult:
        phone = InboundLeg(self.server, self.inbound, self.local)
        callee: CallResult | None = None
        try:
            offer = sdp.parse(self.inbound.message.body)
            media = sdp.negotiate(offer)
        except sdp.SdpError:
            phone.apply(phone.machine.reject(488, termination.reason_for(488), phone.now))
            try:
                return await self._result(phone, None)
            finally:
                phone.close(self.config.linger)  # else its entry in the server's dialogs stays forever
        side_a, side_b = await self.relay.open(self.local)
        self.relay.legs[A].media = LegMedia(media.payload_type, media.dtmf_pt)
        self.relay.set_peer(A, media.remote)

        def callee_answered(answer: sdp.Negotiated) -> None:
            self.relay.legs[B].media = LegMedia(answer.payload_type, answer.dtmf_pt)
            self.relay.set_peer(B, answer.remote)
            self.relay.legs[A].last = self.relay.legs[B].last = self.relay.clock()
            if self.recorder is not None:
                self.relay.tap = self.recorder.add
            ours = sdp.answer(offer, *side_a, session_id=secrets.randbelow(2**31), supported=(media.payload_type,))
            phone.apply(phone.machine.answer(ours, phone.now))
            self.answered.set()

        try:
            phone.apply(phone.machine.ring(phone.now))
            ending = Hangup()
            bridged = replace(request, bridge=Bridged(side_b, callee_answered))
            dialling = self.loop.create_task(self.dial(bridged, ending))
            watching = self.loop.create_task(self._watch(phone, ending, hangup))
            try:
                callee = await dialling
            finally:
                watching.cancel()
            if not phone.done.done():
                if callee.answered:
                    phone.apply(phone.machine.hangup(callee.reason, phone.now))
                else:
                    phone.apply(phone.machine.reject(phone_code(callee), f"Callee: {callee.reason}", phone.now))
            return await self._result(phone, callee)
        finally:
            phone.close(self.config.linger)
            self.relay.close()

    async def _watch(self, phone: InboundLeg, ending: Hangup, hangup: asyncio.Event) -> None:
        while not ending.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first(phone.done, hangup), self.config.check_every)
            if phone.done.done():
                ending.end(CALLER_HUNG_UP)
            elif hangup.is_set():
                ending.end(termination.SHUTDOWN)
            elif self.answered.is_set() and self.relay.dead(self.config.rtp_timeout):
                ending.end(RTP_TIMEOUT)

    async def _result(self, phone: InboundLeg, callee: CallResult | None) -> DirectResult:
        outcome = await asyncio.wait_for(asyncio.shield(phone.done), 70)
        recording = None
        if self.recorder is not None:
            try:
                recording = await self.recorder.finish() if callee is not None and callee.answered else None
            finally:
                if recording is None:
                    self.recorder.discard()
        outcome = replace(
            outcome,
            started_at=self._wall(outcome.started_at) or self._wall0,
            ringing_at=self._wall(outcome.ringing_at),
            answered_at=self._wall(outcome.answered_at),
            ended_at=self._wall(outcome.ended_at) or self._wall0,
        )
        return DirectResult(outcome, callee, recording)
