"""A carrier reached over HTTP: a configurable request per message, receipts and MO posted back to us.

Configuration (``switchboard carrier add --type http --config '{...}'``)::

    {"url": "https://carrier.example/send", "method": "POST",
     "body": {"to": "{number}", "from": "{sender}", "text": "{content}", "ref": "{msg_id}"},
     "headers": {"Authorization": "Bearer ..."},
     "id_field": "message_id",                 # where the carrier's id is in its JSON answer ("a.b" nests)
     "receipt": {"id_field": "message_id", "status_field": "status",
                 "delivered": ["DELIVERED", "delivrd"], "failed": ["FAILED", "UNDELIV", "REJECTED"],
                 "expired": ["EXPIRED"], "error_field": "error"},
     "inbound": {"from_field": "from", "to_field": "to", "text_field": "text"}}

With GET, ``body`` becomes the query string. A 2xx answer with an id accepts the message; 429, 5xx and
network errors are temporary; other answers are permanent. The carrier posts receipts to
``/carriers/{name}/receipt`` and inbound messages to ``/carriers/{name}/inbound`` on the API, authenticated with
the carrier's own callback secret (``switchboard carrier callback NAME``; see auth/carrier_auth.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from switchboard.clock import Clock
from switchboard.connectors.sms.base import (
    DELIVERED,
    EXPIRED,
    FAILED,
    CarrierEvents,
    InboundSms,
    OutboundSms,
    Receipt,
    SubmitAccepted,
    SubmitError,
)


@dataclass(frozen=True)
class HttpCarrierConfig:
    name: str
    url: str
    method: str = "POST"
    body: dict[str, str] = field(
        default_factory=lambda: {"to": "{number}", "from": "{sender}", "text": "{content}", "ref": "{msg_id}"}
    )
    headers: dict[str, str] = field(default_factory=dict)
    id_field: str = "message_id"
    receipt: dict[str, Any] = field(default_factory=dict)
    inbound: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    callback: dict[str, Any] = field(default_factory=dict)  # how its callbacks authenticate (auth/carrier_auth.py)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("url must be http(s)")
        if self.method.upper() not in ("GET", "POST"):
            raise ValueError("method is GET or POST")


def _lookup(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def parse_receipt(config: HttpCarrierConfig, data: dict[str, Any]) -> Receipt | None:
    """A receipt from the carrier's callback body, or None when it is not final or has no id."""
    spec = config.receipt
    carrier_id = _lookup(data, spec.get("id_field", "message_id"))
    status = str(_lookup(data, spec.get("status_field", "status")) or "").strip().lower()
    if carrier_id in (None, "") or not status:
        return None
    states = {
        DELIVERED: spec.get("delivered", ["delivered", "delivrd"]),
        FAILED: spec.get("failed", ["failed", "undeliv", "undelivered", "rejected", "rejectd"]),
        EXPIRED: spec.get("expired", ["expired"]),
    }
    for state, values in states.items():
        if status in {str(v).lower() for v in values}:
            error = str(_lookup(data, spec.get("error_field", "error")) or "")
            return Receipt(config.name, str(carrier_id), state, error)
    return None


def parse_inbound(config: HttpCarrierConfig, data: dict[str, Any], clock: Clock) -> InboundSms | None:
    spec = config.inbound
    source = _lookup(data, spec.get("from_field", "from"))
    text = _lookup(data, spec.get("text_field", "text"))
    if not source or text is None:
        return None
    destination = _lookup(data, spec.get("to_field", "to")) or ""
    return InboundSms(config.name, str(source), str(destination), str(text), clock.now())


class HttpConnector:
    def __init__(self, config: HttpCarrierConfig, clock: Clock, *, transport: httpx.AsyncBaseTransport | None = None):
        self.name = config.name
        self.config = config
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=config.timeout, transport=transport)
        self.counters = {"submitted": 0, "temporary": 0, "permanent": 0}

    async def start(self, events: CarrierEvents) -> None:
        self.events = events

    async def submit(self, message: OutboundSms) -> SubmitAccepted:
        values = {
            "number": message.number,
            "sender": message.sender_id or "",
            "content": message.content,
            "msg_id": message.msg_id,
        }
        fields = {k: v.format_map(values) for k, v in self.config.body.items()}
        try:
            if self.config.method.upper() == "GET":
                response = await self._client.get(self.config.url, params=fields, headers=self.config.headers)
            else:
                response = await self._client.post(self.config.url, json=fields, headers=self.config.headers)
        except httpx.HTTPError as exc:
            self.counters["temporary"] += 1
            raise SubmitError("HTTP_ERROR", type(exc).__name__, temporary=True) from exc
        if response.status_code == 429 or response.status_code >= 500:
            self.counters["temporary"] += 1
            raise SubmitError(f"HTTP_{response.status_code}", temporary=True)
        if not 200 <= response.status_code < 300:
            self.counters["permanent"] += 1
            raise SubmitError(f"HTTP_{response.status_code}", temporary=False)
        try:
            carrier_id = _lookup(response.json(), self.config.id_field)
        except ValueError:
            carrier_id = None
        if carrier_id in (None, ""):
            self.counters["permanent"] += 1
            raise SubmitError("NO_ID", "the carrier's answer has no message id", temporary=False)
        self.counters["submitted"] += 1
        return SubmitAccepted([str(carrier_id)])

    async def stop(self) -> None:
        await self._client.aclose()

    def status(self) -> dict[str, Any]:
        return {"type": "http", "state": "up", "url": self.config.url, **self.counters}
