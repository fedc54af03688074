"""getReport, getSentRcd and recordMo through HTTP: statuses, counts, windows and their codes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchboard.connectors.sms.base import DELIVERED, FAILED, InboundSms, Receipt
from switchboard.services.carriers import CarrierSet
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher
from switchboard.services.tenancy import Tenancy
from switchboard.store import inbound
from tests.conftest import Caller
from tests.fakes.connector import FakeConnector

NUMBERS = ["919876543210", "919876543211", "919876543212", "919876543213"]


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


async def call(client: httpx.AsyncClient, caller: Caller, method: str, path: str, **params: Any) -> Any:
    if method == "GET":
        response = await client.get(path, params=params, headers=caller.headers())
    else:
        response = await client.post(path, content=json.dumps(params), headers=caller.headers())
    assert response.status_code == 200
    return response.json()


async def sent_four(client: httpx.AsyncClient, caller: Caller, services: Services) -> list[str]:
    """Four messages: delivered, failed, submitted (sending), queued."""
    answer = await call(
        client, caller, "POST", "/v3/sendSms", appId=caller.apps["sms"], numbers=",".join(NUMBERS[:3]), content="hi"
    )
    ids = [a["msgId"] for a in answer["array"]]
    carriers = CarrierSet(services)
    carriers.connectors["smsc"] = FakeConnector("smsc")
    carriers.enabled.append("smsc")
    await Dispatcher(services, carriers).step()
    events = DeliveryEvents(services)
    await events.receipt(Receipt("smsc", "smsc-1", DELIVERED))
    await events.receipt(Receipt("smsc", "smsc-2", FAILED, "UNDELIV"))
    answer = await call(
        client, caller, "POST", "/v3/sendSms", appId=caller.apps["sms"], numbers=NUMBERS[3], content="x"
    )
    return [*ids, answer["array"][0]["msgId"]]


async def test_get_report_statuses_and_counts(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    ids = await sent_four(client, caller, services)
    unknown = "2611291200009999999"
    answer = await call(
        client, caller, "GET", "/v3/getReport", appId=caller.apps["sms"], msgIds=",".join([*ids, unknown])
    )
    assert answer["status"] == "0"
    assert (answer["success"], answer["fail"], answer["sending"], answer["nofound"]) == ("1", "1", "2", "1")
    assert [(a["msgId"], a["status"]) for a in answer["array"]] == [
        (ids[0], "0"),
        (ids[1], "1"),
        (ids[2], "-1"),
        (ids[3], "-1"),  # still queued: sending, never "not found"
    ]
    assert answer["array"][0]["receiveTime"] == "2026-11-29T12:00:00+00:00"


async def test_get_report_by_post_body_and_lowercase_msgids(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    ids = await sent_four(client, caller, services)
    answer = await call(client, caller, "POST", "/v3/getReport", appId=caller.apps["sms"], msgids=ids[0])
    assert answer["success"] == "1"


@pytest.mark.parametrize(
    "msg_ids",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="abnormal"),
        pytest.param(",".join(["2611291200000000001"] * 201), id="over-200"),
    ],
)
async def test_get_report_refuses_empty_abnormal_or_too_many_ids(
    client: httpx.AsyncClient, caller: Caller, msg_ids: str
) -> None:
    answer = await call(client, caller, "GET", "/v3/getReport", appId=caller.apps["sms"], msgIds=msg_ids)
    assert answer == {"status": "-14", "reason": "Field is empty or inquiry id is abnormal"}


async def test_another_accounts_messages_are_not_found(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    ids = await sent_four(client, caller, services)
    other = Caller(new=await Tenancy(services).create_account(name="other"), clock=caller.clock)
    answer = await call(client, other, "GET", "/v3/getReport", appId=other.apps["sms"], msgIds=",".join(ids))
    assert (answer["nofound"], answer["array"]) == ("4", [])


async def test_report_queries_too_often_get_15(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    services.settings.report_queries_per_second = 1
    ids = "2611291200000000001"
    answers = [
        await call(client, caller, "GET", "/v3/getReport", appId=caller.apps["sms"], msgIds=ids) for _ in range(3)
    ]
    assert [a["status"] for a in answers] == ["0", "0", "-15"]
    caller.clock.advance(2)
    assert (await call(client, caller, "GET", "/v3/getReport", appId=caller.apps["sms"], msgIds=ids))["status"] == "0"


async def test_get_sent_records_in_a_window(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    ids = await sent_four(client, caller, services)
    raw = f"appId={caller.apps['sms']}&startTime=2026-11-29T00:00:00+08:00&endTime=2026-11-30T00:00:00+08:00"
    answer = (await client.get(f"/v3/getSentRcd?{raw}", headers=caller.headers())).json()
    assert (answer["status"], answer["success"], answer["fail"]) == ("0", "1", "1")
    assert [(a["msgId"], a["status"]) for a in answer["array"]] == [(ids[0], "0"), (ids[1], "2")]
    paged = await call(
        client,
        caller,
        "GET",
        "/v3/getSentRcd",
        appId=caller.apps["sms"],
        startTime="2026-11-29T00:00:00Z",
        endTime="2026-11-30T00:00:00Z",
        startIndex="1",
    )
    assert [a["msgId"] for a in paged["array"]] == [ids[1]]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        pytest.param("yesterday", "2026-11-30T00:00:00Z", "-11", id="bad-format"),
        pytest.param("2026-10-01T00:00:00Z", "2026-11-29T00:00:00Z", "-25", id="over-31-days"),
        pytest.param("2026-11-29T00:00:00Z", "2026-11-28T00:00:00Z", "-25", id="end-before-start"),
        pytest.param("2026-01-01T00:00:00Z", "2026-01-10T00:00:00Z", "-25", id="older-than-retention"),
        # Well-formed, but after the year 9999 in UTC: answered -25, not -18 (found by the voice fuzz's twin).
        pytest.param("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00", "-25", id="beyond-year-9999"),
    ],
)
async def test_get_sent_records_window_codes(
    client: httpx.AsyncClient, caller: Caller, start: str, end: str, code: str
) -> None:
    answer = await call(client, caller, "GET", "/v3/getSentRcd", appId=caller.apps["sms"], startTime=start, endTime=end)
    assert answer["status"] == code


async def test_record_mo_pages_inbound_messages(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    async with services.db.write() as conn:
        await inbound.assign_number(conn, "447700900123", caller.apps["sms"], services.clock.now())
    events = DeliveryEvents(services)
    for text in ("one", "two", "three"):
        await events.inbound(InboundSms("sim", NUMBERS[0], "447700900123", text, services.clock.now()))
    window = {"strTime": "2026-11-29T00:00:00+08:00", "endTime": "2026-11-30T00:00:00+08:00"}
    answer = await call(
        client, caller, "POST", "/v3/recordMo", appId=caller.apps["sms"], current=2, size=2, params=window
    )
    data = answer["data"]
    assert (data["total"], data["pages"], data["current"], data["size"]) == (3, 2, 2, 2)
    assert [(r["content"], r["number"], r["sendId"]) for r in data["records"]] == [
        ("three", NUMBERS[0], "447700900123")
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(
            {
                "current": 1,
                "size": 10,
                "params": {"strTime": "2026-10-01T00:00:00Z", "endTime": "2026-11-29T00:00:00Z"},
            },
            "-25",
            id="over-a-month",
        ),
        pytest.param(
            {
                "current": 1,
                "size": 10,
                "params": {"strTime": "2022-06-01T00:00:00Z", "endTime": "2022-06-10T00:00:00Z"},
            },
            "-25",
            id="before-2022-07",
        ),
        pytest.param(
            {
                "current": 1,
                "size": 10,
                "params": {"strTime": "9999-12-31T20:00:00-05:00", "endTime": "9999-12-31T23:00:00-05:00"},
            },
            "-25",
            id="beyond-year-9999",
        ),
        pytest.param({"current": 0, "size": 10, "params": {}}, "-22", id="current-zero"),
        pytest.param({"current": 1, "size": 101, "params": {}}, "-22", id="size-over-100"),
        pytest.param({"current": 1, "size": 10}, "-22", id="no-params"),
        pytest.param({"current": 1, "size": 10, "params": {"strTime": "x", "endTime": "y"}}, "-22", id="bad-times"),
    ],
)
async def test_record_mo_codes(client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], code: str) -> None:
    answer = await call(client, caller, "POST", "/v3/recordMo", appId=caller.apps["sms"], **body)
    assert answer["status"] == code


async def test_report_times_use_the_accounts_time_zone(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    await Tenancy(services).set_timezone(caller.new.account.id, "Asia/Shanghai")
    caller_ids = await sent_four(client, caller, services)
    answer = await call(client, caller, "GET", "/v3/getReport", appId=caller.apps["sms"], msgIds=caller_ids[0])
    assert answer["array"][0]["receiveTime"] == "2026-11-29T20:00:00+08:00"
