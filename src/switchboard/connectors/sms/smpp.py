"""SMPP 3.4 client connector (ESME) on the smpp34 library: submits messages, reports receipts and inbound SMS.

Binds
    ``binds`` sessions per carrier, each a ``bind``: ``transceiver`` (TRX), ``transmitter`` (TX), ``receiver`` (RX),
    or ``pair`` (a TX plus an RX session, for SMSCs that do not take transceivers, such as Kannel's test SMSC).
    Every session keeps itself bound in the background (back-off ``reconnect_min`` 1 s doubling to
    ``reconnect_max`` 30 s), so :meth:`start` returns at once even when the SMSC is down; :meth:`wait_bound` waits
    for the binds. ``status()`` shows each session: bound / connecting / down, outstanding submits against the
    window (and their peak), counters, the last bind error. A carrier bound only as receiver refuses submits
    (``SMPP_NO_TRANSMITTER``, permanent).

Submitting
    A message is encoded with :func:`~switchboard.domain.sms.encoding.encode_parts`: one submit_sm with its
    ``data_coding`` when it fits one SMS, else one submit_sm per part with a concatenation UDH (esm_class 0x40) or
    SAR TLVs (``use_sar``), sharing a per-message reference. All parts of a message go, in order, over one
    transmitting session chosen round-robin among the bound ones; each session holds at most ``window``
    submit_sm outstanding and sends at most ``throughput`` submit_sm (parts) per second. The result lists the
    submit_sm_resp message id of each part as the SMSC wrote it (callers store ``receipts.canonical_id`` of it);
    an SMSC that answers without an id (Kannel's test SMSC) yields ``""``.

    Errors become :class:`~switchboard.connectors.sms.base.SubmitError`: ESME_RTHROTTLED and ESME_RMSGQFUL, no
    bound session, a lost connection or no response within ``response_timeout`` are temporary; any other
    command_status is permanent, with the status's SMPP name (``ESME_RINVDSTADR``) or hex value
    (``0x00000400``) as code. When a later part of a long message fails, the earlier parts have already been
    accepted; a retry sends them again.

Receiving
    deliver_sm are read by :class:`~switchboard.connectors.sms.smpp_pdus.DeliverInterpreter` (receipt or inbound
    message, concatenated inbound parts joined) and reported to the ``CarrierEvents`` given to :meth:`start`, one
    at a time per session. Only final receipts are reported. A receipt can arrive before :meth:`submit` has
    returned the id it refers to (the SMSC may answer and report in the same instant).

    deliver_sm_resp: smpp34 1.5.0 answers every deliver_sm with ESME_ROK itself, *before* the event reaches
    Python, and offers no way to answer otherwise, so the response cannot wait for the callback nor report its
    failure to the SMSC (the intended ESME_RX_T_APPN/ESME_RSYSERR "please redeliver" answer is impossible). What
    is done instead: a callback that raises is retried ``event_retries`` times with a doubling pause starting at
    ``event_retry_delay`` (the session reads nothing meanwhile; later deliver_sm wait in smpp34's inbound queue,
    already acknowledged), then the event is logged in full at ERROR level and counted in ``events_failed``.
    The platform's events handler (services/delivery.py ``DeliveryEvents``) does not raise for a database that
    refuses the event: it spools the event to a local file (services/spool.py) and the dispatch role replays it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Final

from switchboard.clock import Clock, SystemClock
from switchboard.connectors.sms.base import (
    CarrierEvents,
    OutboundSms,
    Receipt,
    SubmitAccepted,
    SubmitError,
)
from switchboard.connectors.sms.smpp_bind import RECEIVER, TRANSCEIVER, TRANSMITTER, BindSession
from switchboard.connectors.sms.smpp_pdus import (
    ESME_ROK,
    TEMPORARY_STATUSES,
    DeliverFields,
    DeliverInterpreter,
    status_name,
    submit_parts,
)

log = logging.getLogger("switchboard.connectors.smpp")

BIND_MODES: Final[dict[str, tuple[str, ...]]] = {
    "transceiver": (TRANSCEIVER,),
    "transmitter": (TRANSMITTER,),
    "receiver": (RECEIVER,),
    "pair": (TRANSMITTER, RECEIVER),
}


@dataclass(frozen=True)
class SmppConfig:
    """One SMPP carrier account. Times are in seconds; ``throughput`` is submit_sm per second per bind.

    ``source_ton``/``source_npi`` None choose by sender: 5/0 (alphanumeric) for a sender with letters, 1/1
    (international) for digits. ``system_id`` is at most 15 characters, ``password`` 8, ``system_type`` 12.
    """

    name: str
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    bind: str = "transceiver"
    binds: int = 1
    window: int = 10
    throughput: float = 0.0
    enquire_link: float = 30.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0
    connect_timeout: float = 10.0
    response_timeout: float = 10.0
    source_ton: int | None = None
    source_npi: int | None = None
    dest_ton: int = 1
    dest_npi: int = 1
    service_type: str = ""
    address_range: str = ""
    use_sar: bool = False
    registered_delivery: bool = True
    inbound_queue: int = 4096
    event_retries: int = 3
    event_retry_delay: float = 0.2

    def __post_init__(self) -> None:
        if self.bind not in BIND_MODES:
            raise ValueError(f"bind must be one of {', '.join(BIND_MODES)}, not {self.bind!r}")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"port must be 1..65535, not {self.port}")
        for name, value, limit in (
            ("system_id", self.system_id, 15),
            ("password", self.password, 8),
            ("system_type", self.system_type, 12),
        ):
            if len(value.encode()) > limit:
                raise ValueError(f"{name} is at most {limit} characters in SMPP 3.4")
        if self.binds < 1 or self.window < 1 or self.inbound_queue < 1:
            raise ValueError("binds, window and inbound_queue must be at least 1")
        if self.throughput < 0 or self.event_retries < 0:
            raise ValueError("throughput and event_retries cannot be negative")
        positive = ("enquire_link", "reconnect_min", "reconnect_max", "connect_timeout", "response_timeout")
        if any(getattr(self, name) <= 0 for name in positive):
            raise ValueError(f"{', '.join(positive)} must be positive")


class SmppConnector:
    """The :class:`~switchboard.connectors.sms.base.SmsConnector` of an SMPP carrier (see the module docstring)."""

    def __init__(self, config: SmppConfig, clock: Clock | None = None) -> None:
        self.name = config.name
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.counters: dict[str, int] = {
            "messages": 0,
            "submitted": 0,
            "errors": 0,
            "throttled": 0,
            "receipts": 0,
            "inbound": 0,
            "events_failed": 0,
        }
        self._by_slot: dict[int, list[BindSession]] = {slot: self._sessions_for(slot) for slot in range(config.binds)}
        self.sessions: list[BindSession] = [session for group in self._by_slot.values() for session in group]
        self._leaving: set[asyncio.Task[None]] = set()  # sessions of given-up slots, unbinding
        self._interpreter = DeliverInterpreter(config.name)
        self._events: CarrierEvents | None = None
        self._rotation = itertools.count()
        self._references = itertools.count(random.randrange(0x10000))  # noqa: S311 (not a secret)

    async def start(self, events: CarrierEvents) -> None:
        """Start binding every session in the background; returns without waiting for the SMSC."""
        self._events = events
        for session in self.sessions:
            session.start()

    async def wait_bound(self, timeout: float) -> bool:
        """Wait until every session is bound; False when ``timeout`` seconds pass first."""
        try:
            await asyncio.wait_for(asyncio.gather(*(s.wait_bound() for s in self.sessions)), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Unbind every session and close its connection."""
        await asyncio.gather(*(session.stop() for session in self.sessions), *self._leaving)

    def _sessions_for(self, slot: int) -> list[BindSession]:
        """The session(s) of one bind slot: one transceiver, transmitter or receiver, or a pair."""
        return [
            BindSession(self.config, f"{self.config.name}#{slot}.{kind}", kind, self._on_deliver)
            for kind in BIND_MODES[self.config.bind]
        ]

    @property
    def slots(self) -> list[int]:
        return sorted(self._by_slot)

    async def use_slots(self, slots: list[int]) -> None:
        """Hold exactly these bind slots (0 .. binds-1): bind the new ones, unbind the ones given up. In the
        production layout the dispatch workers share a carrier's ``binds`` this way (services/bind_slots.py)."""
        wanted = set(slots)
        if any(not 0 <= slot < self.config.binds for slot in wanted):
            raise ValueError(f"carrier {self.name} has bind slots 0..{self.config.binds - 1}, not {sorted(wanted)}")
        leaving = [session for slot in set(self._by_slot) - wanted for session in self._by_slot.pop(slot)]
        added: list[BindSession] = []
        for slot in sorted(wanted - set(self._by_slot)):
            self._by_slot[slot] = self._sessions_for(slot)
            added.extend(self._by_slot[slot])
        self.sessions = [session for slot in sorted(self._by_slot) for session in self._by_slot[slot]]
        if self._events is not None:
            for session in added:
                session.start()
        for session in leaving:  # unbinding may wait for answers: never hold the caller (it renews the slots)
            task = asyncio.create_task(session.stop(), name=f"smpp-unbind-{session.label}")
            self._leaving.add(task)
            task.add_done_callback(self._leaving.discard)

    async def submit(self, message: OutboundSms) -> SubmitAccepted:
        """Send every part of ``message`` over one bound transmitting session; raises SubmitError."""
        session = self._pick()
        parts = submit_parts(message.content, next(self._references), use_sar=self.config.use_sar)
        source = message.sender_id or ""
        source_ton, source_npi = self._source_numbering(source)
        registered = 1 if self.config.registered_delivery and message.registered_delivery else 0
        ids: list[str] = []
        for part in parts:
            status, message_id = await self._submit_part(
                session,
                part,
                destination=message.number.lstrip("+"),
                source=source,
                source_ton=source_ton,
                source_npi=source_npi,
                registered_delivery=registered,
            )
            if status != ESME_ROK:
                raise self._refused(session, status, len(ids), len(parts))
            session.counters["submitted"] += 1
            self.counters["submitted"] += 1
            ids.append(message_id)
        self.counters["messages"] += 1
        return SubmitAccepted(ids)

    def status(self) -> dict[str, Any]:
        """Per-bind state (bound/connecting/down), outstanding submits and counters, plus connector totals."""
        return {
            "type": "smpp",
            "name": self.name,
            "host": f"{self.config.host}:{self.config.port}",
            "bind": self.config.bind,
            "bound": sum(1 for s in self.sessions if s.bound),
            "outstanding": sum(s.outstanding for s in self.sessions),
            "binds": [s.status() for s in self.sessions],
            **self.counters,
            "inbound_parts_pending": len(self._interpreter.assembler),
        }

    def _pick(self) -> BindSession:
        if not self.sessions:  # production layout: the other dispatch workers hold this carrier's binds
            self.counters["errors"] += 1
            raise SubmitError("SMPP_NO_SLOT", f"this worker holds none of carrier {self.name}'s binds", temporary=True)
        transmitters = [s for s in self.sessions if s.can_transmit]
        if not transmitters:
            raise SubmitError("SMPP_NO_TRANSMITTER", f"carrier {self.name} binds as receiver only", temporary=False)
        start = next(self._rotation)
        for offset in range(len(transmitters)):
            session = transmitters[(start + offset) % len(transmitters)]
            if session.bound:
                return session
        self.counters["errors"] += 1
        raise SubmitError("SMPP_NOT_BOUND", f"carrier {self.name} has no bound transmitter", temporary=True)

    async def _submit_part(self, session: BindSession, *args: Any, **kwargs: Any) -> tuple[int, str]:
        try:
            return await session.submit(*args, **kwargs)
        except SubmitError:
            self.counters["errors"] += 1
            raise

    def _refused(self, session: BindSession, status: int, done: int, total: int) -> SubmitError:
        temporary = status in TEMPORARY_STATUSES
        key = "throttled" if temporary else "errors"
        session.counters[key] += 1
        self.counters[key] += 1
        detail = f"part {done + 1} of {total} refused" if total > 1 else "refused"
        return SubmitError(status_name(status), f"{detail} (command_status 0x{status:08x})", temporary=temporary)

    def _source_numbering(self, source: str) -> tuple[int, int]:
        alphanumeric = not source.lstrip("+").isdigit()
        ton = self.config.source_ton if self.config.source_ton is not None else (5 if alphanumeric else 1)
        npi = self.config.source_npi if self.config.source_npi is not None else (0 if alphanumeric else 1)
        return ton, npi

    async def _on_deliver(self, fields: DeliverFields) -> None:
        event = self._interpreter.interpret(fields, self.clock.now(), time.monotonic())
        if event is None or self._events is None:
            return
        delay = self.config.event_retry_delay
        for attempt in range(self.config.event_retries + 1):
            try:
                if isinstance(event, Receipt):
                    await self._events.receipt(event)
                    self.counters["receipts"] += 1
                else:
                    await self._events.inbound(event)
                    self.counters["inbound"] += 1
                return
            except Exception:
                if attempt == self.config.event_retries:
                    self.counters["events_failed"] += 1
                    log.exception("carrier %s: event dropped after %d attempts: %r", self.name, attempt + 1, event)
                    return
                log.warning("carrier %s: event callback failed, retrying in %.1fs", self.name, delay, exc_info=True)
                await asyncio.sleep(delay)
                delay *= 2
