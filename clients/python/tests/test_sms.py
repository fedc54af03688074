"""The typed SMS methods: request bodies, result types, chunking of getReport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from sdk_testing import API_KEY, API_SECRET, APP_ID, BASE_URL, FakeApi, Seen
from switchboard_client import (
    UNSET,
    Balance,
    Client,
    ConfigurationError,
    ReportItem,
    SendGroup,
    SendResult,
    SentMessage,
)

SENT = {
    "status": "0",
    "reason": "success",
    "success": "2",
    "fail": "1",
    "array": [
        {"msgId": "2611291200000000001", "number": "919876543210", "orderId": "a1"},
        {"msgId": "2611291200000000002", "number": "919876543211", "orderId": ""},
    ],
}


def test_balance_is_decimal(client: Client, api: FakeApi) -> None:
    api.route(
        "/v3/getBalance",
        {"status": "0", "reason": "success", "balance": "99.990000", "gift": "50.00000", "credit": "0"},
    )
    assert client.balance() == Balance(Decimal("99.990000"), Decimal("50.00000"), Decimal("0"))
    assert api.seen[0].method == "GET" and api.seen[0].path == "/v3/getBalance"


def test_send_posts_the_documented_body_and_parses_the_answer(client: Client, api: FakeApi) -> None:
    api.route("/v3/sendSms", SENT)
    result = client.send(
        ["919876543210", "919876543211", "123"],
        "Hello",
        sender_id="ACME",
        order_ids=["a1", "a2", "a3"],
        send_time=datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    )
    assert api.seen[0].body == {
        "appId": APP_ID,
        "numbers": "919876543210,919876543211,123",
        "content": "Hello",
        "senderId": "ACME",
        "orderId": "a1,a2,a3",
        "sendTime": "2026-12-01T09:30:00+08:00",
    }
    assert result == SendResult(
        success=2,
        fail=1,
        messages=[
            SentMessage("2611291200000000001", "919876543210", "a1"),
            SentMessage("2611291200000000002", "919876543211", None),
        ],
    )
    assert result.msg_ids == ["2611291200000000001", "2611291200000000002"]


def test_unset_fields_are_left_out_and_none_is_sent_as_null(client: Client, api: FakeApi) -> None:
    api.route("/v3/sendSms", SENT)
    client.send("919876543210", "Hello")
    assert api.seen[-1].body == {"appId": APP_ID, "numbers": "919876543210", "content": "Hello"}
    client.send("919876543210", "Hello", sender_id=None, order_ids=None, send_time=UNSET)
    assert api.seen[-1].body == {
        "appId": APP_ID,
        "numbers": "919876543210",
        "content": "Hello",
        "senderId": None,
        "orderId": None,
    }
    assert repr(UNSET) == "UNSET" and not UNSET


def test_times_must_be_timezone_aware(client: Client) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        client.send("919876543210", "Hello", send_time=datetime(2026, 12, 1, 9, 30))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        client.sent_records(datetime(2026, 1, 1), datetime.now(UTC))  # noqa: DTZ001
    with pytest.raises(TypeError, match="must be a datetime or a str"):
        client.send("919876543210", "Hello", send_time=12345)  # type: ignore[arg-type]


def test_app_id_comes_from_the_call_then_the_client_then_the_environment(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route("/v3/sendSms", SENT)
    transport = httpx.MockTransport(api)
    with Client(API_KEY, API_SECRET, BASE_URL, app_id="ctorApp1", transport=transport) as client:
        client.send("919876543210", "x")
        client.send("919876543210", "x", app_id="callApp1")
        client.send("919876543210", "x", app_id=None)  # None, like UNSET: the client's default
    monkeypatch.setenv("SWITCHBOARD_APP_ID", "envApp01")
    with Client(API_KEY, API_SECRET, BASE_URL, transport=transport) as client:
        client.send("919876543210", "x")
    assert [s.body["appId"] for s in api.seen] == ["ctorApp1", "callApp1", "ctorApp1", "envApp01"]
    monkeypatch.delenv("SWITCHBOARD_APP_ID")
    with Client(API_KEY, API_SECRET, BASE_URL, transport=transport) as client:
        with pytest.raises(ConfigurationError, match="app id"):
            client.send("919876543210", "x")
    assert len(api.seen) == 4


def test_send_batch_sends_each_group_with_its_own_fields(client: Client, api: FakeApi) -> None:
    api.route("/v3/sendSms/batch", SENT)
    client.send_batch(
        [
            SendGroup(["919876543210", "919876543211"], "Hi {a}", order_ids=["o1", "o2"]),
            {"numbers": "919876543212", "content": "Other", "sender_id": "ACME"},
        ]
    )
    assert api.seen[0].path == "/v3/sendSms/batch"
    assert api.seen[0].body == {
        "appId": APP_ID,
        "array": [
            {"numbers": "919876543210,919876543211", "content": "Hi {a}", "orderId": "o1,o2"},
            {"numbers": "919876543212", "content": "Other", "senderId": "ACME"},
        ],
    }


def test_a_number_list_element_may_not_contain_a_comma(client: Client) -> None:
    with pytest.raises(ValueError, match="comma"):
        client.send(["919876543210,919876543211"], "x")


def _report_handler(seen: Seen) -> dict[str, object]:
    """Answers like the server: ids ending in 0 delivered, 1 sending, 2 failed, 9 unknown."""
    ids = seen.query["msgIds"].split(",")
    assert len(ids) <= 200
    status = {"0": "0", "1": "-1", "2": "1"}
    items = [
        {"msgId": i, "number": "91" + i[-10:], "receiveTime": "2021-02-12T09:30:03+08:00", "status": status[i[-1]]}
        for i in ids
        if i[-1] in status
    ]
    counts = {"success": "0", "sending": "-1", "fail": "1"}
    return {
        "status": "0",
        "reason": "success",
        **{name: str(sum(1 for it in items if it["status"] == code)) for name, code in counts.items()},
        "nofound": str(len(ids) - len(items)),
        "array": items,
    }


def test_get_report_asks_200_ids_at_a_time_and_adds_the_answers_up(client: Client, api: FakeApi) -> None:
    api.route("/v3/getReport", _report_handler)
    ids = [f"21080210540110{n:05d}" for n in range(450)]  # last digit 0..9 cycles
    report = client.get_report(ids + ids[:10])  # duplicates are asked once
    calls = api.calls("/v3/getReport")
    assert [len(c.query["msgIds"].split(",")) for c in calls] == [200, 200, 50]
    assert all(c.query["appId"] == APP_ID and c.method == "GET" for c in calls)
    assert (report.success, report.sending, report.fail, report.nofound) == (45, 45, 45, 315)
    assert len(report.items) == 135
    first = report.items[0]
    assert first == ReportItem(
        "2108021054011000000",
        "914011000000",
        datetime(2021, 2, 12, 9, 30, 3, tzinfo=timezone(timedelta(hours=8))),
        "delivered",
    )
    assert {item.status for item in report.items} == {"delivered", "sending", "failed"}
    assert report.by_msg_id()["2108021054011000001"].status == "sending"


def test_get_report_accepts_a_comma_list_and_no_ids_means_no_request(client: Client, api: FakeApi) -> None:
    api.route("/v3/getReport", _report_handler)
    assert client.get_report("2108021054011000000, 2108021054011000002").success == 1
    assert api.seen[0].query["msgIds"] == "2108021054011000000,2108021054011000002"
    empty = client.get_report([])
    assert (empty.success, empty.nofound, empty.items) == (0, 0, [])
    assert len(api.seen) == 1


def test_an_empty_receive_time_is_none(client: Client, api: FakeApi) -> None:
    api.route(
        "/v3/getReport",
        {
            "status": "0",
            "reason": "success",
            "success": "0",
            "fail": "0",
            "sending": "1",
            "nofound": "0",
            "array": [{"msgId": "2108021054011000001", "number": "91", "receiveTime": "", "status": "-1"}],
        },
    )
    assert client.get_report(["2108021054011000001"]).items[0].receive_time is None
