"""One UDP socket for SIP, shared by the calls of a trunk: datagrams are handed to the call with their Call-ID.

A request for an unknown Call-ID gets 481 (except ACK, and OPTIONS: 200, carriers' keep-alive); responses
for unknown calls are dropped; datagrams that are not SIP are counted and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import cast

from switchboard.domain.voice.sip import SipMessage, SipParseError, parse, response

log = logging.getLogger("switchboard.voice.sip")

Address = tuple[str, int]
Handler = Callable[[SipMessage, Address], None]


class SipEndpoint(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.handlers: dict[str, Handler] = {}
        self.fallback: Handler | None = None  # for requests of calls not (yet) registered (a UAS)
        self.counters = {"received": 0, "sent": 0, "unparsable": 0, "unknown": 0}

    @classmethod
    async def open(cls, host: str, port: int = 0) -> SipEndpoint:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        _, protocol = await loop.create_datagram_endpoint(cls, local_addr=(host, port), family=family)
        return protocol

    @property
    def address(self) -> Address:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython 3.11's selector datagram transport does not subclass DatagramTransport: no isinstance check.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.counters["received"] += 1
        if not data.strip():
            return  # keep-alive
        try:
            message = parse(data)
        except SipParseError as exc:
            self.counters["unparsable"] += 1
            log.debug("dropped a datagram from %s: %s", addr, exc)
            return
        handler = self.handlers.get(message.call_id)
        if handler is not None:
            handler(message, addr)
        elif message.is_request and self.fallback is not None:
            self.fallback(message, addr)
        elif message.method == "OPTIONS":
            # A carrier's keep-alive probe (out of any call): the port is alive and speaks these methods.
            answer = response(message, 200, "OK", to_tag="sb")
            self.send(answer.add("allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"), addr)
        else:
            self.counters["unknown"] += 1
            if message.is_request and message.method != "ACK":
                self.send(response(message, 481, "Call/Transaction Does Not Exist"), addr)

    def error_received(self, exc: Exception) -> None:
        log.debug("SIP socket error: %s", exc)

    def send(self, message: SipMessage, addr: Address) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(message.encode(), addr)
            self.counters["sent"] += 1

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def local_address_for(remote_host: str, remote_port: int) -> str:
    """The address this machine would use to reach ``remote_host`` (a connected UDP socket; nothing is sent)."""
    family = socket.AF_INET6 if ":" in remote_host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((remote_host, remote_port))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
