"""A bridged call (sendSip): ring the phone, then the callee, and relay the media between them (a B2BUA).

1. The phone leg (``PhoneLeg``) rings the app's registered phone, offering the relay's socket A. A phone that
   does not answer, is busy or declines ends the call: the callee is never dialled.
2. When the phone answers, ``dial`` places the callee leg through the trunks (routing, caller id, failover as
   for notification calls) with a ``Bridged`` request: its offer names the relay's socket B and no audio is
   played. When the callee answers the relay carries both directions (PCMU/PCMA translated, RFC 4733 events
   passed) and the recorder, when there is one, taps it.
3. Either side's BYE ends the other leg (BYE, or CANCEL while the callee still rings); so does the platform's
   ``hangup`` (shutdown) and an RTP timeout: a leg that sent RTP and then sends none for ``rtp_timeout``
   seconds is taken for dead and both legs are hung up (``RtpRelay.dead``).

Times come back as wall-clock epoch seconds in a ``BridgeResult``: the phone's outcome, the callee's result
(None when it was never dialled) and the recording (None when the callee never answered or nobody spoke).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from switchboard.connectors.voice.base import Bridged, CallRequest, CallResult, Hangup
from switchboard.connectors.voice.phone_leg import PhoneContact, PhoneLeg, advertised
from switchboard.connectors.voice.recorder import CallRecorder
from switchboard.connectors.voice.relay import A, B, RtpRelay
from switchboard.connectors.voice.sip_server import SipServer
from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.call import CallOutcome
from switchboard.domain.voice.relay import LegMedia

log = logging.getLogger("switchboard.voice.bridge")
CALLER_HUNG_UP = "Caller hung up"
RTP_TIMEOUT = "RTP timeout"
Dial = Callable[[CallRequest, asyncio.Event], Coroutine[Any, Any, CallResult]]


@dataclass(frozen=True)
class BridgeResult:
    phone: CallOutcome  # times in wall-clock epoch seconds
    callee: CallResult | None
    recording: Path | None = None
    relayed: tuple[int, int] = (0, 0)  # audio and event packets forwarded from the phone, from the callee
    received: tuple[int, int] = (0, 0)  # packets the relay received from the phone, from the callee


@dataclass
class BridgeConfig:
    ringing: float = 60.0  # seconds the phone may ring
    rtp_timeout: float = 30.0  # seconds without RTP from a leg, after the answer, before both are hung up
    check_every: float = 1.0
    linger: float = 4.0


class BridgedCall:
    def __init__(
        self,
        server: SipServer,
        contact: PhoneContact,
        *,
        dial: Dial,
        recorder: CallRecorder | None = None,
        config: BridgeConfig | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.server, self.contact, self.dial = server, contact, dial
        self.recorder = recorder
        self.config = config or BridgeConfig()
        self.wall = wall
        self.loop = asyncio.get_running_loop()
        self.relay = RtpRelay(LegMedia(sdp.PCMU), LegMedia(sdp.PCMU))
        self.callee_answered = asyncio.Event()
        self._wall0 = wall()
        self._mono0 = self.loop.time()

    def _wall(self, moment: float | None) -> float | None:
        return None if moment is None else round(self._wall0 + (moment - self._mono0), 3)

    async def run(self, request: CallRequest, hangup: asyncio.Event) -> BridgeResult:
        side_a, side_b = await self.relay.open(advertised(self.server, self.contact))
        leg = PhoneLeg(self.server, self.contact, caller=request.callee, media=side_a, ringing=self.config.ringing)
        callee: CallResult | None = None
        try:
            leg.start()
            if await first(leg.answered, leg.done, hangup) is hangup:
                leg.hangup(termination.SHUTDOWN)
            if leg.answered.done() and not leg.done.done():
                self._latch(A, leg.answered.result())
                callee = await self._bridge(leg, request, side_b, hangup)
            phone = await asyncio.wait_for(asyncio.shield(leg.done), 70)
        finally:
            leg.close(self.config.linger)
            self.relay.close()
        recording = await self._finish_recording(callee)
        phone = replace(
            phone,
            started_at=self._wall(phone.started_at) or self._wall0,
            ringing_at=self._wall(phone.ringing_at),
            answered_at=self._wall(phone.answered_at),
            ended_at=self._wall(phone.ended_at) or self.wall(),
        )
        relayed = (self.relay.legs[A].forwarded, self.relay.legs[B].forwarded)
        received = (self.relay.legs[A].received, self.relay.legs[B].received)
        return BridgeResult(phone, callee, recording, relayed, received)

    def _latch(self, leg: int, media: sdp.Negotiated) -> None:
        self.relay.legs[leg].media = LegMedia(media.payload_type, media.dtmf_pt)
        self.relay.set_peer(leg, media.remote)
        self.relay.legs[leg].last = self.relay.clock()

    def _callee_answered(self, media: sdp.Negotiated) -> None:
        self._latch(B, media)
        self.relay.legs[A].last = self.relay.clock()
        if self.recorder is not None:
            self.relay.tap = self.recorder.add
        self.callee_answered.set()

    async def _bridge(
        self, leg: PhoneLeg, request: CallRequest, side_b: tuple[str, int], hangup: asyncio.Event
    ) -> CallResult:
        """The callee leg, from dialling to its end; the phone leg is hung up when the callee's ends first."""
        ending = Hangup()
        bridged = replace(request, bridge=Bridged(side_b, self._callee_answered))
        dialling = self.loop.create_task(self.dial(bridged, ending))
        watching = self.loop.create_task(self._watch(leg, ending, hangup))
        try:
            result = await dialling
        finally:
            watching.cancel()
        if not leg.done.done():
            leg.hangup(result.reason if result.answered else f"Callee: {result.reason}")
            if ending.reason == RTP_TIMEOUT and self.relay.silent_for(A) > self.config.rtp_timeout:
                leg.abandon()  # the phone stopped sending: its BYE is sent once, its answer not awaited
        return result

    async def _watch(self, leg: PhoneLeg, ending: Hangup, hangup: asyncio.Event) -> None:
        """End the callee leg when the phone hangs up, the platform stops, or a leg's RTP stops."""
        while not ending.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first(leg.done, hangup), self.config.check_every)
            if leg.done.done():
                ending.end(CALLER_HUNG_UP)
            elif hangup.is_set():
                ending.end(termination.SHUTDOWN)
            elif self.callee_answered.is_set() and self._silent():
                log.info("bridged call: no RTP for %.0f s, hanging up both legs", self.config.rtp_timeout)
                ending.end(RTP_TIMEOUT)

    def _silent(self) -> bool:
        return self.relay.dead(self.config.rtp_timeout)

    async def _finish_recording(self, callee: CallResult | None) -> Path | None:
        if self.recorder is None:
            return None
        if callee is None or not callee.answered:
            self.recorder.discard()
            return None
        try:
            return await self.recorder.finish()
        except Exception:
            log.exception("recording could not be made")
            self.recorder.discard()
            return None


async def first(*waitables: asyncio.Future[Any] | asyncio.Event) -> object:
    """Wait until one of the futures is done or events is set; answers which."""
    tasks: dict[asyncio.Future[Any], object] = {}
    for item in waitables:
        if isinstance(item, asyncio.Event):
            if item.is_set():
                return item
            tasks[asyncio.ensure_future(item.wait())] = item
        else:
            if item.done():
                return item
            tasks[asyncio.ensure_future(asyncio.shield(item))] = item
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return tasks[next(iter(done))]
    finally:
        for task in tasks:
            task.cancel()
