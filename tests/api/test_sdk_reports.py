"""getReport and getSentRcd as the vendor's Java SDK drives them: a msgId the server issued is never
"not found", and paging getSentRcd with startIndex neither skips nor repeats a row."""

from __future__ import annotations

import httpx
import pytest

from switchboard.connectors.sms.base import DELIVERED, Receipt
from switchboard.services.carriers import CarrierSet
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher
from switchboard.services.reports import report_status
from switchboard.store import messages
from tests.api import java_sdk
from tests.conftest import Caller
from tests.fakes.connector import FakeConnector

NUMBERS = ["919876543210", "919876543211", "919876543212"]


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


async def sdk_send(client: httpx.AsyncClient, caller: Caller, numbers: list[str]) -> list[str]:
    fields = {"appId": caller.apps["sms"], "numbers": ",".join(numbers), "content": "code 1/2", "senderId": None}
    answer = await java_sdk.post(client, caller, "/v3/sendSms", fields)
    assert answer["status"] == "0", answer
    return [a["msgId"] for a in answer["array"]]


async def test_a_just_accepted_message_reports_sending_at_once(client: httpx.AsyncClient, caller: Caller) -> None:
    """The SDK's own example polls getReport right after sendSms, before any dispatcher ran."""
    ids = await sdk_send(client, caller, NUMBERS[:2])
    answer = await java_sdk.get(client, caller, f"/v3/getReport?appId={caller.apps['sms']}&msgIds={','.join(ids)}")
    assert (answer["status"], answer["success"], answer["fail"], answer["sending"], answer["nofound"]) == (
        "0",
        "0",
        "0",
        "2",
        "0",
    )
    assert [(a["msgId"], a["number"], a["status"]) for a in answer["array"]] == [
        (ids[0], NUMBERS[0], "-1"),
        (ids[1], NUMBERS[1], "-1"),
    ]
    assert answer["array"][0]["receiveTime"] == "2026-11-29T12:00:00+00:00"  # accepted at


async def test_a_scheduled_message_reports_sending(client: httpx.AsyncClient, caller: Caller) -> None:
    fields = {
        "appId": caller.apps["sms"],
        "numbers": NUMBERS[0],
        "content": "later",
        "sendTime": "2026-11-30T09:00:00+08:00",
    }
    answer = await java_sdk.post(client, caller, "/v3/sendSms", fields)
    msg_id = answer["array"][0]["msgId"]
    report = await java_sdk.get(client, caller, f"/v3/getReport?appId={caller.apps['sms']}&msgIds={msg_id}")
    assert (report["sending"], report["nofound"], report["array"][0]["status"]) == ("1", "0", "-1")


def test_every_stored_state_has_a_report_status() -> None:
    """A state added to the store must not fall through to "not found" again."""
    states = {v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str) and v.islower()}
    assert states >= {"scheduled", "queued", "submitted", "delivered", "failed", "expired", "cancelled"}
    assert {s: report_status(s) for s in states} == {
        "scheduled": "-1",
        "queued": "-1",
        "submitted": "-1",
        "delivered": "0",
        "failed": "1",
        "expired": "1",
        "cancelled": "1",
    }


async def test_get_sent_records_pages_stably_while_messages_turn_final(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    """Page 1 is read while the first message is still sending; it turns final before page 2 is read. Ordered
    by id it would slide into page 1's range and never be seen; ordered by when it became final it is next."""
    ids = await sdk_send(client, caller, NUMBERS)
    carriers = CarrierSet(services)
    carriers.connectors["smsc"] = FakeConnector("smsc")
    carriers.enabled.append("smsc")
    await Dispatcher(services, carriers).step()
    events = DeliveryEvents(services)
    await events.receipt(Receipt("smsc", "smsc-2", DELIVERED))
    await events.receipt(Receipt("smsc", "smsc-3", DELIVERED))
    window = f"appId={caller.apps['sms']}&startTime=2026-11-29T00:00:00+08:00&endTime=2026-11-30T00:00:00+08:00"
    first = await java_sdk.get(client, caller, f"/v3/getSentRcd?{window}&startIndex=0")
    assert [a["msgId"] for a in first["array"]] == [ids[1], ids[2]]
    caller.clock.advance(5)
    await events.receipt(Receipt("smsc", "smsc-1", DELIVERED))
    second = await java_sdk.get(client, caller, f"/v3/getSentRcd?{window}&startIndex=2")
    assert [(a["msgId"], a["status"]) for a in second["array"]] == [(ids[0], "0")]
    assert second["success"] == "1"
