"""Results, as frozen dataclasses, and the parsers that build them from decoded JSON.

The wire sends counts and amounts as strings (``"2"``, ``"99.990000"``); here they are ``int`` and
``Decimal``. Parsers are lenient about types (a number where a string was documented and the reverse) and
about missing optional fields, because several server generations answer slightly differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from switchboard_client.times import TimeArg, parse_time
from switchboard_client.unset import UNSET, Unset

ReportStatus = Literal["delivered", "sending", "failed"]
FinalStatus = Literal["delivered", "failed"]


def to_int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def to_optional_int(value: object) -> int | None:
    return None if value is None or value == "" else to_int(value)


def to_decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value).strip()) if value is not None and value != "" else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def to_str(value: object) -> str:
    return "" if value is None else str(value)


def to_optional_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Balance:
    """``getBalance``: money in the account's currency. ``gift`` is spent first, then ``balance``, then the
    ``credit`` line."""

    balance: Decimal
    gift: Decimal
    credit: Decimal

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Balance:
        return cls(to_decimal(body.get("balance")), to_decimal(body.get("gift")), to_decimal(body.get("credit")))


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One accepted number of a send: its ``msg_id``, the normalised ``number`` and the echoed ``order_id``
    (``None`` when none was given)."""

    msg_id: str
    number: str
    order_id: str | None

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> SentMessage:
        return cls(to_str(item.get("msgId")), to_str(item.get("number")), to_optional_str(item.get("orderId")))


@dataclass(frozen=True, slots=True)
class SendResult:
    """``sendSms`` / ``sendSms/batch``: ``success`` numbers accepted (listed in ``messages``, in request
    order), ``fail`` refused one by one (abnormal, unpriced, over the per-number limit)."""

    success: int
    fail: int
    messages: list[SentMessage]

    @property
    def msg_ids(self) -> list[str]:
        return [m.msg_id for m in self.messages]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> SendResult:
        messages = [SentMessage.from_wire(item) for item in _records(body.get("array"))]
        return cls(to_int(body.get("success"), len(messages)), to_int(body.get("fail")), messages)


@dataclass(frozen=True, slots=True)
class SendGroup:
    """One element of :meth:`~switchboard_client.Client.send_batch`: its own content for its numbers."""

    numbers: str | Sequence[str]
    content: str
    sender_id: str | None | Unset = UNSET
    order_ids: str | Sequence[str] | None | Unset = UNSET
    send_time: TimeArg | None | Unset = UNSET


REPORT_STATUS: dict[str, ReportStatus] = {"0": "delivered", "-1": "sending", "1": "failed"}


@dataclass(frozen=True, slots=True)
class ReportItem:
    """A message of ``getReport``. ``receive_time`` is the final time (while sending: the submit time, or the
    acceptance time of a message not yet handed to a carrier)."""

    msg_id: str
    number: str
    receive_time: datetime | None
    status: ReportStatus

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> ReportItem:
        status = REPORT_STATUS.get(to_str(item.get("status")).strip(), "failed")
        return cls(to_str(item.get("msgId")), to_str(item.get("number")), parse_time(item.get("receiveTime")), status)


@dataclass(frozen=True, slots=True)
class Report:
    """``getReport`` over any number of ids (the client asks 200 at a time and adds the answers up).

    ``nofound`` counts ids the server never issued (or another app's); a message accepted but not yet handed to
    a carrier is ``sending``. ``items`` has only the found ones."""

    success: int
    fail: int
    sending: int
    nofound: int
    items: list[ReportItem]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> Report:
        return cls(
            to_int(body.get("success")),
            to_int(body.get("fail")),
            to_int(body.get("sending")),
            to_int(body.get("nofound")),
            [ReportItem.from_wire(item) for item in _records(body.get("array"))],
        )

    @classmethod
    def merge(cls, parts: Sequence[Report]) -> Report:
        return cls(
            sum(p.success for p in parts),
            sum(p.fail for p in parts),
            sum(p.sending for p in parts),
            sum(p.nofound for p in parts),
            [item for p in parts for item in p.items],
        )

    def by_msg_id(self) -> dict[str, ReportItem]:
        return {item.msg_id: item for item in self.items}


@dataclass(frozen=True, slots=True)
class SentRecord:
    """A message in a final state, from ``getSentRcd`` (status ``"0"`` delivered, ``"2"`` failed)."""

    msg_id: str
    number: str
    receive_time: datetime | None
    status: FinalStatus

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> SentRecord:
        status: FinalStatus = "delivered" if to_str(item.get("status")).strip() == "0" else "failed"
        return cls(to_str(item.get("msgId")), to_str(item.get("number")), parse_time(item.get("receiveTime")), status)


@dataclass(frozen=True, slots=True)
class PriceDetail:
    """What a message cost: ``pay`` in total for ``charge_count`` segments at ``price`` each."""

    pay: Decimal
    charge_count: int
    currency: str
    price: Decimal

    @classmethod
    def from_wire(cls, value: object) -> PriceDetail | None:
        if not isinstance(value, Mapping):
            return None
        return cls(
            to_decimal(value.get("pay")),
            to_int(value.get("chargeCnt")),
            to_str(value.get("currency")),
            to_decimal(value.get("price")),
        )


@dataclass(frozen=True, slots=True)
class MoRecord:
    """An inbound (MO) message from ``recordMo``: ``number`` sent it to ``send_id``."""

    number: str
    send_id: str
    receive_time: datetime | None
    content: str
    mcc: int | None
    mnc: int | None
    operator: str
    price: PriceDetail | None

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> MoRecord:
        return cls(
            number=to_str(item.get("number")),
            send_id=to_str(item.get("sendId", item.get("sendid"))),
            receive_time=parse_time(item.get("receiveTime")),
            content=to_str(item.get("content")),
            mcc=to_optional_int(item.get("mcc")),
            mnc=to_optional_int(item.get("mnc")),
            operator=to_str(item.get("operator")),
            price=PriceDetail.from_wire(item.get("pricedetail")),
        )


@dataclass(frozen=True, slots=True)
class MoPage:
    """One page of ``recordMo``: ``data{total, size, current, pages, records}``."""

    total: int
    size: int
    current: int
    pages: int
    records: list[MoRecord]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> MoPage:
        data = _mapping(body.get("data"))
        return cls(
            to_int(data.get("total")),
            to_int(data.get("size")),
            to_int(data.get("current")),
            to_int(data.get("pages")),
            [MoRecord.from_wire(r) for r in _records(data.get("records"))],
        )


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """An S5 delivery-report push. ``status`` 0 is delivered, anything else failed (``reason`` says why)."""

    app_id: str
    msg_id: str
    mobile: str
    status: int
    reason: str
    timestamp: datetime | None
    order_id: str | None
    mcc: str | None
    mnc: str | None
    price: PriceDetail | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def delivered(self) -> bool:
        return self.status == 0


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """An S7 inbound (MO) push: ``mobile`` replied ``content`` to ``send_id``.

    ``reply_time`` is the documented ``yyyy-MM-dd HH:mm:ss`` text (the account's zone, no offset);
    ``received_at`` is the same moment as an aware ``datetime`` when the server also sent
    ``reply_time_iso`` (Switchboard does), else ``None``."""

    msg_id: str
    mobile: str
    reply_time: str
    received_at: datetime | None
    content: str
    send_id: str | None
    mcc: int | None
    mnc: int | None
    operator: str | None
    price: PriceDetail | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
