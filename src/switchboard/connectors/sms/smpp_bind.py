"""One SMPP bind (one TCP session) of an :class:`~switchboard.connectors.sms.smpp.SmppConnector`, on smpp34.

A :class:`BindSession` keeps its bind up by itself: it connects and binds, reads deliver_sm for as long as the
session lives, and when the session ends (the SMSC unbinds or closes, the bind fails, the connection dies) it
binds again after a back-off of ``reconnect_min`` seconds doubling up to ``reconnect_max``; a successful bind
resets the back-off. :meth:`BindSession.stop` unbinds (within ``response_timeout``) and closes.

Sending goes through :meth:`BindSession.submit`, which keeps at most ``window`` submit_sm outstanding (smpp34's
own ``window_size`` does not hold further submits back, so the window is enforced here with a semaphore) and,
with ``throughput`` > 0, spaces submit_sm at least ``1/throughput`` seconds apart. It raises
:class:`~switchboard.connectors.sms.base.SubmitError` (temporary) itself for what happens on this side: not bound,
no submit_sm_resp within ``response_timeout``, connection lost; the SMSC's command_status is returned for the
caller to judge.

smpp34 1.5.0 facts this module works around (see also the connector's docstring):

* ``Client.stop()`` neither unbinds nor closes the TCP connection; only ``Smsc.unbind()`` (or the peer) ends a
  session, so every session is ended with ``unbind()`` before ``stop()``.
* a Client connects once ("connect() already called"): every reconnection builds a new Client.
* ``Smsc.next()`` and friends return asyncio futures, not coroutines (wrap them, don't ``create_task`` them).
* the core acknowledges each deliver_sm itself before Python sees it, and when its inbound queue
  (``inbound_capacity``) is full it answers ESME_RMSGQFUL with a malformed PDU (command_length 16 followed by a
  stray NUL) that corrupts the SMSC's framing; the reader therefore keeps pulling events and the queue is large.
* the core finishes tearing a session down shortly *after* ``unbind()``/``stop()`` resolve; a Python process that
  exits in that moment dies in interpreter finalisation (SIGSEGV/SIGABRT, "PyGILState_Release"), so closing a
  session ends with a short pause (``SETTLE``).
* enquire_link is sent by the core every 30 s (not configurable from Python); ``enquire_link`` here is the period
  of an additional liveness check (``Client.is_alive()``) that ends a session the core considers dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import smpp34

from switchboard.connectors.sms.base import SubmitError
from switchboard.connectors.sms.smpp_pdus import DeliverFields, SubmitPart

if TYPE_CHECKING:
    from switchboard.connectors.sms.smpp import SmppConfig

log = logging.getLogger("switchboard.connectors.smpp")

BOUND: Final = "bound"
CONNECTING: Final = "connecting"
DOWN: Final = "down"

TRANSCEIVER: Final = "TRX"
TRANSMITTER: Final = "TX"
RECEIVER: Final = "RX"

SETTLE: Final = 0.05
# deliver_sm handled at the same time per bind (receipts being written) before reading waits for one to end.
MAX_INFLIGHT_DELIVERIES: Final = 1000
"""Seconds smpp34 keeps tearing a session down after its futures resolved (an interpreter exiting meanwhile crashes)."""

DeliverHandler = Callable[[DeliverFields], Awaitable[None]]


class Pacer:
    """Lets callers through at most ``rate`` per second, evenly spaced (no bursts); ``rate`` 0 means no limit."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class BindSession:
    """One bind of type ``bind_type`` (TRX, TX or RX), rebinding by itself until stopped."""

    def __init__(self, config: SmppConfig, label: str, bind_type: str, on_deliver: DeliverHandler) -> None:
        self.config = config
        self.label = label
        self.bind_type = bind_type
        self.state: str = DOWN
        self.counters: dict[str, int] = dict.fromkeys(
            ("binds", "submitted", "errors", "throttled", "received", "outstanding_peak"), 0
        )
        self.last_error = ""
        self._on_deliver = on_deliver
        self._window = asyncio.Semaphore(config.window)
        self._inflight = asyncio.Semaphore(MAX_INFLIGHT_DELIVERIES)
        self._handlers: set[asyncio.Task[None]] = set()
        self._outstanding = 0
        self._pacer = Pacer(config.throughput)
        self._smsc: smpp34.Smsc | None = None
        self._bound = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def can_transmit(self) -> bool:
        return self.bind_type in (TRANSCEIVER, TRANSMITTER)

    @property
    def bound(self) -> bool:
        return self._smsc is not None

    @property
    def outstanding(self) -> int:
        """submit_sm sent and not answered yet."""
        return self._outstanding

    def start(self) -> None:
        """Begin binding in the background; returns at once."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"smpp-bind-{self.label}")

    async def wait_bound(self) -> None:
        await self._bound.wait()

    async def stop(self) -> None:
        """Unbind and close; waits for the session to end (bounded by ``response_timeout`` and a grace period)."""
        self._stop.set()
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=2 * self.config.response_timeout + 1.0)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def submit(
        self,
        part: SubmitPart,
        *,
        destination: str,
        source: str,
        source_ton: int,
        source_npi: int,
        registered_delivery: int,
    ) -> tuple[int, str]:
        """Send one submit_sm within the window and pace; (command_status, message_id) of the response."""
        async with self._window:
            await self._pacer.wait()
            smsc = self._smsc
            if smsc is None:
                raise SubmitError("SMPP_NOT_BOUND", f"bind {self.label} is {self.state}", temporary=True)
            self._outstanding += 1
            self.counters["outstanding_peak"] = max(self.counters["outstanding_peak"], self._outstanding)
            try:
                async with asyncio.timeout(self.config.response_timeout):
                    response = await smsc.submit_sm(
                        destination,
                        part.short_message,
                        source_addr=source,
                        service_type=self.config.service_type,
                        source_addr_ton=source_ton,
                        source_addr_npi=source_npi,
                        dest_addr_ton=self.config.dest_ton,
                        dest_addr_npi=self.config.dest_npi,
                        esm_class=part.esm_class,
                        registered_delivery=registered_delivery,
                        data_coding=part.data_coding,
                        tlvs=[smpp34.Tlv(tag, value) for tag, value in part.tlvs],
                    )
            except TimeoutError as exc:
                self.counters["errors"] += 1
                raise SubmitError("SMPP_TIMEOUT", f"no submit_sm_resp on bind {self.label}", temporary=True) from exc
            except (smpp34.SmppError, RuntimeError) as exc:
                # Failures of the session itself (closed, unbound) surface as SmppError("ESME_RSYSERR ...");
                # statuses the SMSC answers come back in the response instead.
                self.counters["errors"] += 1
                raise SubmitError("SMPP_CONNECTION", f"bind {self.label}: {exc}", temporary=True) from exc
            finally:
                self._outstanding -= 1
        return response.command_status, response.message_id or ""

    def status(self) -> dict[str, Any]:
        return {
            "bind": self.label,
            "type": self.bind_type,
            "state": self.state,
            "outstanding": self._outstanding,
            "window": self.config.window,
            **self.counters,
            "last_error": self.last_error,
        }

    async def _run(self) -> None:
        delay = self.config.reconnect_min
        while not self._stop.is_set():
            self.state = CONNECTING
            client = self._client()
            try:
                smsc = await self._connect(client)
            except (smpp34.SmppError, RuntimeError, OSError) as exc:
                self.state = DOWN
                self.last_error = str(exc)
                log.warning("smpp %s: bind failed (%s); retrying in %.1fs", self.label, exc, delay)
                await self._close(client, None)
                await self._pause(delay)
                delay = min(delay * 2, self.config.reconnect_max)
                continue
            except asyncio.CancelledError:
                await self._close(client, None)
                raise
            if smsc is None:  # stopped while binding
                self.state = DOWN
                await self._close(client, None)
                return
            delay = self.config.reconnect_min
            self.counters["binds"] += 1
            self._smsc, self.state = smsc, BOUND
            self._bound.set()
            log.info("smpp %s: bound as %s", self.label, self.bind_type)
            try:
                await self._session(client, smsc)
            finally:
                self._smsc, self.state = None, DOWN
                self._bound.clear()
                await self._close(client, smsc)
            if not self._stop.is_set():
                log.warning("smpp %s: session ended; rebinding in %.1fs", self.label, delay)
                await self._pause(delay)

    async def _connect(self, client: smpp34.Client) -> smpp34.Smsc | None:
        """Bind, or None when stop() comes first (a bind completing meanwhile is unbound again)."""
        connecting = asyncio.ensure_future(client.connect())
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            connecting.cancel()
            raise
        finally:
            stopping.cancel()
        if connecting.done():
            smsc = connecting.result()
            if not self._stop.is_set():
                return smsc
            await self._unbind(smsc)
            return None
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        return None

    def _client(self) -> smpp34.Client:
        config = self.config
        return smpp34.Client(
            config.host,
            config.port,
            config.system_id,
            config.password,
            bind_type=self.bind_type,
            system_type=config.system_type,
            address_range=config.address_range,
            window_size=config.window,
            inbound_capacity=config.inbound_queue,
            connect_timeout_ms=int(config.connect_timeout * 1000),
        )

    async def _session(self, client: smpp34.Client, smsc: smpp34.Smsc) -> None:
        """Read until the session ends, the liveness check fails or stop() is called."""
        reader = asyncio.ensure_future(self._read(smsc))
        watchdog = asyncio.ensure_future(self._watch(client))
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({reader, watchdog, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not reader.done():
                # Unbind; the reader finishes the event in hand, then sees the session end.
                await self._unbind(smsc)
                await asyncio.wait({reader}, timeout=self.config.response_timeout)
        finally:
            for task in (reader, watchdog, stopping):
                task.cancel()
            await asyncio.gather(reader, watchdog, stopping, return_exceptions=True)

    async def _read(self, smsc: smpp34.Smsc) -> None:
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                return
            self.counters["received"] += 1
            fields = DeliverFields(
                source=event.source_addr,
                destination=event.destination_addr,
                esm_class=event.esm_class,
                data_coding=event.data_coding,
                short_message=event.short_message,
                tlvs={tlv.tag: tlv.value for tlv in event.tlvs},
            )
            # Handle deliveries concurrently (bounded), so receipts reach the batched writer together instead
            # of one commit at a time; smpp34 has already acknowledged the PDU, so order does not matter.
            await self._inflight.acquire()
            task = asyncio.create_task(self._handle(fields))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

    async def _handle(self, fields: DeliverFields) -> None:
        try:
            await self._on_deliver(fields)
        except Exception:
            log.exception("smpp %s: deliver_sm handler failed", self.label)
        finally:
            self._inflight.release()

    async def _watch(self, client: smpp34.Client) -> None:
        while True:
            await asyncio.sleep(self.config.enquire_link)
            if not await client.is_alive():
                self.last_error = "session no longer alive"
                return

    async def _unbind(self, smsc: smpp34.Smsc) -> None:
        try:
            await asyncio.wait_for(smsc.unbind(), self.config.response_timeout)
        except (smpp34.SmppError, RuntimeError, TimeoutError) as exc:
            log.debug("smpp %s: unbind: %s", self.label, exc)

    async def _close(self, client: smpp34.Client, smsc: smpp34.Smsc | None) -> None:
        if smsc is not None and await client.is_alive():
            await self._unbind(smsc)
        try:
            await client.stop()
        except (smpp34.SmppError, RuntimeError) as exc:
            log.debug("smpp %s: stop: %s", self.label, exc)
        await asyncio.sleep(SETTLE)

    async def _pause(self, seconds: float) -> None:
        """Sleep, waking early when stop() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
