"""The phone leg of a bridged call: an INVITE from the platform's SIP port to a phone's registered contact.

The leg is the sans-I/O ``OutboundCall`` (the same UAC machine as the trunk's calls) driven over the
``SipServer`` the phone registered with: requests go to the address the REGISTER came from (so a phone behind
NAT is reached through its binding), over UDP or on its TCP connection; responses and in-dialog requests come
back through the server's ``dialogs``. The SDP offer names the relay's socket of this leg; ``answered`` is set
with the negotiated media, ``done`` with the outcome.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from switchboard.connectors.voice.sip_server import Address, SipServer
from switchboard.connectors.voice.timers import MachineTimers
from switchboard.connectors.voice.transport import local_address_for
from switchboard.domain.voice import sdp
from switchboard.domain.voice.call import (
    Action,
    CallOutcome,
    CallSetup,
    Finished,
    OutboundCall,
    Send,
    StartMedia,
    StartTimer,
    StopTimer,
)
from switchboard.domain.voice.sip import SipMessage


@dataclass(frozen=True)
class PhoneContact:
    """Where a registered phone is reached: its contact URI, the address its REGISTER came from, udp|tcp."""

    uri: str
    address: Address
    transport: str = "udp"

    @classmethod
    def of(cls, contact: str, source: str, transport: str) -> PhoneContact:
        host, _, port = source.rpartition(":")
        return cls(contact, (host.strip("[]"), int(port)), transport)


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def advertised(server: SipServer, contact: PhoneContact) -> str:
    """The address to put in our Via, Contact and SDP for this phone: the SIP port's, or when it listens on
    every address, the one this machine reaches the phone from."""
    host = server.address[0]
    return local_address_for(*contact.address) if host in ("0.0.0.0", "::") else host  # noqa: S104


class PhoneLeg:
    def __init__(
        self, server: SipServer, contact: PhoneContact, *, caller: str, media: tuple[str, int], ringing: float
    ) -> None:
        self.server = server
        self.contact = contact
        self.loop = asyncio.get_running_loop()
        self.timers = MachineTimers(self.loop, self._on_timer)
        self.answered: asyncio.Future[sdp.Negotiated] = self.loop.create_future()
        self.done: asyncio.Future[CallOutcome] = self.loop.create_future()
        local_host, local_port = advertised(server, contact), server.address[1]
        offer = sdp.offer(media[0], media[1], session_id=secrets.randbelow(2**31))
        self.setup = CallSetup(
            call_id=f"{secrets.token_hex(12)}@{_host(local_host)}",
            from_tag=secrets.token_hex(6),
            request_uri=contact.uri,
            from_uri=f"sip:{caller}@{_host(local_host)}",
            contact=f"sip:switchboard@{_host(local_host)}:{local_port}",
            via_host=f"{_host(local_host)}:{local_port}",
            offer=offer,
            max_ringing=ringing,
            transport=contact.transport.upper(),
        )
        self.machine = OutboundCall(self.setup, lambda: secrets.token_hex(8))

    def start(self) -> None:
        self.server.dialogs[self.setup.call_id] = self._on_message
        self._apply(self.machine.start(self.loop.time()))

    def hangup(self, reason: str) -> None:
        """BYE when answered, CANCEL while ringing (the outcome comes in ``done``)."""
        self._apply(self.machine.hangup(reason, self.loop.time()))

    def abandon(self) -> None:
        """The phone is gone (its RTP stopped): end the leg without waiting 32 s for its BYE's answer."""
        self._apply(self.machine.abandon(self.loop.time()))

    def close(self, linger: float = 4.0) -> None:
        self.timers.cancel_all()
        # Retransmitted responses of a finished call are still answered for a few seconds.
        self.loop.call_later(linger, self.server.dialogs.pop, self.setup.call_id, None)

    def _on_message(self, message: SipMessage, _source: Address) -> None:
        self._apply(self.machine.receive(message, self.loop.time()))

    def _on_timer(self, name: str) -> None:
        self._apply(self.machine.timer(name, self.loop.time()))

    def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                if not self.server.send_to(action.message, self.contact.address, self.contact.transport):
                    self._apply(self.machine.timer("invite_timeout", self.loop.time()))  # the connection is gone
            elif isinstance(action, (StartTimer, StopTimer)):
                self.timers.apply(action)
            elif isinstance(action, StartMedia) and not self.answered.done():
                self.answered.set_result(action.media)
            elif isinstance(action, Finished) and not self.done.done():
                self.done.set_result(action.outcome)
