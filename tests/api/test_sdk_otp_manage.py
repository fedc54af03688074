"""The vendor SDK's OTP management calls, sent exactly as its request classes serialise (every field, unset
ones null; updates with PUT; reads with GET and no query): each validates, persists, acts and reports."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.otp_tables import otp_backfill_rates
from switchboard.store.tables import messages, verifications
from switchboard.store.voice_tables import voice_calls
from tests.api import java_sdk
from tests.conftest import Caller

TO = "919876543210"


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01"), RateInput("voice", "*", "0.02")])


def app_dto(**fields: Any) -> dict[str, Any]:
    """VerificationCodeDTO."""
    return {
        "appId": None,
        "name": "Login codes",
        "codeExpiry": 120,
        "periodTotalSendLimit": None,
        "periodPhoneSendLimit": None,
        **fields,
    }


def template_dto(app_id: str | None, **fields: Any) -> dict[str, Any]:
    """TemplateDTO."""
    return {
        "templateId": None,
        "appId": app_id,
        "name": "login",
        "text": "Your ACME code is ##code##",
        "codeType": None,
        "codeLength": None,
        "speechRate": None,
        "language": None,
        "maxDuration": None,
        "repeatCnt": None,
        "senderId": None,
        **fields,
    }


def flow_dto(**fields: Any) -> dict[str, Any]:
    """TaskFlowDTO with FlowDTO steps."""
    return {
        "flowId": None,
        "name": "sms then call",
        "flow": [
            {"waitingTime": 60, "status": 1, "channel": "sms", "channelCut": 1},
            {"waitingTime": 60, "status": 1, "channel": "call", "channelCut": 1},
        ],
        **fields,
    }


def send_dto(app_id: str, template_id: int, **fields: Any) -> dict[str, Any]:
    """VerificationDTO."""
    return {
        "appId": app_id,
        "templateId": template_id,
        "flowId": None,
        "to": TO,
        "channel": None,
        "orderId": None,
        **fields,
    }


async def last_sms(services: Services) -> dict[str, Any]:
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(messages).order_by(messages.c.id.desc()))).mappings().first()
    assert row is not None
    return dict(row)


async def test_app_add_details_update_and_limits_act(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    phone = {"enabled": True, "unit": 60, "period": 60, "limit": 2}
    added = await java_sdk.post(client, caller, "/v3/otp/app/add", app_dto(periodPhoneSendLimit=phone))
    assert added["status"] == "0", added
    app_id = added["data"]["appId"]
    details = await java_sdk.get(client, caller, f"/v3/otp/app/details/{app_id}")
    assert details["data"]["name"] == "Login codes" and details["data"]["codeExpiry"] == 120
    assert details["data"]["periodPhoneSendLimit"] == phone
    updated = await java_sdk.put(
        client, caller, f"/v3/otp/app/update/{app_id}", app_dto(appId=app_id, name="Logins", codeExpiry=600)
    )
    assert updated["status"] == "0" and updated["data"]["name"] == "Logins"
    # The app sends codes: a template in it, and the per-number limit of 2 an hour answers -28 on the third.
    template = await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id))
    template_id = template["data"]["templateId"]
    answers = [
        await java_sdk.post(client, caller, "/v3/otp/verification/send", send_dto(app_id, template_id))
        for _ in range(3)
    ]
    assert [a["status"] for a in answers] == ["0", "0", "-28"]
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(verifications).order_by(verifications.c.id))).mappings().first()
    assert row is not None and (row["expires_at"] - row["sent_at"]).total_seconds() == 600


async def test_app_refusals(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    assert (await java_sdk.post(client, caller, "/v3/otp/app/add", app_dto()))["status"] == "0"
    assert (await java_sdk.post(client, caller, "/v3/otp/app/add", app_dto()))["status"] == "-20"
    assert (await java_sdk.post(client, caller, "/v3/otp/app/add", app_dto(name=None)))["status"] == "-22"
    bad_limit = {"enabled": True, "unit": 86400, "period": 32, "limit": 1}
    refused = await java_sdk.post(client, caller, "/v3/otp/app/add", app_dto(name="x", periodTotalSendLimit=bad_limit))
    assert refused["status"] == "-22"
    other = Caller(new=await Tenancy(services).create_account(name="other"), clock=caller.clock)
    theirs = other.apps["sms"]
    assert (await java_sdk.get(client, caller, f"/v3/otp/app/details/{theirs}"))["status"] == "-24"
    answer = await java_sdk.put(client, caller, f"/v3/otp/app/update/{theirs}", app_dto(appId=theirs))
    assert answer["status"] == "-24"
    async with services.db.read() as conn:
        names = (await conn.execute(sa.text("select name from apps where app_id = :a"), {"a": theirs})).scalar_one()
    assert names != "Login codes"


async def test_template_add_update_details_and_its_fields_act(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    app_id = caller.apps["sms"]
    dto = template_dto(app_id, codeType=2, codeLength=6, senderId="ACME")
    template_id = (await java_sdk.post(client, caller, "/v3/otp/template/add", dto))["data"]["templateId"]
    details = await java_sdk.get(client, caller, f"/v3/otp/template/details/{template_id}")
    data = details["data"]
    assert (data["name"], data["text"], data["codeType"], data["codeLength"], data["senderId"]) == (
        "login",
        "Your ACME code is ##code##",
        2,
        6,
        "ACME",
    )
    sent = await java_sdk.post(client, caller, "/v3/otp/verification/send", send_dto(app_id, template_id))
    sms = await last_sms(services)
    match = re.fullmatch(r"Your ACME code is ([A-Z]{6})", sms["content"])
    assert match and sms["sender_id"] == "ACME"
    verify = {"verificationId": sent["data"]["verificationId"], "code": match.group(1).lower()}
    assert (await java_sdk.post(client, caller, "/v3/otp/verification/verify", verify))["status"] == "0"
    update = template_dto(None, templateId=str(template_id), name="login2", text="{ACME} ##code##", senderId=None)
    updated = await java_sdk.put(client, caller, f"/v3/otp/template/update/{template_id}", update)
    assert updated["status"] == "0"
    assert (updated["data"]["name"], updated["data"]["text"], updated["data"]["senderId"]) == (
        "login2",
        "{ACME} ##code##",
        "ACME",
    )
    await java_sdk.post(client, caller, "/v3/otp/verification/send", send_dto(app_id, template_id))
    assert re.fullmatch(r"\{ACME\} [A-Z]{6}", (await last_sms(services))["content"])


async def test_template_refusals(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    app_id = caller.apps["sms"]
    no_code = await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id, text="no code"))
    assert no_code["status"] == "-22"
    short = await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id, name="abc"))
    assert short["status"] == "-22"
    assert (await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(None)))["status"] == "-22"
    template_id = (await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id)))["data"][
        "templateId"
    ]
    assert (await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id)))["status"] == "-20"
    other = Caller(new=await Tenancy(services).create_account(name="other"), clock=caller.clock)
    assert (await java_sdk.get(client, other, f"/v3/otp/template/details/{template_id}"))["status"] == "-24"
    foreign = await java_sdk.put(
        client, other, f"/v3/otp/template/update/{template_id}", template_dto(None, name="mine")
    )
    assert foreign["status"] == "-24"
    assert (await java_sdk.get(client, caller, "/v3/otp/template/details/abc"))["status"] == "-24"
    assert (await java_sdk.get(client, caller, f"/v3/otp/template/details/{template_id}"))["data"]["name"] == "login"


async def test_flows_drive_the_channel_of_send_and_resend(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    flow_id = (await java_sdk.post(client, caller, "/v3/otp/flow/add", flow_dto()))["data"]["flowId"]
    listed = await java_sdk.get(client, caller, "/v3/otp/flow/list")
    assert [(f["flowId"], f["name"]) for f in listed["data"]] == [(flow_id, "sms then call")]
    details = await java_sdk.get(client, caller, f"/v3/otp/flow/details/{flow_id}")
    assert [s["channel"] for s in details["data"]["flow"]] == ["sms", "call"]
    app_id = caller.apps["sms"]
    template_id = (await java_sdk.post(client, caller, "/v3/otp/template/add", template_dto(app_id)))["data"][
        "templateId"
    ]
    sent = await java_sdk.post(
        client, caller, "/v3/otp/verification/send", send_dto(app_id, template_id, flowId=flow_id)
    )
    assert sent["data"]["channel"] == "sms"
    vid = sent["data"]["verificationId"]
    resend = {"verificationId": vid, "channel": None}
    caller.clock.advance(31)
    assert (await java_sdk.post(client, caller, "/v3/otp/verification/resend", resend))["status"] == "-15"
    caller.clock.advance(30)
    moved = await java_sdk.post(client, caller, "/v3/otp/verification/resend", resend)
    assert moved["status"] == "0" and moved["data"]["channel"] == "call", moved
    async with services.db.read() as conn:
        call = (await conn.execute(sa.select(voice_calls))).mappings().one()
        row = (await conn.execute(sa.select(verifications))).mappings().one()
    assert (row["channel"], row["flow_step"], row["msg_id"]) == ("call", 1, call["voice_id"])
    renamed = await java_sdk.put(
        client, caller, f"/v3/otp/flow/update/{flow_id}", flow_dto(flowId=str(flow_id), name="renamed", flow=None)
    )
    assert renamed["data"]["name"] == "renamed" and len(renamed["data"]["flow"]) == 2


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(
            {"flow": [{"waitingTime": 60, "status": 1, "channel": "whatsapp", "channelCut": 1}]}, id="channel"
        ),
        pytest.param({"flow": [{"waitingTime": 123456789, "status": 1, "channel": "sms", "channelCut": 1}]}, id="wait"),
        pytest.param({"flow": [{"waitingTime": 60, "status": 0, "channel": "sms", "channelCut": 1}]}, id="disabled"),
        pytest.param({"flow": []}, id="empty"),
        pytest.param({"name": None}, id="no-name"),
    ],
)
async def test_flow_refusals_store_nothing(client: httpx.AsyncClient, caller: Caller, fields: dict[str, Any]) -> None:
    assert (await java_sdk.post(client, caller, "/v3/otp/flow/add", flow_dto(**fields)))["status"] == "-22"
    assert (await java_sdk.get(client, caller, "/v3/otp/flow/list"))["data"] == []


async def test_foreign_or_unknown_flows(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    flow_id = (await java_sdk.post(client, caller, "/v3/otp/flow/add", flow_dto()))["data"]["flowId"]
    assert (await java_sdk.post(client, caller, "/v3/otp/flow/add", flow_dto()))["status"] == "-20"
    other = Caller(new=await Tenancy(services).create_account(name="other"), clock=caller.clock)
    assert (await java_sdk.get(client, other, f"/v3/otp/flow/details/{flow_id}"))["status"] == "-24"
    assert (await java_sdk.get(client, other, "/v3/otp/flow/list"))["data"] == []
    template_id = (await java_sdk.post(client, other, "/v3/otp/template/add", template_dto(other.apps["sms"])))["data"][
        "templateId"
    ]
    answer = await java_sdk.post(
        client, other, "/v3/otp/verification/send", send_dto(other.apps["sms"], template_id, flowId=flow_id)
    )
    assert answer["status"] == "-22"


async def test_backfill_rate(client: httpx.AsyncClient, caller: Caller, services: Services) -> None:
    """BackfillRateDTO: every field is text."""
    dto = {
        "appId": caller.apps["sms"],
        "mcc": "404",
        "backfillNumber": "40",
        "backfillCardinalNumber": "50",
        "backfillNow": "0.8",
        "callbackTime": "1796040000000",
    }
    assert (await java_sdk.post(client, caller, "/v3/otp/backfillRate", dto))["status"] == "0"
    for bad, code in [({"mcc": "mcc"}, "-22"), ({"backfillNumber": "51"}, "-22"), ({"callbackTime": "time"}, "-11")]:
        assert (await java_sdk.post(client, caller, "/v3/otp/backfillRate", {**dto, **bad}))["status"] == code, bad
    no_app = await java_sdk.post(client, caller, "/v3/otp/backfillRate", {**dto, "appId": None})
    assert no_app["status"] == "-22"
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(otp_backfill_rates))).mappings().all()
    assert [(r["mcc"], r["converted"], r["base"], r["reported_rate"]) for r in rows] == [("404", 40, 50, "0.8")]
