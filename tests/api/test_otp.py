"""OTP through HTTP: send, verify right and wrong codes, expiry, attempts exhausted, resend, records."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.store.tables import messages, verifications
from tests.conftest import Caller

TO = "919876543210"


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


@pytest.fixture
async def template_id(services: Services, caller: Caller) -> int:
    return await Otp(services).add_template(
        caller.apps["sms"], "Your ACME code is {code}", code_length=6, ttl=300, max_attempts=3
    )


async def post(client: httpx.AsyncClient, caller: Caller, path: str, **body: Any) -> Any:
    response = await client.post(
        path, content=json.dumps({"appId": caller.apps["sms"], **body}), headers=caller.headers()
    )
    assert response.status_code == 200
    return response.json()


async def sent_code(services: Services) -> str:
    async with services.db.read() as conn:
        content = (await conn.execute(sa.select(messages.c.content).order_by(messages.c.id.desc()))).scalars().first()
    match = re.search(r"(\d{4,10})\.?$", content or "")
    assert match, content
    return match.group(1)


async def test_send_then_verify_the_right_code(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    answer = await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id)
    assert answer["status"] == "0"
    data = answer["data"]
    assert (data["to"], data["channel"]) == (TO, "sms") and len(data["verificationId"]) == 20
    code = await sent_code(services)
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(verifications.c.code_hash))).scalar_one()
    assert code not in stored, "the code is stored hashed"
    verified = await post(client, caller, "/otp/verification/verify", verificationId=data["verificationId"], code=code)
    assert verified["status"] == "0" and verified["data"]["verified"] is True
    again = await post(client, caller, "/v3/otp/verification/verify", verificationId=data["verificationId"], code=code)
    assert again == {"status": "-20", "reason": "Data existing"}


async def test_wrong_codes_until_attempts_are_exhausted(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = (await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id))["data"][
        "verificationId"
    ]
    code = await sent_code(services)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert (await post(client, caller, "/v3/otp/verification/verify", verificationId=vid, code=wrong)) == {
            "status": "-21",
            "reason": "Data validation exception",
        }
    assert (await post(client, caller, "/v3/otp/verification/verify", verificationId=vid, code=code)) == {
        "status": "-23",
        "reason": "Data caps",
    }


async def test_an_expired_code_is_refused(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = (await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id))["data"][
        "verificationId"
    ]
    code = await sent_code(services)
    caller.clock.advance(301)
    assert (await post(client, caller, "/v3/otp/verification/verify", verificationId=vid, code=code)) == {
        "status": "-25",
        "reason": "Out of time range",
    }
    record = await client.get(f"/v3/otp/verification/record/{vid}?appId={caller.apps['sms']}", headers=caller.headers())
    assert record.json()["data"]["status"] == "expired"


async def test_send_rule_uses_the_customers_code_and_order_ids_are_unique(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await post(client, caller, "/v3/otp/verification/sendRule", to=TO, code="4321", orderId="o-1")
    assert answer["status"] == "0" and (await sent_code(services)) == "4321"
    assert (await post(client, caller, "/v3/otp/verification/sendRule", to=TO, code="4321", orderId="o-1")) == {
        "status": "-20",
        "reason": "Data existing",
    }
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(messages))).scalar_one() == 1
    by_order = await post(client, caller, "/v3/otp/verification/orderId/record", orderId="o-1")
    assert by_order["data"]["verificationId"] == answer["data"]["verificationId"]


async def test_resend_replaces_the_code_after_the_cooldown(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = (await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id))["data"][
        "verificationId"
    ]
    first = await sent_code(services)
    assert (await post(client, caller, "/v3/otp/verification/resend", verificationId=vid))["status"] == "-15"
    caller.clock.advance(31)
    assert (await post(client, caller, "/v3/otp/verification/resend", verificationId=vid))["status"] == "0"
    second = await sent_code(services)
    if first != second:
        assert (await post(client, caller, "/v3/otp/verification/verify", verificationId=vid, code=first))[
            "status"
        ] == "-21"
    assert (await post(client, caller, "/v3/otp/verification/verify", verificationId=vid, code=second))["status"] == "0"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"to": "12"}, "-22", id="to-too-short"),
        pytest.param({"to": TO, "channel": "sna"}, "-22", id="sna-channel-not-available"),
        pytest.param({"to": TO, "channel": "fax"}, "-22", id="unknown-channel"),
        pytest.param({"to": TO, "templateId": 999}, "-22", id="unknown-template"),
        pytest.param({"to": TO}, "-22", id="template-required"),
        pytest.param({"to": TO, "templateId": "abc"}, "-22", id="template-not-a-number"),
    ],
)
async def test_send_refusals_change_nothing(
    client: httpx.AsyncClient, caller: Caller, services: Services, body: dict[str, Any], code: str
) -> None:
    assert (await post(client, caller, "/v3/otp/verification/send", **body))["status"] == code
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(verifications))).scalar_one() == 0


async def test_insufficient_balance_stores_no_verification(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    from switchboard.services.tenancy import Tenancy

    poor_new = await Tenancy(services).create_account(name="poor")
    poor = Caller(new=poor_new, clock=caller.clock)
    tid = await Otp(services).add_template(poor.apps["sms"], "code {code}")
    assert (await post(client, poor, "/v3/otp/verification/send", to=TO, templateId=tid))["status"] == "-10"
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(verifications))).scalar_one() == 0


async def test_unknown_or_foreign_verification_ids_are_not_found(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    from switchboard.services.tenancy import Tenancy

    vid = (await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id))["data"][
        "verificationId"
    ]
    other = Caller(new=await Tenancy(services).create_account(name="other", balance="1"), clock=caller.clock)
    assert (await post(client, other, "/v3/otp/verification/verify", verificationId=vid, code="123456"))[
        "status"
    ] == "-24"


async def test_the_call_channel_speaks_the_code_in_a_tts_call(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    from switchboard.store.voice_tables import voice_calls

    no_rate = await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id, channel="call")
    assert no_rate["status"] == "-19", "no voice price for the destination"
    await Catalog(services).set_rates([RateInput("voice", "*", "0.02")])
    answer = await post(client, caller, "/v3/otp/verification/send", to=TO, templateId=template_id, channel="call")
    assert answer["status"] == "0" and answer["data"]["channel"] == "call"
    async with services.db.read() as conn:
        call = (await conn.execute(sa.select(voice_calls))).mappings().one()
        verification = (await conn.execute(sa.select(verifications))).mappings().one()
    spoken = re.search(r"code is ([0-9 ]+)", call["text"])
    assert spoken and verification["msg_id"] == call["voice_id"]
    code = spoken.group(1).replace(" ", "")
    verified = await post(
        client, caller, "/v3/otp/verification/verify", verificationId=answer["data"]["verificationId"], code=code
    )
    assert verified["status"] == "0"
