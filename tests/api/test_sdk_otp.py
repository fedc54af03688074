"""OTP as the vendor's Java SDK drives it: verify, resend, record/{id} and template/list carry no appId (the
SDK's request classes have none), so the app is the one the verification or template belongs to; another
account's ids stay unknown, and a key limited to some apps cannot reach the others through them."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.otp import Otp
from switchboard.services.tenancy import Tenancy
from switchboard.store.tables import messages
from tests.api import java_sdk
from tests.api.test_otp import sent_code
from tests.conftest import Caller

TO = "919876543210"


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


@pytest.fixture
async def template_id(services: Services, caller: Caller) -> int:
    return await Otp(services).add_template(caller.apps["sms"], "Your ACME code is {code}", ttl=300, max_attempts=3)


async def sdk_send(client: httpx.AsyncClient, caller: Caller, template_id: int) -> str:
    """VerificationDTO: every field, the unset ones null."""
    fields = {
        "appId": caller.apps["sms"],
        "templateId": template_id,
        "flowId": None,
        "to": TO,
        "channel": None,
        "orderId": None,
    }
    answer = await java_sdk.post(client, caller, "/v3/otp/verification/send", fields)
    assert answer["status"] == "0", answer
    return str(answer["data"]["verificationId"])


async def test_verify_without_app_id(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    code = await sent_code(services)
    answer = await java_sdk.post(client, caller, "/v3/otp/verification/verify", {"verificationId": vid, "code": code})
    assert answer["status"] == "0" and answer["data"]["verified"] is True


async def test_resend_without_app_id_sends_through_the_verifications_app(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    caller.clock.advance(31)
    answer = await java_sdk.post(
        client, caller, "/v3/otp/verification/resend", {"verificationId": vid, "channel": None}
    )
    assert answer["status"] == "0", answer
    assert answer["data"]["verificationId"] == vid
    async with services.db.read() as conn:
        apps = (await conn.execute(sa.select(messages.c.app_id))).scalars().all()
    assert apps == [caller.apps["sms"]] * 2
    code = await sent_code(services)
    verified = await java_sdk.post(client, caller, "/otp/verification/verify", {"verificationId": vid, "code": code})
    assert verified["status"] == "0"


async def test_record_by_id_and_template_list_without_a_query(
    client: httpx.AsyncClient, caller: Caller, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    record = await java_sdk.get(client, caller, f"/v3/otp/verification/record/{vid}")
    assert record["status"] == "0" and record["data"]["verificationId"] == vid
    templates = await java_sdk.get(client, caller, "/v3/otp/template/list")
    assert templates["status"] == "0"
    assert [(t["templateId"], t["appId"]) for t in templates["data"]] == [(template_id, caller.apps["sms"])]


async def test_another_accounts_ids_stay_unknown(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    code = await sent_code(services)
    other = Caller(new=await Tenancy(services).create_account(name="other", balance="1"), clock=caller.clock)
    caller.clock.advance(31)
    for path, fields in [
        ("/v3/otp/verification/verify", {"verificationId": vid, "code": code}),
        ("/v3/otp/verification/resend", {"verificationId": vid, "channel": None}),
    ]:
        assert (await java_sdk.post(client, other, path, fields))["status"] == "-24", path
    assert (await java_sdk.get(client, other, f"/v3/otp/verification/record/{vid}"))["status"] == "-24"
    assert (await java_sdk.get(client, other, "/v3/otp/template/list"))["data"] == []
    # The owner can still verify: the foreign attempts counted nothing.
    answer = await java_sdk.post(client, caller, "/v3/otp/verification/verify", {"verificationId": vid, "code": code})
    assert answer["status"] == "0"


async def test_an_app_id_when_given_must_be_the_verifications_app(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    second = await Tenancy(services).create_app(caller.new.account.id, "sms")
    body = {"appId": second.app_id, "verificationId": vid, "code": "123456"}
    assert (await java_sdk.post(client, caller, "/v3/otp/verification/verify", body))["status"] == "-24"
    foreign = await java_sdk.get(client, caller, f"/v3/otp/verification/record/{vid}?appId={caller.apps['voice']}")
    assert foreign["status"] == "-1", "an appId of another product is refused by authentication"


async def test_a_key_limited_to_other_apps_cannot_reach_the_verification(
    client: httpx.AsyncClient, caller: Caller, services: Services, template_id: int
) -> None:
    vid = await sdk_send(client, caller, template_id)
    code = await sent_code(services)
    second = await Tenancy(services).create_app(caller.new.account.id, "sms")
    key, secret = await Tenancy(services).create_key(caller.new.account.id, apps=[second.app_id])
    limited = Caller(new=dataclasses.replace(caller.new, api_key=key, api_secret=secret), clock=caller.clock)
    answer = await java_sdk.post(client, limited, "/v3/otp/verification/verify", {"verificationId": vid, "code": code})
    assert answer["status"] == "-24"
    assert (await java_sdk.get(client, limited, "/v3/otp/template/list"))["data"] == []
