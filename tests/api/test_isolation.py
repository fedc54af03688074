"""Tenant isolation: a key of account A can never use, read, report or be billed for anything of account B."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.services.tenancy import Tenancy
from switchboard.store import inbound, tenants
from tests.conftest import Caller

TO = "919876543210"
WINDOW = {"startTime": "2026-11-29T00:00:00Z", "endTime": "2026-11-30T00:00:00Z"}


@pytest.fixture
async def two(services: Services, caller: Caller) -> tuple[Caller, Caller]:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    other = Caller(new=await Tenancy(services).create_account(name="B", balance="5"), clock=caller.clock)
    return caller, other


async def post(client: httpx.AsyncClient, who: Caller, path: str, **body: Any) -> Any:
    return (await client.post(path, headers=who.headers(), content=json.dumps(body))).json()


async def balances(services: Services, *callers: Caller) -> list[int]:
    async with services.db.read() as conn:
        found = [await tenants.get_account(conn, c.new.account.id) for c in callers]
    return [a.balance for a in found if a is not None]


async def test_sending_with_another_accounts_app_is_refused_and_bills_nobody(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    a, b = two
    before = await balances(services, a, b)
    answer = await post(client, a, "/v3/sendSms", appId=b.apps["sms"], numbers=TO, content="x")
    assert answer["status"] == "-1"
    batch = await post(client, a, "/v3/sendSms/batch", appId=b.apps["sms"], array=[{"numbers": TO, "content": "x"}])
    assert batch["status"] == "-1"
    assert await balances(services, a, b) == before


async def test_reports_of_another_account_are_invisible(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    a, b = two
    sent = await post(client, b, "/v3/sendSms", appId=b.apps["sms"], numbers=TO, content="b's")
    msg_id = sent["array"][0]["msgId"]
    report = await post(client, a, "/v3/getReport", appId=a.apps["sms"], msgIds=msg_id)
    assert (report["nofound"], report["array"]) == ("1", [])
    assert (await post(client, a, "/v3/getReport", appId=b.apps["sms"], msgIds=msg_id))["status"] == "-1"
    sent_a = await client.get("/v3/getSentRcd", params={"appId": b.apps["sms"], **WINDOW}, headers=a.headers())
    assert sent_a.json()["status"] == "-1"


async def test_inbound_messages_of_another_account_are_invisible(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    from switchboard.connectors.sms.base import InboundSms
    from switchboard.services.delivery import DeliveryEvents

    a, b = two
    async with services.db.write() as conn:
        await inbound.assign_number(conn, "447700900123", b.apps["sms"], services.clock.now())
    await DeliveryEvents(services).inbound(InboundSms("sim", TO, "447700900123", "for B", services.clock.now()))
    params = {"strTime": WINDOW["startTime"], "endTime": WINDOW["endTime"]}
    mine = await post(client, a, "/v3/recordMo", appId=a.apps["sms"], current=1, size=10, params=params)
    assert mine["data"]["total"] == 0
    theirs = await post(client, a, "/v3/recordMo", appId=b.apps["sms"], current=1, size=10, params=params)
    assert theirs["status"] == "-1"
    own = await post(client, b, "/v3/recordMo", appId=b.apps["sms"], current=1, size=10, params=params)
    assert own["data"]["total"] == 1


async def test_otp_verifications_of_another_account_cannot_be_read_verified_or_resent(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    a, b = two
    template = await Otp(services).add_template(b.apps["sms"], "code {code}")
    vid = (await post(client, b, "/v3/otp/verification/send", appId=b.apps["sms"], to=TO, templateId=template))["data"][
        "verificationId"
    ]
    for path, body in (
        ("/v3/otp/verification/verify", {"verificationId": vid, "code": "123456"}),
        ("/v3/otp/verification/resend", {"verificationId": vid}),
        (f"/v3/otp/verification/record/{vid}", {}),
    ):
        assert (await post(client, a, path, appId=a.apps["sms"], **body))["status"] == "-24", path
    assert (await post(client, a, "/v3/otp/verification/send", appId=a.apps["sms"], to=TO, templateId=template))[
        "status"
    ] == "-22", "a template of another app"


async def test_a_key_limited_to_some_apps_cannot_use_the_others(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    a, _ = two
    second = await Tenancy(services).create_app(a.new.account.id, "sms")
    key, secret = await Tenancy(services).create_key(a.new.account.id, apps=[second.app_id])
    limited = Caller(new=a.new, clock=a.clock)
    limited.new = type(a.new)(account=a.new.account, api_key=key, api_secret=secret, apps=a.new.apps)
    assert (await post(client, limited, "/v3/sendSms", appId=a.apps["sms"], numbers=TO, content="x"))["status"] == "-1"
    assert (await post(client, limited, "/v3/sendSms", appId=second.app_id, numbers=TO, content="x"))["status"] == "0"


async def test_a_voice_app_cannot_be_used_on_sms_routes(
    client: httpx.AsyncClient, services: Services, two: tuple[Caller, Caller]
) -> None:
    a, _ = two
    assert (await post(client, a, "/v3/sendSms", appId=a.apps["voice"], numbers=TO, content="x"))["status"] == "-1"
