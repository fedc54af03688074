"""Receiving pushes: signature verification (HMAC-SHA256 over ``t.body``) and S5/S7 parsing."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from switchboard_client import (
    DeliveryReport,
    InboundMessage,
    PriceDetail,
    PushFormatError,
    parse_push,
    sign_push,
    verify_push,
)

SECRET = "FxgeGySvTjueCkVZ0oQ2Xp1i"  # noqa: S105 (a test value)
OLD = "old-secret"  # noqa: S105 (a test value)
NOW = 1_764_450_000
S5 = {
    "appId": "4luaKsL2",
    "msgid": "2108021054011000095",
    "mobile": "919876543210",
    "status": 0,
    "reason": "0",
    "timestamp": 1629801177192,
    "orderId": "a1",
    "mcc": "404",
    "mnc": "-1",
    "pricedetail": {"pay": "0.02", "currency": "EUR", "chargeCnt": 2, "price": "0.01"},
}
S7 = {
    "msgid": "2108021054011000096",
    "mobile": "919876543210",
    "reply_time": "2021-08-24 18:32:57",
    "content": "STOP",
    "sendid": "1234",
    "mcc": 404,
    "mnc": 45,
    "operator": "Airtel",
    "pricedetail": {"pay": "0.000000", "chargeCnt": 0, "currency": "USD", "price": "0.000000"},
}


def header(body: bytes, t: int = NOW, key: str = SECRET) -> str:
    digest = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def test_a_valid_signature_verifies() -> None:
    body = json.dumps(S5).encode()
    assert sign_push(body, SECRET, NOW) == header(body)
    assert verify_push(body, header(body), SECRET, now=NOW)
    assert verify_push(body, header(body), SECRET, now=datetime.fromtimestamp(NOW + 299, tz=UTC))
    assert verify_push(body, header(body).upper().replace("T=", "t=").replace("V1=", "v1="), SECRET, now=NOW)


@pytest.mark.parametrize(
    "case",
    ["tampered body", "wrong secret", "too old", "from the future", "no v1", "no t", "garbage", "empty", "bad t"],
)
def test_anything_else_does_not(case: str) -> None:
    body = json.dumps(S5).encode()
    good = header(body)
    args = {
        "tampered body": (body.replace(b'"status": 0', b'"status": 1'), good, SECRET, NOW),
        "wrong secret": (body, good, "other", NOW),
        "too old": (body, good, SECRET, NOW + 301),
        "from the future": (body, good, SECRET, NOW - 301),
        "no v1": (body, f"t={NOW}", SECRET, NOW),
        "no t": (body, good.split(",")[1], SECRET, NOW),
        "garbage": (body, "nonsense", SECRET, NOW),
        "empty": (body, "", SECRET, NOW),
        "bad t": (body, good.replace(f"t={NOW}", "t=soon"), SECRET, NOW),
    }[case]
    assert verify_push(args[0], args[1], args[2], now=args[3]) is False


def test_tolerance_can_be_widened_or_switched_off() -> None:
    body = b"{}"
    old = header(body, t=NOW - 3600)
    assert not verify_push(body, old, SECRET, now=NOW)
    assert verify_push(body, old, SECRET, now=NOW, tolerance=7200)
    assert verify_push(body, old, SECRET, tolerance=None)


def test_any_of_several_signatures_may_match_during_a_secret_rotation() -> None:
    body = b'{"a":1}'
    rotated = f"{header(body, key=OLD)},v1={header(body).split('v1=')[1]}"
    assert verify_push(body, rotated, SECRET, now=NOW)
    assert verify_push(body, rotated, OLD, now=NOW)
    assert not verify_push(body, rotated, "third", now=NOW)


def test_verification_uses_a_constant_time_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    body = b"{}"
    assert verify_push(body, header(body), SECRET, now=NOW)
    assert len(calls) == 1


def test_a_delivery_report_parses() -> None:
    report = parse_push(json.dumps(S5).encode())
    assert isinstance(report, DeliveryReport)
    assert report == DeliveryReport(
        app_id="4luaKsL2",
        msg_id="2108021054011000095",
        mobile="919876543210",
        status=0,
        reason="0",
        timestamp=datetime(2021, 8, 24, 10, 32, 57, 192000, tzinfo=UTC),
        order_id="a1",
        mcc="404",
        mnc="-1",
        price=PriceDetail(Decimal("0.02"), 2, "EUR", Decimal("0.01")),
    )
    assert report.delivered and report.raw["msgid"] == "2108021054011000095"


def test_an_inbound_message_parses() -> None:
    message = parse_push(json.dumps({**S7, "reply_time_iso": "2021-08-24T18:32:57+05:30"}))
    assert isinstance(message, InboundMessage)
    assert (message.msg_id, message.mobile, message.content, message.send_id) == (
        "2108021054011000096",
        "919876543210",
        "STOP",
        "1234",
    )
    assert message.reply_time == "2021-08-24 18:32:57"
    assert message.received_at == datetime.fromisoformat("2021-08-24T18:32:57+05:30")
    assert (message.mcc, message.mnc, message.operator) == (404, 45, "Airtel")
    assert message.price == PriceDetail(Decimal(0), 0, "USD", Decimal(0))


def test_unknown_fields_are_kept_and_missing_optional_ones_tolerated() -> None:
    report = parse_push(b'{"msgid": "1", "mobile": "91", "status": "2", "orderId": 12345, "extra": {"x": 1}}')
    assert isinstance(report, DeliveryReport)
    assert (report.status, report.delivered, report.order_id, report.app_id) == (2, False, "12345", "")
    assert (report.timestamp, report.mcc, report.price) == (None, None, None)
    assert report.raw["extra"] == {"x": 1}
    message = parse_push(b'{"msgid": "2", "mobile": "91", "content": "hi", "surprise": true}')
    assert isinstance(message, InboundMessage)
    assert (message.reply_time, message.received_at, message.send_id, message.mcc, message.price) == (
        "",
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"msgid": "1"}', b"\xff\xfe"])
def test_bodies_of_no_known_kind_are_refused(body: bytes) -> None:
    with pytest.raises(PushFormatError):
        parse_push(body)


def test_interoperates_with_the_servers_own_push_code() -> None:
    """The server's signer and body builders, when the server package is installed next to the SDK."""
    pushes = pytest.importorskip("switchboard.services.pushes")
    final_at = datetime(2026, 11, 29, 12, 0, 1, tzinfo=UTC)
    message = {
        "msg_id": "2611291200000000001",
        "number": "919876543210",
        "status": "failed",
        "error_code": "UNDELIV",
        "final_at": final_at,
        "order_id": "o-7",
        "cost": Decimal("0.02"),
        "price": Decimal("0.01"),
        "currency": "USD",
        "segments": 2,
    }
    body = pushes.report_body(message, "4luaKsL2")
    assert verify_push(body, pushes.signature_header(SECRET, body, NOW), SECRET, now=NOW)
    report = parse_push(body)
    assert isinstance(report, DeliveryReport)
    assert (report.msg_id, report.status, report.reason, report.order_id) == (
        "2611291200000000001",
        1,
        "UNDELIV",
        "o-7",
    )
    assert report.timestamp == final_at and report.price is not None and report.price.charge_count == 2
    local = datetime.fromisoformat("2026-11-29T17:30:00+05:30")
    row = {"msg_id": "2611291200000000002", "source": "919876543210", "destination": "1234", "content": "YES"}
    inbound = parse_push(pushes.inbound_body(row, local))
    assert isinstance(inbound, InboundMessage)
    assert (inbound.content, inbound.send_id, inbound.received_at) == ("YES", "1234", local)
