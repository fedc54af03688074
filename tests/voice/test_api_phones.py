"""sipAdd, sipQuery and sipReset through HTTP, on SQLite and PostgreSQL: every code, nothing changed on failure."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.phone_tables import voice_phones
from tests.conftest import Caller
from tests.voice.conftest import call_api


def add_body(caller: Caller, **fields: Any) -> dict[str, Any]:
    return {"appId": caller.apps["voice"], "groupName": "sales", "phoneName": "desk", "quantity": 2, **fields}


async def query(client: httpx.AsyncClient, caller: Caller, **body: Any) -> dict[str, Any]:
    answer = await call_api(client, caller, "/v3/voice/sipQuery", {"params": {"appId": caller.apps["voice"]}, **body})
    assert answer["status"] == "0", answer
    return dict(answer["data"])


async def stored(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(voice_phones).order_by(voice_phones.c.id))]


async def test_phones_are_created_listed_with_passwords_and_stored_sealed(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    answer = await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller, displayNum="12025550123"))
    assert answer == {"status": "0", "reason": "success", "data": None}
    page = await query(voice_client, caller)
    assert (page["total"], page["current"], page["size"], page["pages"]) == (2, 1, 25, 1)
    records = page["records"]
    assert {(r["groupName"], r["phoneName"], r["displayNum"]) for r in records} == {("sales", "desk", "12025550123")}
    accounts = [r["account"] for r in records]
    assert len(set(accounts)) == 2 and all(a.isdigit() and len(a) == 10 for a in accounts)
    assert all(len(r["password"]) == 16 for r in records)
    rows = await stored(services)
    for row, record in zip(rows, records, strict=True):
        assert record["password"] not in row["password_enc"]
        assert services.secrets.open(row["password_enc"]) == record["password"]
    # The mirror prefix and paging.
    second = await call_api(
        voice_client, caller, "/voice/sipQuery", {"current": 2, "size": 1, "params": {"appId": caller.apps["voice"]}}
    )
    assert second["data"]["records"] == [records[1]] and second["data"]["pages"] == 2


async def test_sip_add_codes_change_nothing(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    cases = [
        ({"groupName": None}, "-22"),
        ({"groupName": "abc"}, "-22"),  # under 4 characters
        ({"phoneName": "p" * 33}, "-22"),
        ({"quantity": 0}, "-22"),
        ({"quantity": "two"}, "-22"),
        ({"quantity": 51}, "-23"),
        ({"displayNum": "123456"}, "-22"),
        ({"displayNum": "12345678901234"}, "-22"),
        ({"appId": caller.apps["sms"]}, "-52"),
    ]
    for fields, code in cases:
        body = {k: v for k, v in add_body(caller, **fields).items() if v is not None}
        answer = await call_api(voice_client, caller, "/v3/voice/sipAdd", body)
        assert answer["status"] == code, (fields, answer)
    assert await stored(services) == []
    assert (await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller, quantity=50)))["status"] == "0"
    for fields in ({"phoneName": "other"}, {"groupName": "other"}):
        again = await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller, **fields))
        assert (again["status"], again["reason"]) == ("-20", "Data existing")
    assert len(await stored(services)) == 50


async def test_the_app_phone_cap_answers_23(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    await Tenancy(services).update_app(caller.apps["voice"], options={"max_phones": 3})
    assert (await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller, quantity=2)))["status"] == "0"
    over = await call_api(
        voice_client, caller, "/v3/voice/sipAdd", add_body(caller, groupName="more", phoneName="more")
    )
    assert over["status"] == "-23"
    assert len(await stored(services)) == 2


async def test_phones_of_another_account_are_invisible(
    voice_client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    assert (await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller)))["status"] == "0"
    other = Caller(await Tenancy(services).create_account(name="other", balance="1", currency="USD"), caller.clock)
    assert (await query(voice_client, other))["records"] == []
    account = (await query(voice_client, caller))["records"][0]["account"]
    answer = await call_api(
        voice_client, other, "/v3/voice/sipReset", {"appId": other.apps["voice"], "account": account}
    )
    assert answer["status"] == "-24"
    foreign = await call_api(voice_client, other, "/v3/voice/sipQuery", {"params": {"appId": caller.apps["voice"]}})
    assert foreign["status"] == "-52"


async def test_sip_reset_gives_a_new_password(voice_client: httpx.AsyncClient, caller: Caller) -> None:
    assert (await call_api(voice_client, caller, "/v3/voice/sipAdd", add_body(caller, quantity=1)))["status"] == "0"
    before = (await query(voice_client, caller))["records"][0]
    answer = await call_api(
        voice_client, caller, "/v3/voice/sipReset", {"appId": caller.apps["voice"], "account": before["account"]}
    )
    assert answer["status"] == "0"
    assert answer["data"]["account"] == before["account"] and answer["data"]["password"] != before["password"]
    after = (await query(voice_client, caller))["records"][0]
    assert after["password"] == answer["data"]["password"]
    for body, code in [
        ({"appId": caller.apps["voice"]}, "-22"),
        ({"appId": caller.apps["voice"], "account": "ab"}, "-22"),
        ({"appId": caller.apps["voice"], "account": "9999999999"}, "-24"),
        ({"account": before["account"]}, "-22"),
    ]:
        assert (await call_api(voice_client, caller, "/v3/voice/sipReset", body))["status"] == code, body


async def test_sip_query_paging_codes(voice_client: httpx.AsyncClient, caller: Caller) -> None:
    app = {"appId": caller.apps["voice"]}
    for body, code in [
        ({"params": app, "size": 101}, "-22"),
        ({"params": app, "current": 0}, "-22"),
        ({"params": {}}, "-22"),
        ({"params": "x"}, "-22"),
        ({**app, "size": 10}, "0"),  # the appId at the top level is accepted too
    ]:
        assert (await call_api(voice_client, caller, "/v3/voice/sipQuery", body))["status"] == code, body
