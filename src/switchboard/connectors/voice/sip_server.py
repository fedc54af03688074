"""The platform's own SIP port on UDP and TCP: reads requests from phones and carriers, hands each to a handler
with a way to answer it, and writes responses back the way the request came (RFC 3261 18, RFC 3581 rport).

Bounded by construction: a UDP datagram or a TCP message is at most ``MAX_MESSAGE`` bytes, at most
``MAX_PENDING`` requests are being handled at once (the rest are dropped, and UDP peers retransmit), at most
``MAX_CONNECTIONS`` TCP connections are open, and an idle TCP connection closes after ``IDLE_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from switchboard.domain.voice.sip import SipMessage, SipParseError, param, parse

log = logging.getLogger("switchboard.voice.sip_server")

Address = tuple[str, int]
MAX_MESSAGE = 16 * 1024
MAX_PENDING = 512
MAX_CONNECTIONS = 1024
IDLE_TIMEOUT = 3900.0  # a little over the longest registration


@dataclass(frozen=True)
class Inbound:
    """A request and where it came from; ``answer`` sends a response back the same way."""

    message: SipMessage
    source: Address
    transport: str  # udp | tcp
    answer: Callable[[SipMessage], None]


Handler = Callable[[Inbound], Awaitable[None]]


def stamp_via(response: SipMessage, source: Address) -> SipMessage:
    """RFC 3581: the top Via of a response gets ``received`` and, when asked, ``rport`` of the source."""
    vias = [(k, v) for k, v in response.headers if k == "via"]
    if not vias:
        return response
    top = vias[0][1]
    parts = [
        p
        for p in top.split(";")
        if p.strip().lower() not in ("rport",) and not p.strip().lower().startswith("received=")
    ]
    if param(top, "rport") is not None or ";rport" in top.lower():
        parts.append(f"rport={source[1]}")
    parts.append(f"received={source[0]}")
    index = response.headers.index(vias[0])
    response.headers[index] = ("via", ";".join(p.strip() for p in parts))
    return response


class SipServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.udp: asyncio.DatagramTransport | None = None
        self.tcp: asyncio.Server | None = None
        self.connections: dict[Address, asyncio.StreamWriter] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self.counters = {"received": 0, "unparsable": 0, "dropped": 0, "sent": 0}
        # Responses to the requests this port sends itself (the registrar's OPTIONS pings).
        self.on_response: Callable[[SipMessage, Address], None] | None = None
        # Calls this port places itself (the phone leg of a bridged call), by Call-ID: their responses and
        # in-dialog requests go to them, before the registrar.
        self.dialogs: dict[str, Callable[[SipMessage, Address], None]] = {}
        # Set by stop(): calls held by handlers (inbound, a phone's own) hang up before the port closes.
        self.stopping = asyncio.Event()

    async def start(self, host: str, port: int) -> None:
        """UDP and TCP on the same port (``port`` 0: the UDP socket picks one, TCP follows it; when that
        number is taken for TCP, another is picked, a few times)."""
        for attempt in range(5 if port == 0 else 1):
            try:
                await self._bind(host, port)
                return
            except OSError:
                if attempt == (4 if port == 0 else 0):
                    raise

    async def _bind(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self), local_addr=(host, port), family=family
        )
        self.udp = transport
        try:
            self.tcp = await asyncio.start_server(self._connection, host, self.address[1], family=family)
        except OSError:
            self.udp.close()
            self.udp = None
            raise

    @property
    def address(self) -> Address:
        assert self.udp is not None
        host, port = self.udp.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def dispatch(self, data: bytes, source: Address, transport: str, answer: Callable[[SipMessage], None]) -> None:
        self.counters["received"] += 1
        if b"\x00" in data:  # never meaningful in SIP text, and PostgreSQL cannot store it
            self.counters["unparsable"] += 1
            return
        try:
            message = parse(data)
        except SipParseError as exc:
            self.counters["unparsable"] += 1
            log.debug("unreadable SIP from %s: %s", source, exc)
            return
        dialog = self.dialogs.get(message.call_id)
        if dialog is not None:
            dialog(message, source)
            return
        if not message.is_request:
            if self.on_response is not None:
                self.on_response(message, source)
            return
        if len(self._pending) >= MAX_PENDING:
            self.counters["dropped"] += 1
            return
        task = asyncio.create_task(self._handle(Inbound(message, source, transport, answer)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _handle(self, inbound: Inbound) -> None:
        try:
            await self.handler(inbound)
        except Exception:
            log.exception("SIP %s from %s failed", inbound.message.method, inbound.source)

    def send_udp(self, message: SipMessage, address: Address) -> None:
        if self.udp is not None and not self.udp.is_closing():
            self.udp.sendto(message.encode(), address)
            self.counters["sent"] += 1

    def send_to(self, message: SipMessage, address: Address, transport: str = "udp") -> bool:
        """Send a request of ours to a phone: over UDP, or on the TCP connection it registered through."""
        if transport == "tcp":
            writer = self.connections.get(address)
            if writer is None or writer.is_closing():
                return False
            writer.write(message.encode())
            self.counters["sent"] += 1
            return True
        self.send_udp(message, address)
        return True

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        source: Address = (str(peer[0]), int(peer[1]))
        if len(self.connections) >= MAX_CONNECTIONS:
            writer.close()
            return
        self.connections[source] = writer

        def answer(message: SipMessage) -> None:
            if not writer.is_closing():
                writer.write(stamp_via(message, source).encode())
                self.counters["sent"] += 1

        try:
            while True:
                data = await asyncio.wait_for(read_message(reader), IDLE_TIMEOUT)
                if data is None:
                    break
                if not data.strip():
                    writer.write(b"\r\n")  # RFC 5626 keep-alive pong
                    continue
                self.dispatch(data, source, "tcp", answer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, SipParseError):
            pass
        finally:
            self.connections.pop(source, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def stop(self, grace: float = 5.0) -> None:
        self.stopping.set()
        if self._pending:  # calls in progress send their BYEs and settle first
            await asyncio.wait(list(self._pending), timeout=grace)
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()
        for writer in list(self.connections.values()):
            writer.close()
        for task in list(self._pending):
            task.cancel()
        if self.tcp is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.tcp.wait_closed(), 2)


async def read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One SIP message from a stream (framed by Content-Length), a keep-alive (b"\\r\\n"), or None at the end."""
    line = await reader.readline()
    if not line:
        return None
    if not line.strip():
        return b"\r\n"
    head = bytearray(line)
    while not head.endswith(b"\r\n\r\n") and not head.endswith(b"\n\n"):
        line = await reader.readline()
        if not line:
            return None
        head += line
        if len(head) > MAX_MESSAGE:
            raise SipParseError("header too long")
    length = 0
    for raw in bytes(head).split(b"\n"):
        name, _, value = raw.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            if not value.strip().isdigit() or int(value.strip()) > MAX_MESSAGE:
                raise SipParseError("bad Content-Length")
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return bytes(head) + body


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, server: SipServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: Address) -> None:
        source: Address = (str(addr[0]), int(addr[1]))
        if len(data) > MAX_MESSAGE or not data.strip():
            return  # oversize, or a NAT keep-alive
        self.server.dispatch(
            data, source, "udp", lambda message: self.server.send_udp(stamp_via(message, source), source)
        )

    def error_received(self, exc: Exception) -> None:
        log.debug("SIP socket error: %s", exc)
