"""A SIP trunk over UDP: each call is the sans-I/O ``OutboundCall`` driven by sockets and loop timers.

The trunk is also the outbound proxy: every request of a call goes to its host and port. The driver:
feeds datagrams and timer expiries to the machine and carries out its actions; starts the RTP stream on
the answer and hangs up (BYE) one grace second after the playback ends; ends the call early when asked.
After a call ends its Call-ID stays registered a few seconds so retransmitted responses are acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.media import RtpStream
from switchboard.connectors.voice.timers import MachineTimers
from switchboard.connectors.voice.transport import Address, SipEndpoint, local_address_for
from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.billing import HANGUP_GRACE
from switchboard.domain.voice.call import (
    Action,
    CallOutcome,
    CallSetup,
    Credentials,
    Digit,
    Finished,
    OutboundCall,
    Send,
    StartMedia,
    StartTimer,
    StopMedia,
    StopTimer,
)
from switchboard.domain.voice.sip import SipMessage

log = logging.getLogger("switchboard.voice.trunk")


@dataclass(frozen=True)
class SipTrunkConfig:
    name: str
    host: str
    port: int = 5060
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    caller_id: str | None = None
    local_host: str | None = None  # the address to bind and advertise (default: the route to the trunk)
    local_port: int = 0
    codecs: tuple[int, ...] = (sdp.PCMU, sdp.PCMA)
    t1: float = 0.5
    linger: float = 4.0  # seconds a finished call still answers retransmissions


class SipTrunk:
    def __init__(self, config: SipTrunkConfig, *, wall: Callable[[], float] = time.time) -> None:
        self.name = config.name
        self.config = config
        self.wall = wall
        self._endpoint: SipEndpoint | None = None
        self.remote: Address = (config.host, config.port)
        self._local = config.local_host or "127.0.0.1"
        self.active = 0
        self.counters = {"placed": 0, "answered": 0, "failed": 0}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(self.config.host, self.config.port, type=socket.SOCK_DGRAM)
        host = str(infos[0][4][0])
        self.remote = (host, self.config.port)
        self._local = self.config.local_host or local_address_for(host, self.config.port)
        self._endpoint = await SipEndpoint.open(self._local, self.config.local_port)

    async def stop(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None

    def status(self) -> dict[str, Any]:
        address = self._endpoint.address if self._endpoint else None
        return {"trunk": f"{self.remote[0]}:{self.remote[1]}", "local": address, "active": self.active, **self.counters}

    async def probe(self, timeout: float = 2.0) -> bool:
        """An OPTIONS ping to the trunk (retransmitted every T1): True when it answers with anything but 503."""
        endpoint = self._endpoint
        if endpoint is None:
            return False
        local = endpoint.address
        call_id = f"ping-{secrets.token_hex(8)}@{local[0]}"
        ping = SipMessage(method="OPTIONS", uri=f"sip:{_host(self.remote[0])}:{self.remote[1]}")
        ping.add("via", f"SIP/2.0/UDP {_host(local[0])}:{local[1]};branch=z9hG4bK{secrets.token_hex(8)};rport")
        ping.add("from", f"<sip:switchboard@{_host(local[0])}:{local[1]}>;tag={secrets.token_hex(4)}")
        ping.add("to", f"<sip:{_host(self.remote[0])}:{self.remote[1]}>")
        ping.add("call-id", call_id).add("cseq", "1 OPTIONS").add("max-forwards", "70")
        answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_answer(message: SipMessage, _addr: Address) -> None:
            if message.status is not None and message.status >= 200 and not answered.done():
                answered.set_result(message.status)

        endpoint.handlers[call_id] = on_answer
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while not answered.done():
                endpoint.send(ping, self.remote)
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(answered), min(self.config.t1, left))
            return answered.result() != 503
        finally:
            endpoint.handlers.pop(call_id, None)

    async def place(self, call: CallRequest, hangup: asyncio.Event) -> CallResult:
        if self._endpoint is None:
            raise RuntimeError(f"trunk {self.name} is not started")
        self.active += 1
        self.counters["placed"] += 1
        try:
            result = await _Dialog(self, self._endpoint, call).run(hangup)
        finally:
            self.active -= 1
        self.counters["answered" if result.answered else "failed"] += 1
        return result

    def caller_for(self, call: CallRequest) -> str:
        """The From user of the INVITE: the call's displayNum, else the trunk's caller id."""
        return call.caller_id or self.config.caller_id or "switchboard"

    def setup_for(self, call: CallRequest, contact_address: Address, sdp_offer: bytes) -> CallSetup:
        host, port = self.remote
        local_host, local_port = contact_address
        caller = self.caller_for(call)
        credentials = None
        if self.config.username and self.config.password is not None:
            credentials = Credentials(self.config.username, self.config.password)
        return CallSetup(
            call_id=f"{secrets.token_hex(12)}@{local_host}",
            from_tag=secrets.token_hex(6),
            request_uri=f"sip:{call.callee}@{_host(host)}:{port}",
            from_uri=f"sip:{caller}@{_host(local_host)}",
            contact=f"sip:switchboard@{_host(local_host)}:{local_port}",
            via_host=f"{_host(local_host)}:{local_port}",
            offer=sdp_offer,
            max_ringing=call.max_ringing,
            max_duration=call.max_duration,
            credentials=credentials,
            offered=self.config.codecs,
            t1=self.config.t1,
        )


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class _Dialog:
    """Runs one OutboundCall: the glue between the machine, the SIP endpoint, the loop's timers and RTP."""

    def __init__(self, trunk: SipTrunk, endpoint: SipEndpoint, call: CallRequest) -> None:
        self.trunk = trunk
        self.endpoint = endpoint
        self.call = call
        self.loop = asyncio.get_running_loop()
        self.timers = MachineTimers(self.loop, self._on_timer)
        self.keys: list[str] = []
        self.result: asyncio.Future[CallOutcome] = self.loop.create_future()
        self.media: RtpStream | None = None
        self.machine: OutboundCall | None = None
        self._playback: asyncio.Task[None] | None = None

    async def run(self, hangup: asyncio.Event) -> CallResult:
        bridge = self.call.bridge
        self.media = await RtpStream.open(self.endpoint.address[0], self.keys.append)
        host, port = bridge.address if bridge is not None else (self.endpoint.address[0], self.media.port)
        offer = sdp.offer(host, port, session_id=secrets.randbelow(2**31), codecs=self.trunk.config.codecs)
        setup = self.trunk.setup_for(self.call, self.endpoint.address, offer)
        if self.call.before_invite is not None:
            try:
                await self.call.before_invite()
            except BaseException:
                self.media.close()
                raise
        self.machine = OutboundCall(setup, lambda: secrets.token_hex(8))
        wall0, mono0 = self.trunk.wall(), self.loop.time()
        self.endpoint.handlers[setup.call_id] = self._on_message
        stopper = self.loop.create_task(self._watch(hangup))
        try:
            self._apply(self.machine.start(self.loop.time()))
            outcome = await self.result
        finally:
            stopper.cancel()
            self.timers.cancel_all()
            if self._playback is not None:
                self._playback.cancel()
            self.media.close()
            self.loop.call_later(self.trunk.config.linger, self.endpoint.handlers.pop, setup.call_id, None)

        def wall(moment: float | None) -> float | None:
            return None if moment is None else round(wall0 + (moment - mono0), 3)

        return CallResult(
            code=outcome.code,
            reason=outcome.reason,
            sip_code=outcome.sip_code,
            answered=outcome.answered,
            started_at=wall(outcome.started_at) or wall0,
            ringing_at=wall(outcome.ringing_at),
            answered_at=wall(outcome.answered_at),
            ended_at=wall(outcome.ended_at),
            keys="".join(self.keys),
            failover=outcome.failover,
            trunk=self.trunk.name,
            media=self.media.stats(),
            caller_id=self.trunk.caller_for(self.call),
        )

    async def _watch(self, hangup: asyncio.Event) -> None:
        await hangup.wait()
        if self.machine is not None:
            reason = getattr(hangup, "reason", termination.SHUTDOWN)  # a bridge names why (base.Hangup)
            self._apply(self.machine.hangup(reason, self.loop.time()))

    def _on_message(self, message: SipMessage, _addr: Address) -> None:
        if self.machine is not None:
            self._apply(self.machine.receive(message, self.loop.time()))

    def _on_timer(self, name: str) -> None:
        if self.machine is not None:
            self._apply(self.machine.timer(name, self.loop.time()))

    def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self.endpoint.send(action.message, self.trunk.remote)
            elif isinstance(action, (StartTimer, StopTimer)):
                self.timers.apply(action)
            elif isinstance(action, StartMedia):
                self._start_media(action.media)
            elif isinstance(action, StopMedia):
                if self.media is not None:
                    self.media.stop()
            elif isinstance(action, Digit):
                self.keys.append(action.digit)
            elif isinstance(action, Finished) and not self.result.done():
                self.result.set_result(action.outcome)

    def _start_media(self, media: sdp.Negotiated) -> None:
        if self.call.bridge is not None:
            self.call.bridge.on_answer(media)  # the relay carries the media; the call lasts until hung up
            return
        assert self.media is not None
        self.media.play(media, self.call.audio, self.call.loops)
        self._playback = self.loop.create_task(self._after_playback())

    async def _after_playback(self) -> None:
        assert self.media is not None
        await self.media.done.wait()
        await asyncio.sleep(HANGUP_GRACE)
        if self.machine is not None:
            self._apply(self.machine.hangup(termination.COMPLETED, self.loop.time()))
