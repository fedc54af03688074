"""A test SMSC speaking SMPP 3.4 (server side of smpp34), for operators, developers, tests and the bench.

It accepts binds (transceiver, transmitter, receiver), answers every submit_sm and, per its
:class:`SmscScenario`, later sends a delivery receipt for each accepted part as a deliver_sm (esm_class 0x04)
carrying both the classic receipt text (``id:... sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD
err:000 text:...``) and the ``receipted_message_id`` / ``message_state`` TLVs. :meth:`SmscServer.send_mo` injects a
mobile-originated message (split and concatenated with a UDH when long) to a bound receiver.

Scenario, per submit_sm (one SMS part), in this order:

1. every ``throttle_every``-th submit_sm is answered ESME_RTHROTTLED;
2. with probability ``rejected`` it is answered ESME_RINVDSTADR;
3. otherwise it is accepted with a new message id, and a receipt follows after ``receipt_delay`` seconds:
   DELIVRD with probability ``delivered``, UNDELIV with probability ``undelivered``, EXPIRED otherwise; none
   with ``no_receipts``, nor when the submit_sm did not ask for one (registered_delivery bits 0-1: 1 always,
   2 only for failures). ``seed`` makes the draws repeatable.

Answers leave ``response_delay`` seconds after the submit_sm arrived (0 by default; more simulates a distant or slow
SMSC and lets tests see a window of outstanding submits: ``counters["outstanding_peak"]``).

Message ids count up from 1, as ``decimal`` (``"42"``) or ``hex`` (``"0000002A"``: upper case, zero padded, to
exercise the id normalisation of :mod:`switchboard.connectors.sms.receipts`); receipts may write the id in another
style (``receipt_id_style``), as some SMSCs do. Receipts go back over the submitting session when it can receive,
else over another receiving session of the same system_id; with none bound the receipt is dropped (counted).

smpp34 1.5.0 notes: its ``ESME_*``/``TLV_*`` constants are set dynamically (invisible to mypy), so the values
come from :mod:`switchboard.connectors.sms.smpp_pdus`; ``Esme.deliver_sm`` on a transmitter-only session panics
inside the library, so deliver_sm only ever goes to sessions whose ``can_receive`` is true. Its server accepts
every bind and does not expose the password, so ``system_id`` (when set) is enforced by unbinding other
system_ids right after their bind, and passwords are not checked. ``Server.stop()`` only stops accepting:
:meth:`SmscServer.stop` unbinds every session itself. The deliver_sm_resp of a session bound as receiver is never
matched by the library, so deliveries to such sessions are sent unconfirmed (see :meth:`SmscServer._deliver`).
On unbind it often closes the connection without sending the unbind_resp (clients that wait for it, such as
smpplib's ``unbind()``, see the connection drop instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import signal
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final

import smpp34

from switchboard.connectors.sms.smpp_pdus import (
    ESME_RINVDSTADR,
    ESME_RSYSERR,
    ESME_RTHROTTLED,
    TLV_MESSAGE_STATE,
    TLV_RECEIPTED_MESSAGE_ID,
    TLV_SAR_SEGMENT_SEQNUM,
)
from switchboard.domain.sms.encoding import decode_payload, encode_parts, udh_concat

log = logging.getLogger("switchboard.smsc")

ID_STYLES: Final = ("decimal", "hex")
_STATES: Final = {"DELIVRD": (2, "000"), "UNDELIV": (5, "001"), "EXPIRED": (3, "000")}
_TEXT_IN_RECEIPT: Final = 20
_SETTLE: Final = 0.05  # smpp34 tears sessions down after its futures resolve; exiting Python then crashes
_HAND_OVER: Final = 0.05  # seconds to let smpp34 write a deliver_sm whose response will not be matched


@dataclass(frozen=True)
class SmscScenario:
    """How the SMSC answers; probabilities are in 0..1 and ``delivered + undelivered`` is at most 1."""

    delivered: float = 1.0
    undelivered: float = 0.0
    rejected: float = 0.0
    throttle_every: int = 0
    receipt_delay: float = 0.0
    no_receipts: bool = False
    seed: int | None = None
    response_delay: float = 0.0

    def __post_init__(self) -> None:
        for name in ("delivered", "undelivered", "rejected"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.delivered + self.undelivered > 1.0 + 1e-9:
            raise ValueError("delivered + undelivered cannot exceed 1")
        if self.throttle_every < 0 or self.receipt_delay < 0 or self.response_delay < 0:
            raise ValueError("throttle_every, receipt_delay and response_delay cannot be negative")


@dataclass(frozen=True)
class ReceivedSubmit:
    """A submit_sm as the SMSC received it, with its answer."""

    system_id: str
    session_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)
    source_ton: int = 0
    source_npi: int = 0
    dest_ton: int = 0
    dest_npi: int = 0
    command_status: int = 0
    message_id: str | None = None

    @property
    def udh(self) -> bytes | None:
        """The user data header (length byte included) when esm_class has UDHI (0x40)."""
        if not self.esm_class & 0x40 or not self.short_message:
            return None
        return self.short_message[: self.short_message[0] + 1]

    @property
    def payload(self) -> bytes:
        udh = self.udh
        return self.short_message[len(udh) :] if udh else self.short_message

    @property
    def text(self) -> str:
        return decode_payload(self.data_coding, self.payload)


def format_message_id(number: int, style: str) -> str:
    """``"42"`` (decimal) or ``"0000002A"`` (hex) for message number 42."""
    return f"{number:08X}" if style == "hex" else str(number)


class SmscServer:
    """The test SMSC; use ``async with SmscServer(host, port, scenario) as smsc:`` or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2775,
        scenario: SmscScenario | None = None,
        *,
        system_id: str | None = None,
        smsc_id: str = "SWITCHBOARD",
        id_style: str = "decimal",
        receipt_id_style: str | None = None,
        keep: int = 10_000,
        deliver_timeout: float = 1.0,
    ) -> None:
        if id_style not in ID_STYLES or (receipt_id_style or id_style) not in ID_STYLES:
            raise ValueError(f"id styles are {' or '.join(ID_STYLES)}")
        self.host, self.port = host, port
        self.scenario = scenario or SmscScenario()
        self.system_id = system_id
        self.smsc_id = smsc_id
        self.id_style = id_style
        self.receipt_id_style = receipt_id_style or id_style
        self.counters: dict[str, int] = dict.fromkeys(
            ("binds", "binds_refused", "unbinds", "submits", "accepted", "rejected", "throttled", "messages",
             "receipts", "receipts_dropped", "deliveries_unconfirmed", "mo", "outstanding_peak"), 0)  # fmt: skip
        self.received: deque[ReceivedSubmit] = deque(maxlen=keep)
        self._rng = random.Random(self.scenario.seed)  # noqa: S311 (a simulation, not a secret)
        self._ids = itertools.count(1)
        self._rotation = itertools.count()
        self._sessions: dict[str, smpp34.Esme] = {}
        self._server: smpp34.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._silent: set[str] = set()
        self.deliver_timeout = deliver_timeout
        self._changed = asyncio.Event()

    async def __aenter__(self) -> SmscServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """Bound sessions: session id, system_id and whether they receive deliver_sm."""
        return [
            {"session_id": key, "system_id": esme.system_id, "receives": esme.can_receive}
            for key, esme in self._sessions.items()
        ]

    def stats(self) -> dict[str, Any]:
        return {"listening": f"{self.host}:{self.port}", "sessions": len(self._sessions), **self.counters}

    async def start(self) -> None:
        """Listen and serve in the background."""
        server = smpp34.Server(self.host, self.port, system_id=self.smsc_id)
        await server.start()
        self._server = server
        self._serving = asyncio.get_running_loop().create_task(self._serve(server), name="smsc-serve")
        log.info("test SMSC listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Cancel pending receipts, unbind every session, stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for esme in list(self._sessions.values()):
            with contextlib.suppress(smpp34.SmppError, RuntimeError, TimeoutError):
                await asyncio.wait_for(esme.unbind(), 2.0)
        with contextlib.suppress(TimeoutError):
            await self.wait_until(lambda: not self._sessions, 2.0)
        if self._serving is not None:
            self._serving.cancel()
            await asyncio.gather(self._serving, return_exceptions=True)
        self._sessions.clear()
        await server.stop()
        await asyncio.sleep(_SETTLE)

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> None:
        """Return once ``condition()`` holds (checked on every change); TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def send_mo(
        self, source: str, destination: str, text: str, *, system_id: str | None = None, wait: float = 2.0
    ) -> int:
        """Deliver ``text`` from ``source`` to ``destination`` to one bound receiver; the number of parts sent.

        Waits up to ``wait`` seconds for a receiving session (of ``system_id``, if given; a client may see its bind
        complete a moment before this server does), then raises LookupError; RuntimeError when it is refused.
        """
        with contextlib.suppress(TimeoutError):
            await self.wait_until(lambda: self._receiver(system_id) is not None, wait)
        esme = self._receiver(system_id)
        if esme is None:
            raise LookupError("no bound session receives deliver_sm")
        data_coding, payloads = encode_parts(text)
        reference = self._rng.randrange(256)
        for seq, payload in enumerate(payloads or [b""], start=1):
            multipart = len(payloads) > 1
            status = await self._deliver(
                esme,
                destination,
                udh_concat(reference, len(payloads), seq) + payload if multipart else payload,
                source_addr=source,
                esm_class=0x40 if multipart else 0,
                data_coding=data_coding,
            )
            if status:
                raise RuntimeError(f"deliver_sm refused with command_status 0x{status:08x}")
            self._count("mo")
        return max(len(payloads), 1)

    async def _serve(self, server: smpp34.Server) -> None:
        while True:
            event = await server.next()
            try:
                if isinstance(event, smpp34.SubmitSmEvent):
                    self._on_submit(event)
                elif isinstance(event, smpp34.Esme):
                    self._on_bind(event)
                elif isinstance(event, smpp34.Unbound):
                    self._sessions.pop(event.session_id, None)
                    self._silent.discard(event.session_id)
                    self._count("unbinds")
            except Exception:
                log.exception("test SMSC: event %r failed", event)

    def _on_bind(self, esme: smpp34.Esme) -> None:
        if self.system_id is not None and esme.system_id != self.system_id:
            log.warning("test SMSC: refusing system_id %r", esme.system_id)
            self._count("binds_refused")
            self._spawn(self._unbind(esme))
            return
        self._sessions[esme.session_id] = esme
        self._count("binds")

    async def _unbind(self, esme: smpp34.Esme) -> None:
        with contextlib.suppress(smpp34.SmppError, RuntimeError, TimeoutError):
            await asyncio.wait_for(esme.unbind(), 2.0)

    def _on_submit(self, event: smpp34.SubmitSmEvent) -> None:
        self.counters["submits"] += 1
        scenario = self.scenario
        status, message_id, number = 0, None, 0
        if scenario.throttle_every and self.counters["submits"] % scenario.throttle_every == 0:
            status = ESME_RTHROTTLED
            self.counters["throttled"] += 1
        elif self._rng.random() < scenario.rejected:
            status = ESME_RINVDSTADR
            self.counters["rejected"] += 1
        else:
            number = next(self._ids)
            message_id = format_message_id(number, self.id_style)
            self.counters["accepted"] += 1
        esme = self._sessions.get(event.session_id)
        submit = ReceivedSubmit(
            system_id=esme.system_id if esme is not None else "",
            session_id=event.session_id,
            source=event.source_addr,
            destination=event.destination_addr,
            data_coding=event.data_coding,
            esm_class=event.esm_class,
            registered_delivery=event.registered_delivery,
            short_message=event.short_message,
            tlvs={tlv.tag: tlv.value for tlv in event.tlvs},
            source_ton=event.source_addr_ton,
            source_npi=event.source_addr_npi,
            dest_ton=event.dest_addr_ton,
            dest_npi=event.dest_addr_npi,
            command_status=status,
            message_id=message_id,
        )
        self.received.append(submit)
        if message_id is not None and _first_part(submit):
            self.counters["messages"] += 1
        self._pending += 1
        self.counters["outstanding_peak"] = max(self.counters["outstanding_peak"], self._pending)
        if scenario.response_delay:
            self._spawn(self._answer_later(event, submit, number))
        else:
            self._answer(event, submit, number)

    def _answer(self, event: smpp34.SubmitSmEvent, submit: ReceivedSubmit, number: int) -> None:
        """Send the submit_sm_resp decided for ``submit``, then plan its receipt when it was accepted."""
        self._pending -= 1
        if submit.message_id is None:
            event.reject(submit.command_status)
        else:
            event.accept(submit.message_id)
            self._plan_receipt(submit, number)
        self._count(None)

    async def _answer_later(self, event: smpp34.SubmitSmEvent, submit: ReceivedSubmit, number: int) -> None:
        """Answer after ``response_delay``; when cancelled (stop), answer ESME_RSYSERR rather than leave it open."""
        try:
            await asyncio.sleep(self.scenario.response_delay)
        except asyncio.CancelledError:
            self._pending -= 1
            with contextlib.suppress(smpp34.SmppError, RuntimeError):
                event.reject(ESME_RSYSERR)
            raise
        self._answer(event, submit, number)

    def _plan_receipt(self, submit: ReceivedSubmit, number: int) -> None:
        draw = self._rng.random()
        stat = "DELIVRD" if draw < self.scenario.delivered else "EXPIRED"
        if self.scenario.delivered <= draw < self.scenario.delivered + self.scenario.undelivered:
            stat = "UNDELIV"
        wanted = submit.registered_delivery & 0x03
        if self.scenario.no_receipts or wanted == 0 or (wanted == 2 and stat == "DELIVRD"):
            return
        self._spawn(self._send_receipt(submit, format_message_id(number, self.receipt_id_style), stat))

    async def _send_receipt(self, submit: ReceivedSubmit, receipt_id: str, stat: str) -> None:
        submitted = datetime.now(UTC)
        if self.scenario.receipt_delay:
            await asyncio.sleep(self.scenario.receipt_delay)
        esme = self._receiver(submit.system_id, prefer=submit.session_id)
        if esme is None:
            self._count("receipts_dropped")
            return
        state, err = _STATES[stat]
        done = datetime.now(UTC)
        excerpt = submit.text[:_TEXT_IN_RECEIPT].encode("ascii", "replace").decode("ascii")
        text = (
            f"id:{receipt_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
            f"submit date:{submitted:%y%m%d%H%M} done date:{done:%y%m%d%H%M} stat:{stat} err:{err} text:{excerpt}"
        )
        try:
            status = await self._deliver(
                esme,
                submit.source,
                text.encode("ascii"),
                source_addr=submit.destination,
                esm_class=0x04,
                tlvs=[
                    smpp34.Tlv(TLV_RECEIPTED_MESSAGE_ID, receipt_id.encode("ascii") + b"\x00"),
                    smpp34.Tlv(TLV_MESSAGE_STATE, bytes((state,))),
                ],
            )
        except (smpp34.SmppError, RuntimeError) as exc:
            status, error = None, str(exc)
        else:
            error = f"command_status 0x{status:08x}" if status else ""
        if error:
            log.warning("test SMSC: receipt %s not delivered: %s", receipt_id, error)
            self._count("receipts_dropped")
            return
        self._count("receipts")

    async def _deliver(self, esme: smpp34.Esme, destination: str, short_message: bytes, **fields: Any) -> int:
        """Send one deliver_sm; its deliver_sm_resp command_status (0 when unconfirmed, see below).

        smpp34 1.5.0's server never matches the deliver_sm_resp of a session bound as *receiver* (it does for
        transceivers): the deliver_sm goes out, but its response future only times out. So a response is awaited
        for ``deliver_timeout`` seconds; a session that let it pass is remembered as one whose responses never
        come, and later deliver_sm to it are only handed to the library (counted as ``deliveries_unconfirmed``).
        """
        silent = esme.session_id in self._silent
        try:
            response = await asyncio.wait_for(
                esme.deliver_sm(destination, short_message, source_addr_ton=1, source_addr_npi=1, **fields),
                _HAND_OVER if silent else self.deliver_timeout,
            )
        except TimeoutError:
            self._silent.add(esme.session_id)
            self.counters["deliveries_unconfirmed"] += 1
            return 0
        return response.command_status

    def _receiver(self, system_id: str | None, prefer: str | None = None) -> smpp34.Esme | None:
        preferred = self._sessions.get(prefer or "")
        if preferred is not None and preferred.can_receive:
            return preferred
        candidates = [
            esme
            for esme in self._sessions.values()
            if esme.can_receive and (system_id is None or esme.system_id == system_id)
        ]
        return candidates[next(self._rotation) % len(candidates)] if candidates else None

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _count(self, name: str | None) -> None:
        if name is not None:
            self.counters[name] += 1
        self._changed.set()


def _first_part(submit: ReceivedSubmit) -> bool:
    """True for a single-part message or the first part of a concatenated one (UDH or SAR)."""
    udh = submit.udh
    if udh is not None and len(udh) >= 6 and udh[1] == 0x00:
        return udh[5] == 1
    if udh is not None and len(udh) >= 7 and udh[1] == 0x08:
        return udh[6] == 1
    seq = submit.tlvs.get(TLV_SAR_SEGMENT_SEQNUM)
    return not seq or seq[0] == 1


async def run_smsc(
    host: str = "127.0.0.1",
    port: int = 2775,
    scenario: SmscScenario | None = None,
    *,
    system_id: str | None = None,
    id_style: str = "decimal",
    receipt_id_style: str | None = None,
    report_every: float = 10.0,
) -> None:
    """Serve until SIGINT/SIGTERM (then unbind everyone and return) or until cancelled; what ``switchboard smsc``
    runs (``asyncio.run(run_smsc(...))``). Logs the counters at INFO every ``report_every`` seconds (0: never)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        async with SmscServer(
            host, port, scenario, system_id=system_id, id_style=id_style, receipt_id_style=receipt_id_style
        ) as smsc:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), report_every or None)
                if report_every:
                    log.info("test SMSC: %s", smsc.stats())
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
