"""The admin API as an admin uses it: JSON with plain HTTP statuses, every resource family, in the OpenAPI doc."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.connectors.sms.base import InboundSms
from switchboard.services.catalog import Catalog
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from tests.console.conftest import NUMBER, Session, Traffic, new_account
from tests.fakes.clock import FakeClock


async def test_the_admin_api_is_in_the_openapi_document_and_the_console_is_not(admin: Session) -> None:
    paths = (await admin.client.get("/openapi.json")).json()["paths"]
    assert "/admin/api/messages/{msg_id}" in paths and "/admin/api/rates/import" in paths
    assert "/v3/sendSms" in paths
    assert not any(p.startswith("/console") for p in paths)


async def test_accounts_are_created_topped_up_locked_and_given_credit(admin: Session) -> None:
    http, h = admin.client, admin.headers
    created = await http.post("/admin/api/accounts", json={"name": "acme", "balance": "12.5"}, headers=h)
    assert created.status_code == 201
    body = created.json()
    account = body["account"]["accountId"]
    assert body["account"]["balance"] == "12.500000" and len(body["apiSecret"]) == 24
    assert set(body["apps"]) == {"sms", "voice", "aivoice", "cc"}
    topped = await http.post(
        f"/admin/api/accounts/{account}/topup", json={"amount": "7.5", "reference": "wire 42"}, headers=h
    )
    assert topped.json()["balance"] == "20.000000"
    assert (await http.post(f"/admin/api/accounts/{account}/lock", headers=h)).json()["locked"] is True
    assert (await http.post(f"/admin/api/accounts/{account}/unlock", headers=h)).json()["locked"] is False
    credit = await http.put(f"/admin/api/accounts/{account}/credit", json={"amount": "3"}, headers=h)
    assert credit.json()["credit"] == "3.000000"
    ledger = (await http.get(f"/admin/api/accounts/{account}/ledger")).json()
    assert [(e["kind"], e["balanceDelta"], e["reference"]) for e in ledger] == [
        ("topup", "7.500000", "wire 42"),
        ("topup", "12.500000", "opening balance"),
    ]
    assert (await http.get(f"/admin/api/accounts/{account}/ledger?page=2&size=1")).json()[0]["kind"] == "topup"


async def test_refusals_are_plain_http_statuses_not_the_onbuka_envelope(admin: Session) -> None:
    http, h = admin.client, admin.headers
    bad_amount = await http.post("/admin/api/accounts", json={"name": "x", "balance": "1.0000001"}, headers=h)
    assert bad_amount.status_code == 422 and "at most 6 decimal places" in bad_amount.json()["detail"]
    missing = await http.post("/admin/api/accounts", json={}, headers=h)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "name"]
    assert (await http.get("/admin/api/accounts/999")).status_code == 404
    assert (await http.get("/admin/api/messages/1234")).json() == {"detail": "no message 1234"}
    assert (await http.post("/admin/api/accounts/999/topup", json={"amount": "1"}, headers=h)).status_code == 404


async def test_keys_show_their_secret_once_and_take_allow_lists(services: Services, admin: Session) -> None:
    http, h = admin.client, admin.headers
    account = await new_account(services, "keys")
    base = f"/admin/api/accounts/{account.account.id}/keys"
    created = (await http.post(base, json={"allowIps": ["198.51.100.7"]}, headers=h)).json()
    listed = (await http.get(base)).json()
    assert len(listed) == 2 and all("apiSecret" not in k and "secretEnc" not in k for k in listed)
    assert created["apiSecret"] not in (await http.get(base)).text
    key = created["apiKey"]
    assert (await http.post(f"{base}/{key}/disable", headers=h)).json()["enabled"] is False
    assert (await http.post(f"{base}/{key}/enable", headers=h)).json()["enabled"] is True
    bad = await http.put(f"{base}/{key}/allowed-ips", json={"allowIps": ["not-an-ip"]}, headers=h)
    assert bad.status_code == 422
    cleared = await http.put(f"{base}/{key}/allowed-ips", json={"allowIps": []}, headers=h)
    assert cleared.json()["allowedIps"] == []
    assert (await http.post(f"{base}/unknownkey/disable", headers=h)).status_code == 404


async def test_apps_get_push_urls_and_options(services: Services, admin: Session) -> None:
    http, h = admin.client, admin.headers
    account = await new_account(services, "apps")
    app_id = account.apps["sms"]
    patched = await http.patch(
        f"/admin/api/apps/{app_id}",
        json={"reportUrl": "https://c.test/dlr", "options": {"templates_required": True}},
        headers=h,
    )
    assert patched.status_code == 200
    assert patched.json()["reportUrl"] == "https://c.test/dlr" and patched.json()["options"] == {
        "templates_required": True
    }
    bad = await http.patch(f"/admin/api/apps/{app_id}", json={"options": {"nonsense": 1}}, headers=h)
    assert bad.status_code == 422
    added = await http.post(
        f"/admin/api/accounts/{account.account.id}/apps", json={"product": "sms", "name": "two"}, headers=h
    )
    assert added.status_code == 201 and added.json()["name"] == "two"


async def test_rates_are_set_imported_from_csv_listed_and_removed(admin: Session) -> None:
    http, h = admin.client, admin.headers
    assert (await http.put("/admin/api/rates", json=[{"country": "IN", "price": "0.02"}], headers=h)).json() == {
        "count": 1
    }
    csv = "product,country,price,prefix\nsms,US,0.0075,\nsms,IN,0.03,9198\n"
    imported = await http.post("/admin/api/rates/import", content=csv, headers={**h, "Content-Type": "text/csv"})
    assert imported.json() == {"count": 2}
    rates = (await http.get("/admin/api/rates?product=sms")).json()
    assert {(r["country"], r["prefix"], r["price"]) for r in rates} == {
        ("IN", "", "0.020000"),
        ("US", "", "0.007500"),
        ("IN", "9198", "0.030000"),
    }
    broken = await http.post(
        "/admin/api/rates/import", content="country\nIN\n", headers={**h, "Content-Type": "text/csv"}
    )
    assert broken.status_code == 422 and "header" in broken.json()["detail"]
    assert (await http.delete("/admin/api/rates?product=sms&country=US", headers=h)).status_code == 200
    assert (await http.delete("/admin/api/rates?product=sms&country=US", headers=h)).status_code == 404


async def test_words_and_templates(services: Services, admin: Session) -> None:
    http, h = admin.client, admin.headers
    assert (await http.post("/admin/api/words", json={"word": "casino"}, headers=h)).status_code == 201
    assert (await http.get("/admin/api/words")).json() == [{"word": "casino", "accountId": None}]
    assert (await http.delete("/admin/api/words?word=casino", headers=h)).status_code == 200
    app_id = (await new_account(services, "tpl")).apps["sms"]
    template = (
        await http.post(f"/admin/api/apps/{app_id}/templates", json={"content": "Code {code}"}, headers=h)
    ).json()
    assert template["approved"] is False
    approval = await http.post(f"/admin/api/templates/{template['id']}/approval", json={"approved": True}, headers=h)
    assert approval.status_code == 200
    assert (await http.get(f"/admin/api/apps/{app_id}/templates")).json()[0]["approved"] is True
    assert (await http.delete(f"/admin/api/templates/{template['id']}", headers=h)).status_code == 200
    assert (await http.delete(f"/admin/api/templates/{template['id']}", headers=h)).status_code == 404


async def test_carriers_and_routes(admin: Session) -> None:
    http, h = admin.client, admin.headers
    smpp = {"host": "127.0.0.1", "port": 2775, "system_id": "sb", "password": "hunter22"}
    added = await http.post("/admin/api/carriers", json={"name": "smsc-a", "type": "smpp", "config": smpp}, headers=h)
    assert added.status_code == 201 and added.json()["config"]["password"] == "***"
    bad = await http.post("/admin/api/carriers", json={"name": "bad name!", "type": "smpp"}, headers=h)
    assert bad.status_code == 422
    assert (await http.post("/admin/api/carriers/smsc-a/disable", headers=h)).json()["enabled"] is False
    assert (await http.post("/admin/api/carriers/nope/disable", headers=h)).status_code == 404
    listed = (await http.get("/admin/api/carriers")).json()
    assert [(c["name"], c["live"]) for c in listed] == [("smsc-a", None)]  # no dispatcher in this process
    route = (await http.post("/admin/api/routes", json={"carriers": ["smsc-a"], "country": "in"}, headers=h)).json()
    assert route["country"] == "IN" and route["carriers"] == ["smsc-a"]
    assert (await http.post("/admin/api/routes", json={"carriers": ["ghost"]}, headers=h)).status_code == 422
    assert (await http.delete(f"/admin/api/routes/{route['id']}", headers=h)).status_code == 200
    assert (await http.get("/admin/api/routes")).json() == []


async def test_a_message_is_found_by_every_key_and_its_timeline_tells_its_story(
    services: Services, admin: Session, traffic: Traffic, clock: FakeClock
) -> None:
    account = await new_account(services, "story", report_url="https://c.test/dlr")
    traffic.recorder.statuses.extend([500, 200])
    msg_id = await traffic.send(account, content="hello story")
    await traffic.deliver()
    clock.advance(60)
    await traffic.push()
    http = admin.client
    end = clock.now().isoformat()
    for query in (
        {"msgId": msg_id},
        {"number": f"+{NUMBER}"},
        {"accountId": account.account.id, "status": "delivered"},
        {"appId": account.apps["sms"], "start": "2026-11-29T11:00:00", "end": end},
    ):
        found = (await http.get("/admin/api/messages", params=query)).json()["items"]
        assert [m["msgId"] for m in found] == [msg_id], query
    assert (await http.get("/admin/api/messages", params={"end": "2026-11-29T11:00:00Z"})).json()["items"] == []
    assert (await http.get("/admin/api/messages?number=1")).json()["items"] == []
    timeline = (await http.get(f"/admin/api/messages/{msg_id}")).json()
    assert timeline["message"]["status"] == "delivered" and timeline["message"]["carrier"] == "fake"
    steps = [e["step"] for e in timeline["events"]]
    assert steps == ["accepted", "submitted", "receipt", "final", "push", "attempt", "attempt"]
    assert "submitted to fake as fake-1" in timeline["events"][1]["summary"]
    [push] = timeline["pushes"]
    assert push["status"] == "delivered" and [a["httpStatus"] for a in push["attemptLog"]] == [500, 200]


async def test_pushes_are_listed_filtered_and_retried(services: Services, admin: Session, traffic: Traffic) -> None:
    account = await new_account(services, "pushes", report_url="https://c.test/dlr")
    traffic.recorder.statuses.extend([503])
    msg_id = await traffic.send(account)
    await traffic.deliver()
    http, h = admin.client, admin.headers
    [push] = (await http.get("/admin/api/pushes?status=pending")).json()["items"]
    assert push["ref"] == msg_id and push["lastError"] == "HTTP 503" and push["attempts"] == 1
    assert (await http.get("/admin/api/pushes?status=delivered")).json()["items"] == []
    retried = await http.post(f"/admin/api/pushes/{push['id']}/retry", headers=h)
    assert retried.status_code == 200 and retried.json()["nextAttemptAt"] < push["nextAttemptAt"]
    await traffic.push()
    assert (await http.get(f"/admin/api/pushes/{push['id']}")).json()["status"] == "delivered"


async def test_inbound_messages_and_the_dashboard(services: Services, admin: Session, traffic: Traffic) -> None:
    account = await new_account(services, "mo")
    await traffic.send(account)
    await traffic.deliver()
    await DeliveryEvents(services).inbound(
        InboundSms("fake", NUMBER, "12345", "STOP <b>now</b>", received_at=services.clock.now())
    )
    http = admin.client
    [mo] = (await http.get(f"/admin/api/inbound?number={NUMBER}")).json()["items"]
    assert mo["content"] == "STOP <b>now</b>" and mo["accountId"] == account.account.id
    board = (await http.get("/admin/api/dashboard?below=1000")).json()
    assert sum(h["created"] for h in board["hourly"]) == 1 and len(board["hourly"]) == 24
    assert board["byCountry"] == [{"key": "IN", "delivered": 1, "total": 1, "percent": 100.0}]
    assert board["byCarrier"][0]["key"] == "fake" and board["carriers"] is None
    assert account.account.id in board["lowBalanceAccounts"]


async def test_users_are_managed_by_admins(admin: Session, services: Services) -> None:
    http, h = admin.client, admin.headers
    account = await new_account(services, "team")
    made = await http.post(
        "/admin/api/users",
        json={
            "email": "Team@Example.test",
            "password": "long enough",
            "role": "account",
            "accountId": account.account.id,
        },
        headers=h,
    )
    assert made.status_code == 201 and made.json()["email"] == "team@example.test"
    short = await http.post(
        "/admin/api/users", json={"email": "x@y.z", "password": "short", "role": "admin"}, headers=h
    )
    assert short.status_code == 422
    assert (await http.post("/admin/api/users/team@example.test/disable", headers=h)).json()["enabled"] is False
    assert (await http.post("/admin/api/users/ghost@example.test/disable", headers=h)).status_code == 404


async def test_an_unexpected_error_is_a_logged_500_with_a_plain_body(
    admin: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: Catalog, product: str | None = None) -> list[Any]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(Catalog, "rates", broken)
    response = await admin.client.get("/admin/api/rates")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert "admin API error on GET /admin/api/rates" in caplog.text
    page = await admin.client.get("/console/rates")
    assert page.status_code == 500 and "the error was logged" in page.text


BEYOND_INT64 = 2**64


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/admin/api/messages?page={n}", None),
        ("GET", "/admin/api/pushes?page={n}", None),
        ("GET", "/admin/api/inbound?page={n}", None),
        ("GET", "/admin/api/accounts/{account}/ledger?page={n}", None),
        ("GET", "/admin/api/messages?accountId={n}", None),
        ("GET", "/admin/api/pushes?accountId={n}", None),
        ("GET", "/admin/api/inbound?accountId=-{n}", None),
        ("DELETE", "/admin/api/rates?product=sms&country=IN&accountId={n}", None),
        ("DELETE", "/admin/api/words?word=spam&accountId={n}", None),
        ("PUT", "/admin/api/rates", [{"country": "IN", "price": "0.01", "accountId": BEYOND_INT64}]),
        ("POST", "/admin/api/words", {"word": "spam", "accountId": BEYOND_INT64}),
        ("POST", "/admin/api/routes", {"carriers": ["sim"], "position": BEYOND_INT64}),
        (
            "POST",
            "/admin/api/users",
            {"email": "x@example.test", "password": "pw", "role": "account", "accountId": -BEYOND_INT64},
        ),
    ],
)
async def test_a_number_beyond_64_bits_in_a_query_or_a_body_is_a_422_not_a_500(
    services: Services, admin: Session, method: str, url: str, body: Any
) -> None:
    """Found by the admin fuzz: page numbers and account ids the database cannot hold were a 500 (OverflowError)."""
    account = await new_account(services, "acme")
    await Catalog(services).set_rates([])
    target = url.format(n=BEYOND_INT64, account=account.account.id)
    response = await admin.client.request(method, target, json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] in ("less_than_equal", "greater_than_equal"), response.text


async def test_the_admin_api_documents_its_json_answers_and_refusals(admin: Session) -> None:
    document = (await admin.client.get("/openapi.json")).json()
    show = document["paths"]["/admin/api/accounts/{account_id}"]["get"]["responses"]
    assert show["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AccountOut"}
    assert show["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert show["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert show["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/InvalidRequest"}
    assert "403" not in show  # reading is open to account users (in their own account) and needs no CSRF token
    assert set(document["paths"]["/admin/api/accounts"]["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "422",
    }
    assert "429" in document["paths"]["/admin/api/session"]["post"]["responses"]


async def test_a_body_that_is_not_utf8_is_a_documented_400(admin: Session) -> None:
    response = await admin.client.post(
        "/admin/api/accounts", content=b"\x80{}", headers={**admin.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json() == {"detail": "There was an error parsing the body"}


async def test_the_admin_api_still_answers_orjson_bytes(services: Services, admin: Session) -> None:
    created = await admin.client.post("/admin/api/accounts", json={"name": "Café ☎"}, headers=admin.headers)
    assert created.headers["content-type"] == "application/json"
    assert b'"name":"Caf\xc3\xa9 \xe2\x98\x8e"' in created.content  # UTF-8, compact, as orjson writes it
