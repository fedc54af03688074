"""The interface every SMS carrier connector implements, and the events it reports back.

A connector submits messages and reports what the carrier says afterwards (delivery receipts, inbound
messages) to the ``CarrierEvents`` it was started with. Errors from the carrier's protocol are translated
here into ``SubmitError(temporary=...)``: temporary errors (throttling, a lost connection, a full window)
are retried later by the dispatcher; permanent ones fail the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

DELIVERED = "delivered"
FAILED = "failed"
EXPIRED = "expired"
FINAL_RECEIPT_STATES = frozenset({DELIVERED, FAILED, EXPIRED})


@dataclass(frozen=True)
class OutboundSms:
    msg_id: str
    number: str  # digits with country code
    sender_id: str | None
    content: str
    registered_delivery: bool = True


@dataclass(frozen=True)
class SubmitAccepted:
    """The carrier took the message: one carrier message id per part (one for a single-part message)."""

    carrier_msg_ids: list[str]


class SubmitError(Exception):
    def __init__(self, code: str, message: str = "", *, temporary: bool) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.temporary = temporary


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt for one submitted part, as the carrier reported it."""

    carrier: str
    carrier_msg_id: str
    state: str  # delivered | failed | expired (intermediate states are not reported)
    error_code: str = ""
    done_at: datetime | None = None


@dataclass(frozen=True)
class InboundSms:
    """A mobile-originated message: ``source`` sent it to ``destination`` (our number or sender id)."""

    carrier: str
    source: str
    destination: str
    content: str
    received_at: datetime
    carrier_msg_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class CarrierEvents(Protocol):
    async def receipt(self, receipt: Receipt) -> None: ...

    async def inbound(self, message: InboundSms) -> None: ...


class SmsConnector(Protocol):
    name: str

    async def start(self, events: CarrierEvents) -> None:
        """Connect (bind) and begin reporting events; returns once started, reconnects by itself."""

    async def submit(self, message: OutboundSms) -> SubmitAccepted:
        """Send one message (all its parts); raises SubmitError."""

    async def stop(self) -> None: ...

    def status(self) -> dict[str, Any]:
        """What the operator sees: binds and their states, window use, counters."""
