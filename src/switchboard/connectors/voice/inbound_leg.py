"""The caller's leg of an incoming call: the ``InboundCall`` UAS machine driven over the platform's SIP port.

Responses go back to the address the INVITE came from (RFC 3581, stamped as the registrar's are), and so do
our requests (BYE): a carrier or a phone behind NAT is reached where it sends from. In-dialog requests and
responses come through the server's ``dialogs``; ``done`` resolves with the outcome.
"""

from __future__ import annotations

import asyncio
import secrets

from switchboard.connectors.voice.sip_server import Address, Inbound, SipServer, stamp_via
from switchboard.connectors.voice.timers import MachineTimers
from switchboard.domain.voice.call import Action, CallOutcome, Finished, Send, StartTimer, StopTimer
from switchboard.domain.voice.inbound import InboundCall, UasSetup
from switchboard.domain.voice.sip import SipMessage


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class InboundLeg:
    def __init__(self, server: SipServer, inbound: Inbound, local_host: str) -> None:
        self.server = server
        self.source = inbound.source
        self.transport = inbound.transport
        self.loop = asyncio.get_running_loop()
        self.timers = MachineTimers(self.loop, self._on_timer)
        self.done: asyncio.Future[CallOutcome] = self.loop.create_future()
        port = server.address[1]
        setup = UasSetup(
            contact=f"sip:switchboard@{_host(local_host)}:{port}",
            via_host=f"{_host(local_host)}:{port}",
            transport=inbound.transport.upper(),
        )
        self.machine = InboundCall(inbound.message, setup, lambda: secrets.token_hex(8), self.loop.time())
        self.call_id = inbound.message.call_id
        server.dialogs[self.call_id] = self._on_message

    def apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                message = action.message
                if not message.is_request:
                    message = stamp_via(message, self.source)
                self.server.send_to(message, self.source, self.transport)
            elif isinstance(action, (StartTimer, StopTimer)):
                self.timers.apply(action)
            elif isinstance(action, Finished) and not self.done.done():
                self.done.set_result(action.outcome)

    @property
    def now(self) -> float:
        return self.loop.time()

    def close(self, linger: float = 4.0) -> None:
        self.timers.cancel_all()
        self.loop.call_later(linger, self.server.dialogs.pop, self.call_id, None)

    def _on_message(self, message: SipMessage, _source: Address) -> None:
        self.apply(self.machine.receive(message, self.loop.time()))

    def _on_timer(self, name: str) -> None:
        self.apply(self.machine.timer(name, self.loop.time()))
