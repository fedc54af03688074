"""An incoming call to a number assigned to phones: ring every registered contact at once, bridge the first that
answers, record, and end both legs when either side hangs up (or RTP stops).

The caller's leg (``InboundLeg``) rings (180) while the phones ring; it is answered (200 with our SDP, the
relay's socket A) only when a phone answers, so the carrier bills nothing for an unanswered call. The other
phones are cancelled. No phone answering within ``ringing`` seconds, or all refusing, answers the caller 480
(486 when every phone was busy); the caller's CANCEL cancels the phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from switchboard.connectors.voice.bridge import CALLER_HUNG_UP, RTP_TIMEOUT, BridgeConfig, first
from switchboard.connectors.voice.inbound_leg import InboundLeg
from switchboard.connectors.voice.phone_leg import PhoneContact, PhoneLeg
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.relay import A, B, RtpRelay
from switchboard.connectors.voice.sip_server import Inbound, SipServer
from switchboard.connectors.voice.transport import local_address_for
from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.call import CallOutcome
from switchboard.domain.voice.inbound import caller_of
from switchboard.domain.voice.relay import LegMedia

ANSWERED_ELSEWHERE = "Answered elsewhere"
PHONE_HUNG_UP = "Phone hung up"


@dataclass(frozen=True)
class InboundResult:
    caller: CallOutcome  # wall-clock epoch seconds
    answered_by: PhoneContact | None
    recording: Path | None = None


class IncomingBridge:
    """What the bridges of a call that came in to our SIP port share: the caller's INVITE, the relay (socket A
    towards the caller), the recorder, and the monotonic-to-wall clock of the call's moments."""

    def __init__(
        self,
        server: SipServer,
        inbound: Inbound,
        *,
        recorder: CallRecorder | None = None,
        config: BridgeConfig | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.server, self.inbound = server, inbound
        self.recorder = recorder
        self.config = config or BridgeConfig()
        self.loop = asyncio.get_running_loop()
        self._wall0, self._mono0 = wall(), self.loop.time()
        host = server.address[0]
        self.local = local_address_for(*inbound.source) if host in ("0.0.0.0", "::") else host  # noqa: S104
        self.relay = RtpRelay(LegMedia(sdp.PCMU), LegMedia(sdp.PCMU))

    def _wall(self, moment: float | None) -> float | None:
        return None if moment is None else round(self._wall0 + (moment - self._mono0), 3)


class InboundBridge(IncomingBridge):
    def __init__(
        self,
        server: SipServer,
        inbound: Inbound,
        contacts: list[PhoneContact],
        *,
        recorder: CallRecorder | None = None,
        config: BridgeConfig | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(server, inbound, recorder=recorder, config=config, wall=wall)
        self.contacts = contacts

    async def run(self, hangup: asyncio.Event) -> InboundResult:
        caller = InboundLeg(self.server, self.inbound, self.local)
        try:
            offer = sdp.parse(self.inbound.message.body)
            media = sdp.negotiate(offer)
        except sdp.SdpError:
            caller.apply(caller.machine.reject(488, termination.reason_for(488), caller.now))
            try:
                return await self._result(caller, None)
            finally:
                caller.close(self.config.linger)  # else its entry in the server's dialogs stays forever
        side_a, side_b = await self.relay.open(self.local)
        self.relay.legs[A].media = LegMedia(media.payload_type, media.dtmf_pt)
        self.relay.set_peer(A, media.remote)
        phones = [
            PhoneLeg(
                self.server,
                c,
                caller=caller_of(self.inbound.message) or "anonymous",
                media=side_b,
                ringing=self.config.ringing,
            )
            for c in self.contacts
        ]
        winner: PhoneLeg | None = None
        try:
            caller.apply(caller.machine.ring(caller.now))
            for phone in phones:
                phone.start()
            winner = await self._ring(caller, phones, hangup)
            if winner is not None:
                answer = sdp.answer(
                    offer, side_a[0], side_a[1], session_id=secrets.randbelow(2**31), supported=(media.payload_type,)
                )
                caller.apply(caller.machine.answer(answer, caller.now))
                await self._talk(caller, winner, hangup)
            await asyncio.wait_for(asyncio.shield(caller.done), 70)
            for phone in phones:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(phone.done), 70)
        finally:
            for phone in phones:
                phone.close(self.config.linger)
            caller.close(self.config.linger)
            self.relay.close()
        return await self._result(caller, winner)

    async def _ring(self, caller: InboundLeg, phones: list[PhoneLeg], hangup: asyncio.Event) -> PhoneLeg | None:
        """The first phone that answers (the others cancelled), or None: the caller is answered 480/486."""
        waiting = [p.answered for p in phones] + [p.done for p in phones] + [caller.done]
        while True:
            await first(*waiting, hangup)
            answered = next((p for p in phones if p.answered.done() and not p.done.done()), None)
            if answered is not None or caller.done.done() or hangup.is_set() or all(p.done.done() for p in phones):
                break
            waiting = [f for f in waiting if not f.done()]
        for phone in phones:
            if phone is not answered and not phone.done.done():
                phone.hangup(ANSWERED_ELSEWHERE if answered else CALLER_HUNG_UP)
        if answered is None:
            busy = phones and all(p.done.done() and p.done.result().code in (486, 600) for p in phones)
            code = 486 if busy else 480
            reason = termination.SHUTDOWN if hangup.is_set() else termination.reason_for(code)
            caller.apply(caller.machine.reject(code, reason, caller.now))
            return None
        media = answered.answered.result()
        self.relay.legs[B].media = LegMedia(media.payload_type, media.dtmf_pt)
        self.relay.set_peer(B, media.remote)
        self.relay.legs[A].last = self.relay.legs[B].last = self.relay.clock()
        if self.recorder is not None:
            self.relay.tap = self.recorder.add
        return answered

    async def _talk(self, caller: InboundLeg, phone: PhoneLeg, hangup: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first(caller.done, phone.done, hangup), self.config.check_every)
            if caller.done.done():
                phone.hangup(CALLER_HUNG_UP)
                return
            if phone.done.done():
                caller.apply(caller.machine.hangup(PHONE_HUNG_UP, caller.now))
                return
            silent = self.relay.dead(self.config.rtp_timeout)
            if hangup.is_set() or silent:
                reason = termination.SHUTDOWN if hangup.is_set() else RTP_TIMEOUT
                phone.hangup(reason)
                caller.apply(caller.machine.hangup(reason, caller.now))
                return

    async def _result(self, caller: InboundLeg, winner: PhoneLeg | None) -> InboundResult:
        outcome = await asyncio.wait_for(asyncio.shield(caller.done), 70)
        recording = None
        if self.recorder is not None:
            try:
                recording = await self.recorder.finish() if winner is not None else None
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
        return InboundResult(outcome, winner.contact if winner else None, recording)
