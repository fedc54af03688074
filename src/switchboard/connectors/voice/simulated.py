"""The simulated callee: a small SIP UAS on 127.0.0.1 that answers each call as its scenario says.

It is what ``serve`` calls when no SIP trunk is configured (the sandbox), and a far end for tests. Per call
it rings, then refuses with a final code, answers (PCMU/PCMA, counting the RTP it receives), presses keys
(RFC 4733 events or SIP INFO) and hangs up, as ``switchboard.domain.voice.scenarios`` describes. Optional
digest authentication (``auth``) challenges each new INVITE with 401 first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

from switchboard.connectors.voice.transport import Address, SipEndpoint
from switchboard.domain.voice import digest, rtp, sdp
from switchboard.domain.voice.scenarios import Behaviour, CalleeScenario
from switchboard.domain.voice.sip import SipMessage, response, uri_of, user_of

log = logging.getLogger("switchboard.voice.callee")
T1, T2, GIVE_UP = 0.5, 4.0, 32.0
KEEP_CALLS = 1000


class _Sink(asyncio.DatagramProtocol):
    """Receives the caller's RTP: counts packets per payload type and keeps the audio (up to 10 minutes)."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.packets: dict[int, int] = {}
        self.audio = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython 3.11's selector datagram transport does not subclass DatagramTransport: no isinstance check.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        packet = rtp.parse(data)
        if packet is not None:
            self.packets[packet.payload_type] = self.packets.get(packet.payload_type, 0) + 1
            if packet.payload_type in (sdp.PCMU, sdp.PCMA) and len(self.audio) < 8000 * 600:
                self.audio += packet.payload


@dataclass
class CalleeCall:
    call_id: str
    number: str
    behaviour: Behaviour
    invite: SipMessage
    peer: Address
    to_tag: str = field(default_factory=lambda: secrets.token_hex(6))
    state: str = "ringing"  # ringing | answered | refused | cancelled | ended
    final_status: int | None = None
    hung_up_by: str = ""
    keys_sent: str = ""
    last_response: SipMessage | None = None
    sink: _Sink | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    replies: dict[str, asyncio.Event] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None
    cseq: int = 0

    @property
    def rtp_packets(self) -> int:
        return sum(n for pt, n in (self.sink.packets if self.sink else {}).items() if pt in (sdp.PCMU, sdp.PCMA))

    @property
    def payload_types(self) -> set[int]:
        return set(self.sink.packets) if self.sink else set()


class SimulatedCallee:
    def __init__(
        self,
        scenario: CalleeScenario | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        auth: tuple[str, str] | None = None,
        journal: TextIO | None = None,
    ) -> None:
        self.scenario = scenario or CalleeScenario()
        self.host, self.port = host, port
        self.auth = auth
        self.journal = journal  # one line "<number> <Call-ID>" per new call, for tests that count dials
        self.endpoint: SipEndpoint | None = None
        self.calls: dict[str, CalleeCall] = {}

    @property
    def address(self) -> Address:
        assert self.endpoint is not None
        return self.endpoint.address

    async def start(self) -> None:
        self.endpoint = await SipEndpoint.open(self.host, self.port)
        self.endpoint.fallback = self._new_request

    async def stop(self) -> None:
        for call in self.calls.values():
            if call.task is not None:
                call.task.cancel()
            if call.sink is not None and call.sink.transport is not None:
                call.sink.transport.close()
        if self.endpoint is not None:
            self.endpoint.close()

    def status(self) -> dict[str, Any]:
        return {"address": f"{self.address[0]}:{self.address[1]}", "calls": len(self.calls)}

    # ---- requests -----------------------------------------------------------------------------------

    def _send(self, message: SipMessage, peer: Address) -> None:
        assert self.endpoint is not None
        self.endpoint.send(message, peer)

    def _new_request(self, message: SipMessage, peer: Address) -> None:
        if message.method != "INVITE":
            if message.method != "ACK":
                self._send(response(message, 481, "Call/Transaction Does Not Exist"), peer)
            return
        if self.auth is not None and not self._authorized(message):
            challenge = f'Digest realm="switchboard", nonce="{secrets.token_hex(8)}", algorithm=MD5, qop="auth"'
            self._send(
                response(message, 401, "Unauthorized", to_tag=secrets.token_hex(4)).add("www-authenticate", challenge),
                peer,
            )
            return
        number = user_of(message.uri or "")
        call = CalleeCall(message.call_id, number, self.scenario.behaviour_for(number), message, peer)
        if len(self.calls) >= KEEP_CALLS:
            self.calls.pop(next(iter(self.calls)))
        self.calls[call.call_id] = call
        if self.journal is not None:
            self.journal.write(f"{number} {call.call_id}\n")
            self.journal.flush()
        assert self.endpoint is not None
        self.endpoint.handlers[call.call_id] = lambda m, a: self._in_call(call, m, a)
        self._send(response(message, 100, "Trying"), peer)
        call.task = asyncio.get_running_loop().create_task(self._run(call))

    def _authorized(self, message: SipMessage) -> bool:
        assert self.auth is not None
        header = message.get("authorization")
        return (
            header is not None
            and f'username="{self.auth[0]}"' in header
            and digest.verify(header, method="INVITE", password=self.auth[1])
        )

    def _in_call(self, call: CalleeCall, message: SipMessage, peer: Address) -> None:
        if not message.is_request:
            event = call.replies.get(message.cseq[1])
            if event is not None and (message.status or 0) >= 200:
                event.set()
            return
        method = message.method
        if method == "INVITE" and message.cseq == call.invite.cseq:
            if call.last_response is not None:
                self._send(call.last_response, peer)
        elif method == "ACK":
            call.acked.set()
        elif method == "CANCEL":
            self._send(response(message, 200, "OK"), peer)
            if call.state == "ringing" and call.task is not None:
                call.task.cancel()
                call.state = "cancelled"
                asyncio.get_running_loop().create_task(self._final(call, 487, "Request Terminated"))
        elif method == "BYE":
            self._send(response(message, 200, "OK"), peer)
            if call.state == "answered":
                call.state, call.hung_up_by = "ended", "caller"
            call.ended.set()
        else:
            self._send(response(message, 200, "OK"), peer)

    # ---- the callee's side of a call ----------------------------------------------------------------

    def _respond(self, call: CalleeCall, status: int, reason: str, body: bytes = b"") -> SipMessage:
        message = response(call.invite, status, reason, to_tag=call.to_tag)
        message.add("contact", f"<sip:{call.number}@{self.address[0]}:{self.address[1]}>")
        if body:
            message.add("content-type", "application/sdp")
            message.body = body
        call.last_response = message
        self._send(message, call.peer)
        return message

    async def _until_acked(self, call: CalleeCall, message: SipMessage) -> bool:
        interval, waited = T1, 0.0
        while waited < GIVE_UP:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.acked.wait(), interval)
                return True
            waited += interval
            interval = min(interval * 2, T2)
            self._send(message, call.peer)
        return False

    async def _final(self, call: CalleeCall, status: int, reason: str) -> None:
        call.final_status = status
        await self._until_acked(call, self._respond(call, status, reason))
        call.ended.set()

    async def _run(self, call: CalleeCall) -> None:
        behaviour = call.behaviour
        if behaviour.ring > 0:
            self._respond(call, 180, "Ringing")
            await asyncio.sleep(behaviour.ring)
        if behaviour.status == 0:
            await asyncio.Event().wait()  # ring until the caller cancels
        if behaviour.status != 200:
            call.state = "refused"
            await self._final(call, behaviour.status, "Refused")
            return
        await self._answer(call)

    async def _answer(self, call: CalleeCall) -> None:
        try:
            offer = sdp.parse(call.invite.body)
            loop = asyncio.get_running_loop()
            _, call.sink = await loop.create_datagram_endpoint(_Sink, local_addr=(self.host, 0))
            assert call.sink.transport is not None
            port = int(call.sink.transport.get_extra_info("sockname")[1])
            body = sdp.answer(
                offer, self.host, port, session_id=secrets.randbelow(2**31), supported=(sdp.PCMU, sdp.PCMA)
            )
        except sdp.SdpError:
            call.state = "refused"
            await self._final(call, 488, "Not Acceptable Here")
            return
        call.state, call.final_status = "answered", 200
        if not await self._until_acked(call, self._respond(call, 200, "OK", body)):
            await self._bye(call)
            return
        behaviour = call.behaviour
        actions = []
        if behaviour.press:
            actions.append(self._press(call, offer, behaviour))
        if behaviour.hangup_after is not None:
            actions.append(self._hang_up_after(call, behaviour.hangup_after))
        tasks = [asyncio.ensure_future(a) for a in actions]
        try:
            await call.ended.wait()
        finally:
            for task in tasks:
                task.cancel()
            if call.sink.transport is not None:
                call.sink.transport.close()

    async def _press(self, call: CalleeCall, offer: sdp.Session, behaviour: Behaviour) -> None:
        await asyncio.sleep(behaviour.press_after)
        sink = call.sink
        for key in behaviour.press:
            if call.ended.is_set():
                return
            if behaviour.press_mode == "info":
                await self._request(
                    call, "INFO", b"Signal=" + key.encode() + b"\r\nDuration=160\r\n", "application/dtmf-relay"
                )
            elif sink is not None and sink.transport is not None:
                ssrc, seq, ts = secrets.randbits(32), secrets.randbits(16), secrets.randbits(32)
                for packet in rtp.event_packets(
                    key, payload_type=offer.dtmf_pt or sdp.DTMF_PT, ssrc=ssrc, sequence=seq, timestamp=ts
                ):
                    sink.transport.sendto(packet.encode(), (offer.address, offer.port))
                    await asyncio.sleep(rtp.FRAME_SECONDS)
            call.keys_sent += key
            await asyncio.sleep(0.2)

    async def _hang_up_after(self, call: CalleeCall, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if call.state == "answered":
            call.state, call.hung_up_by = "ended", "callee"
            await self._bye(call)

    async def _bye(self, call: CalleeCall) -> None:
        await self._request(call, "BYE")
        call.ended.set()

    async def _request(self, call: CalleeCall, method: str, body: bytes = b"", kind: str = "") -> None:
        """An in-dialog request from the callee, retransmitted until answered (or 32 s)."""
        call.cseq += 1
        invite = call.invite
        request = SipMessage(method=method, uri=uri_of(invite.get("contact") or invite.get("from") or ""))
        request.add("via", f"SIP/2.0/UDP {self.address[0]}:{self.address[1]};branch=z9hG4bK{secrets.token_hex(8)}")
        request.add("max-forwards", "70")
        request.add("from", f"{invite.get('to')};tag={call.to_tag}")
        request.add("to", invite.get("from") or "")
        request.add("call-id", call.call_id)
        request.add("cseq", f"{call.cseq} {method}")
        if body:
            request.add("content-type", kind)
            request.body = body
        done = call.replies[method] = asyncio.Event()
        interval, waited = T1, 0.0
        while waited < GIVE_UP and not done.is_set():
            self._send(request, call.peer)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), interval)
            waited += interval
            interval = min(interval * 2, T2)


async def start_simulated_callee(
    scenario: CalleeScenario | dict[str, Any] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    auth: tuple[str, str] | None = None,
    journal: TextIO | None = None,
) -> SimulatedCallee:
    """Start the simulated callee (a random port on 127.0.0.1 by default); ``stop()`` it when done."""
    if isinstance(scenario, dict):
        scenario = CalleeScenario.of(scenario)
    callee = SimulatedCallee(scenario, host=host, port=port, auth=auth, journal=journal)
    await callee.start()
    return callee
