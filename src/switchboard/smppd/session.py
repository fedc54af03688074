"""One ESME connection: bind, enquire_link, unbind, submits (windowed), deliver_sm out with its response.

Every PDU read is answered; a PDU of an unknown command, or whose body does not parse, gets a ``generic_nack``
and the bind stays up. A header whose length is impossible (under 16 or over 64 KiB) cannot be skipped
reliably, so that connection alone is nacked and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from switchboard.smppd import pdu

if TYPE_CHECKING:
    from switchboard.smppd.server import SmppServer

log = logging.getLogger("switchboard.smppd")

RESPONSE_TIMEOUT: Final = 10.0
_SESSION_KEYS = itertools.count(1)
_PARSERS: Final[dict[int, Callable[[bytes], pdu.Submit]]] = {
    pdu.SUBMIT_SM: pdu.parse_submit_sm,
    pdu.SUBMIT_MULTI: pdu.parse_submit_multi,
    pdu.DATA_SM: pdu.parse_data_sm,
}


class Session:
    def __init__(self, server: SmppServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader, self.writer = reader, writer
        peer = writer.get_extra_info("peername")
        self.peer_ip: str = peer[0] if peer else ""
        self.system_id: str | None = None
        self.bind_type = 0
        self.in_flight = 0
        self._sequence = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[pdu.Pdu]] = {}
        self._on_ack: dict[int, Callable[[], None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = asyncio.Event()
        self.key = f"{id(server):x}.{next(_SESSION_KEYS)}"  # names this bind in the shared limits

    @property
    def receives(self) -> bool:
        return self.bind_type in (pdu.BIND_RECEIVER, pdu.BIND_TRANSCEIVER)

    @property
    def transmits(self) -> bool:
        return self.bind_type in (pdu.BIND_TRANSMITTER, pdu.BIND_TRANSCEIVER)

    def send(self, command_id: int, status: int, sequence: int, body: bytes = b"") -> None:
        if not self.writer.is_closing():
            self.writer.write(pdu.encode(command_id, status, sequence, body))

    async def request(
        self,
        command_id: int,
        body: bytes = b"",
        timeout: float = RESPONSE_TIMEOUT,
        on_ack: Callable[[], None] | None = None,
    ) -> pdu.Pdu:
        """Send a request PDU and wait for its response; TimeoutError or ConnectionError when none comes.
        ``on_ack`` runs as the ESME_ROK response is read, before anything else of this process runs."""
        if self.closed.is_set():
            raise ConnectionError("session closed")
        sequence = next(self._sequence)
        future: asyncio.Future[pdu.Pdu] = asyncio.get_running_loop().create_future()
        self._waiting[sequence] = future
        if on_ack is not None:
            self._on_ack[sequence] = on_ack
        try:
            self.send(command_id, 0, sequence, body)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(sequence, None)
            self._on_ack.pop(sequence, None)

    async def run(self) -> None:
        try:
            while True:
                got = await self._read()
                if got is None:
                    return
                self._dispatch(got)
                await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            await self._close()

    async def _read(self) -> pdu.Pdu | None:
        try:
            header = await asyncio.wait_for(self.reader.readexactly(pdu.HEADER.size), self.server.idle_timeout)
        except TimeoutError:
            log.info("smpp: %s idle for %ss, unbinding", self.system_id or self.peer_ip, self.server.idle_timeout)
            self.send(pdu.UNBIND, 0, next(self._sequence))
            return None
        length, command_id, status, sequence = pdu.HEADER.unpack(header)
        if not pdu.HEADER.size <= length <= pdu.MAX_PDU:
            self.send(pdu.GENERIC_NACK, pdu.ESME_RINVCMDLEN, sequence)
            return None
        body = await self.reader.readexactly(length - pdu.HEADER.size)
        return pdu.Pdu(command_id, status, sequence, body)

    def _dispatch(self, got: pdu.Pdu) -> None:
        if got.command_id & pdu.RESP:
            future = self._waiting.get(got.sequence)
            if future is not None and not future.done():
                on_ack = self._on_ack.pop(got.sequence, None)
                if on_ack is not None and got.command_status == pdu.ESME_ROK:
                    on_ack()
                future.set_result(got)
            return
        handler = {
            pdu.ENQUIRE_LINK: self._on_enquire_link,
            pdu.UNBIND: self._on_unbind,
        }.get(got.command_id)
        if handler is not None:
            handler(got)
        elif got.command_id in pdu.BINDS:
            self._spawn(self._on_bind(got))
        elif got.command_id in _PARSERS:
            self._on_submit(got)
        else:
            self.server.count("generic_nack")
            self.send(pdu.GENERIC_NACK, pdu.ESME_RINVCMDID, got.sequence)

    def _on_enquire_link(self, got: pdu.Pdu) -> None:
        self.send(pdu.ENQUIRE_LINK | pdu.RESP, pdu.ESME_ROK, got.sequence)

    def _on_unbind(self, got: pdu.Pdu) -> None:
        self.send(pdu.UNBIND | pdu.RESP, pdu.ESME_ROK, got.sequence)
        self.writer.close()

    async def _on_bind(self, got: pdu.Pdu) -> None:
        resp = got.command_id | pdu.RESP
        if self.system_id is not None:
            self.send(resp, pdu.ESME_RALYBND, got.sequence)
            return
        try:
            bind = pdu.parse_bind(got.body)
        except pdu.Malformed:
            self.server.count("generic_nack")
            self.send(pdu.GENERIC_NACK, pdu.ESME_RINVCMDLEN, got.sequence)
            return
        status = await self.server.authorise(self, bind, got.command_id)
        body = pdu.cstr(self.server.smsc_id) + pdu.tlv(pdu.TLV_SC_INTERFACE_VERSION, b"\x34")
        self.send(resp, status, got.sequence, body if status == pdu.ESME_ROK else b"")
        await self.writer.drain()
        if status != pdu.ESME_ROK:
            await asyncio.sleep(0.05)
            self.writer.close()

    def _on_submit(self, got: pdu.Pdu) -> None:
        resp = got.command_id | pdu.RESP
        if not self.transmits:
            self.send(resp, pdu.ESME_RINVBNDSTS, got.sequence)
            return
        try:
            submit = _PARSERS[got.command_id](got.body)
        except pdu.Malformed:
            self.server.count("generic_nack")
            self.send(pdu.GENERIC_NACK, pdu.ESME_RINVCMDLEN, got.sequence)
            return
        if self.in_flight >= self.server.window:
            self.server.count("throttled")
            self.send(resp, pdu.ESME_RTHROTTLED, got.sequence)
            return
        self.in_flight += 1
        self._spawn(self._submit(got, submit))

    async def _submit(self, got: pdu.Pdu, submit: pdu.Submit) -> None:
        resp = got.command_id | pdu.RESP
        if not await self.server.take_token(self):  # the account's throughput, shared by its binds
            self.in_flight -= 1
            self.server.count("throttled")
            self.send(resp, pdu.ESME_RTHROTTLED, got.sequence)
            return
        try:
            answer = await self.server.submit(self, submit)
        except pdu.Malformed:
            self.server.count("generic_nack")
            self.send(pdu.GENERIC_NACK, pdu.ESME_RINVCMDLEN, got.sequence)
            return
        except Exception:
            log.exception("smpp: submit from %s failed", self.system_id)
            answer = None
        finally:
            self.in_flight -= 1
        if answer is None:
            self.send(resp, pdu.ESME_RSYSERR, got.sequence)
            return
        if answer.status != pdu.ESME_ROK:
            self.send(resp, answer.status, got.sequence)
        elif got.command_id == pdu.SUBMIT_MULTI:
            self.send(resp, 0, got.sequence, pdu.submit_multi_resp(answer.message_id, list(answer.failed)))
        else:
            self.send(resp, 0, got.sequence, pdu.submit_resp(answer.message_id))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self) -> None:
        self.closed.set()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("session closed"))
        await self.server.unregister(self)
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
        # submits under way finish (their transaction commits or rolls back whole); only their answer is lost
        await asyncio.gather(*self._tasks, return_exceptions=True)
