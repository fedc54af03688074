"""Receiving pushes: check the signature, then parse the body.

Switchboard POSTs delivery reports (S5) and inbound messages (S7) as JSON to the app's URLs, with::

    X-Switchboard-Key: <the API key whose secret signed it>
    X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key=API secret, msg=f"{t}." + raw body)>

Verify against the *raw* body bytes (before any JSON decoding), then parse::

    if not verify_push(body, request.headers["X-Switchboard-Signature"], API_SECRET):
        return 401
    event = parse_push(body)
    if isinstance(event, DeliveryReport): ...

Any 2xx acknowledges a push; anything else is retried by the server, so answer 2xx quickly and process later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from switchboard_client.errors import PushFormatError
from switchboard_client.models import (
    DeliveryReport,
    InboundMessage,
    PriceDetail,
    to_int,
    to_optional_int,
    to_optional_str,
    to_str,
)
from switchboard_client.times import from_millis, parse_time

SIGNATURE_HEADER = "X-Switchboard-Signature"
KEY_HEADER = "X-Switchboard-Key"


def sign_push(body: bytes, api_secret: str, timestamp: int) -> str:
    """The signature header value for ``body`` (what the server sends; useful in tests)."""
    digest = hmac.new(api_secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _parse_header(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None
        elif name == "v1":
            signatures.append(value.strip().lower())
    return (timestamp, signatures) if timestamp is not None and signatures else None


def verify_push(
    body: bytes,
    signature_header: str,
    api_secret: str,
    *,
    tolerance: float | None = 300,
    now: float | datetime | None = None,
) -> bool:
    """Whether ``signature_header`` is a valid signature of ``body`` made with ``api_secret`` at most
    ``tolerance`` seconds from ``now`` (default: the current time; ``tolerance=None`` skips the age check,
    which gives up the protection against replays). Malformed headers are simply ``False``. Several ``v1=``
    values (during a secret rotation) are accepted if any matches. The comparison is constant-time."""
    if not isinstance(signature_header, str) or not api_secret:
        return False
    parsed = _parse_header(signature_header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if tolerance is not None:
        current = now.timestamp() if isinstance(now, datetime) else (time.time() if now is None else float(now))
        if abs(current - timestamp) > tolerance:
            return False
    expected = sign_push(bytes(body), api_secret, timestamp).rpartition("v1=")[2]
    matched = False
    for candidate in signatures:  # no early exit: the time taken does not depend on which one matched
        matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    return matched


def _delivery_report(data: Mapping[str, Any]) -> DeliveryReport:
    return DeliveryReport(
        app_id=to_str(data.get("appId")),
        msg_id=to_str(data.get("msgid", data.get("msgId"))),
        mobile=to_str(data.get("mobile")),
        status=to_int(data.get("status"), default=-1),
        reason=to_str(data.get("reason")),
        timestamp=from_millis(data.get("timestamp")),
        order_id=to_optional_str(data.get("orderId")),
        mcc=to_optional_str(data.get("mcc")),
        mnc=to_optional_str(data.get("mnc")),
        price=PriceDetail.from_wire(data.get("pricedetail")),
        raw=data,
    )


def _inbound_message(data: Mapping[str, Any]) -> InboundMessage:
    return InboundMessage(
        msg_id=to_str(data.get("msgid", data.get("msgId"))),
        mobile=to_str(data.get("mobile")),
        reply_time=to_str(data.get("reply_time")),
        received_at=parse_time(data.get("reply_time_iso")),
        content=to_str(data.get("content")),
        send_id=to_optional_str(data.get("sendid", data.get("sendId"))),
        mcc=to_optional_int(data.get("mcc")),
        mnc=to_optional_int(data.get("mnc")),
        operator=to_optional_str(data.get("operator")),
        price=PriceDetail.from_wire(data.get("pricedetail")),
        raw=data,
    )


def parse_push(body: bytes | str) -> DeliveryReport | InboundMessage:
    """Parse an S5 delivery report (has ``status``) or an S7 inbound message (has ``content`` or
    ``reply_time``). Unknown fields are kept in ``.raw``; missing optional ones are ``None``/empty.
    Raises :class:`~switchboard_client.errors.PushFormatError` for anything else."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PushFormatError(f"push body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PushFormatError("push body is not a JSON object")
    if "status" in data:
        return _delivery_report(data)
    if "content" in data or "reply_time" in data:
        return _inbound_message(data)
    raise PushFormatError("push body is neither a delivery report (status) nor an inbound message (content)")
