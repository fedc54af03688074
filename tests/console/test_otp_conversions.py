"""postback/backfill (S8) as a client sends it, stored once, and the conversion rates per app, template and
country it feeds: the admin API and the console page (each account sees only its own)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.services.retention import prune
from switchboard.store.otp_tables import otp_conversions
from tests.api import java_sdk
from tests.conftest import Caller
from tests.console.conftest import Browser, Session, make_user, new_account, session_of
from tests.fakes.clock import FakeClock

TO = "919876543210"
USED_AT = "1795953660000"  # 2026-11-29T12:01:00Z, a minute after the fake clock's start


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


async def otp_caller(services: Services, clock: FakeClock, name: str = "acme") -> tuple[Caller, int]:
    caller = Caller(new=await new_account(services, name), clock=clock)
    template_id = await Otp(services).add_template(caller.apps["sms"], "Code {code}")
    return caller, template_id


async def send_code(session: Session, caller: Caller, template_id: int, to: str = TO) -> str:
    body = {"appId": caller.apps["sms"], "templateId": template_id, "flowId": None, "to": to, "channel": None}
    answer = await java_sdk.post(session.client, caller, "/v3/otp/verification/send", {**body, "orderId": None})
    assert answer["status"] == "0", answer
    record = await java_sdk.get(
        session.client, caller, f"/v3/otp/verification/record/{answer['data']['verificationId']}"
    )
    return str(record["data"]["msgId"])


async def backfill(session: Session, caller: Caller, **fields: Any) -> Any:
    body = {"appId": caller.apps["sms"], "msgid": None, "number": TO, "time": USED_AT, **fields}
    return await java_sdk.post(session.client, caller, "/v3/postback/backfill", body)


async def stored(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(otp_conversions))).mappings()]


async def test_a_conversion_is_stored_once_and_shows_as_a_rate(
    services: Services, clock: FakeClock, admin: Session
) -> None:
    caller, template_id = await otp_caller(services, clock)
    msg_id = await send_code(admin, caller, template_id)
    await send_code(admin, caller, template_id, to="919876543211")  # sent, never converted
    assert (await backfill(admin, caller, msgid=msg_id)) == {"status": "0", "reason": "success"}
    assert (await backfill(admin, caller, msgid=msg_id))["status"] == "0", "a repeated report is accepted"
    rows = await stored(services)
    assert [(r["msg_id"], r["template_id"], r["country"], r["app_id"]) for r in rows] == [
        (msg_id, template_id, "IN", caller.apps["sms"])
    ]
    clock.advance(120)
    api = (await admin.client.get("/admin/api/otp/conversions", params={"days": 7})).json()
    assert api["rates"] == [
        {
            "app_id": caller.apps["sms"],
            "template_id": template_id,
            "template_name": None,
            "country": "IN",
            "sent": 2,
            "converted": 1,
            "rate": 0.5,
        }
    ]
    page = await admin.client.get("/console/otp")
    assert page.status_code == 200 and caller.apps["sms"] in page.text and "50.0 %" in page.text


async def test_without_msgid_the_latest_code_to_the_number_is_converted(
    services: Services, clock: FakeClock, admin: Session
) -> None:
    caller, template_id = await otp_caller(services, clock)
    await send_code(admin, caller, template_id)
    assert (await backfill(admin, caller))["status"] == "0"
    assert (await backfill(admin, caller))["status"] == "0"
    rows = await stored(services)
    assert [(r["template_id"], r["country"], r["dedupe_key"]) for r in rows] == [(template_id, "IN", f"{TO}@{USED_AT}")]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        pytest.param({"time": None}, "-14", id="no-time"),
        pytest.param({"number": ""}, "-14", id="no-number"),
        pytest.param({"msgid": "2611291200000000001"}, "-14", id="unknown-msgid"),
        pytest.param({"msgid": "abc"}, "-14", id="abnormal-msgid"),
        pytest.param({"number": "12"}, "-22", id="bad-number"),
        pytest.param({"time": "yesterday"}, "-22", id="bad-time"),
        pytest.param({"appId": None}, "-22", id="no-app"),
    ],
)
async def test_refused_reports_store_nothing(
    services: Services, clock: FakeClock, admin: Session, fields: dict[str, Any], code: str
) -> None:
    caller, _ = await otp_caller(services, clock)
    assert (await backfill(admin, caller, **fields))["status"] == code
    assert await stored(services) == []


async def test_a_msgid_sent_to_another_number_or_by_another_account_is_refused(
    services: Services, clock: FakeClock, admin: Session
) -> None:
    caller, template_id = await otp_caller(services, clock)
    msg_id = await send_code(admin, caller, template_id)
    assert (await backfill(admin, caller, msgid=msg_id, number="919876543299"))["status"] == "-14"
    other, _ = await otp_caller(services, clock, "other")
    assert (await backfill(admin, other, msgid=msg_id))["status"] == "-14"
    assert await stored(services) == []


async def test_an_account_user_sees_only_its_own_rates(
    services: Services, clock: FakeClock, admin: Session, browser: Browser
) -> None:
    mine, my_template = await otp_caller(services, clock)
    theirs, their_template = await otp_caller(services, clock, "other")
    await send_code(admin, mine, my_template)
    await send_code(admin, theirs, their_template)
    await make_user(services, "user@example.test", "account", mine.new.account.id)
    user = await session_of(browser, "user@example.test")
    api = (await user.client.get("/admin/api/otp/conversions")).json()
    assert [r["app_id"] for r in api["rates"]] == [mine.apps["sms"]]
    other_account = await user.client.get("/admin/api/otp/conversions", params={"accountId": theirs.new.account.id})
    assert other_account.status_code == 404
    page = await user.client.get("/console/otp")
    assert mine.apps["sms"] in page.text and theirs.apps["sms"] not in page.text


async def test_concurrent_repeats_of_a_report_store_it_once(
    services: Services, clock: FakeClock, admin: Session
) -> None:
    caller, template_id = await otp_caller(services, clock)
    msg_id = await send_code(admin, caller, template_id)
    answers = await asyncio.gather(*(backfill(admin, caller, msgid=msg_id) for _ in range(6)))
    assert [a["status"] for a in answers] == ["0"] * 6
    assert len(await stored(services)) == 1


async def test_reports_older_than_the_retention_are_pruned(
    services: Services, clock: FakeClock, admin: Session
) -> None:
    caller, template_id = await otp_caller(services, clock)
    msg_id = await send_code(admin, caller, template_id)
    assert (await backfill(admin, caller, msgid=msg_id))["status"] == "0"
    clock.advance(services.settings.retention_days * 86400 - 60)
    assert (await prune(services))["conversions"] == 0
    clock.advance(120)
    assert (await prune(services))["conversions"] == 1
    assert await stored(services) == []
