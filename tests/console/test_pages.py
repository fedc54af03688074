"""Console pages: each renders, forms change what they say, values are escaped, and reading writes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tables import metadata
from tests.console.conftest import Session, Traffic, new_account

HOSTILE = "<script>alert('x')</script>'; DROP TABLE accounts; --"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#39;; DROP TABLE accounts; --"


async def snapshot(services: Services) -> dict[str, list[str]]:
    async with services.db.read() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in await conn.execute(sa.select(table)))
            for table in metadata.sorted_tables
        }


async def busy(services: Services, traffic: Traffic) -> tuple[int, str]:
    """An account with a delivered, pushed message and some inbound; returns the account id and the msgId."""
    account = await new_account(services, "busy", report_url="https://c.test/dlr")
    msg_id = await traffic.send(account)
    await traffic.deliver()
    return account.account.id, msg_id


async def test_every_page_renders_and_reading_them_writes_nothing(
    services: Services, admin: Session, traffic: Traffic
) -> None:
    account, msg_id = await busy(services, traffic)
    before = await snapshot(services)
    pages = [
        "/console/",
        "/console/?below=500",
        "/console/accounts",
        f"/console/accounts/{account}",
        f"/console/accounts/{account}?page=2",
        "/console/messages",
        f"/console/messages?msg_id={msg_id}&status=delivered&start=2026-11-29T00:00",
        f"/console/messages/{msg_id}",
        "/console/pushes",
        "/console/pushes/1",
        "/console/inbound",
        "/console/calls",
        "/console/rates",
        "/console/routes",
        "/console/carriers",
        "/console/words",
        "/console/templates",
        f"/console/templates?app={(await Tenancy(services).account_details(account))[2][0].app_id}",
        "/console/users",
        "/console/profile",
    ]
    for path in pages:
        response = await admin.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html") and "</html>" in response.text
    assert await snapshot(services) == before


async def test_the_dashboard_draws_its_charts_as_inline_svg(
    services: Services, admin: Session, traffic: Traffic
) -> None:
    await busy(services, traffic)
    page = (await admin.client.get("/console/")).text
    assert page.count("<svg") == 3 and "<script" not in page.split("</head>")[1]
    assert "IN: 1/1 delivered" in page and "100.0% (1/1)" in page
    assert "No dispatcher runs in this process" in page


async def test_hostile_text_is_escaped_everywhere_it_is_shown(
    services: Services, admin: Session, traffic: Traffic
) -> None:
    account = await Tenancy(services).create_account(name=HOSTILE, balance="1")
    await Tenancy(services).update_app(account.apps["sms"], report_url="https://c.test/?q=<b>")
    msg_id = await traffic.send(account, content=HOSTILE)
    await Catalog(services).add_word("<img src=x onerror=alert(1)>")
    await Catalog(services).add_template(account.apps["sms"], HOSTILE)
    for path in (
        "/console/accounts",
        f"/console/accounts/{account.account.id}",
        f"/console/messages?msg_id={msg_id}",
        f"/console/messages/{msg_id}",
        f"/console/templates?app={account.apps['sms']}",
        "/console/words",
        "/console/?below=100",
    ):
        text = (await admin.client.get(path)).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
    assert ESCAPED in (await admin.client.get(f"/console/messages/{msg_id}")).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in (await admin.client.get("/console/words")).text
    search = await admin.client.get("/console/messages", params={"order_id": "' OR 1=1 --", "number": "<b>"})
    assert search.status_code == 200 and "No message matches" in search.text
    assert 'value="&#39; OR 1=1 --"' in search.text


async def test_an_account_is_created_and_operated_from_forms(services: Services, admin: Session) -> None:
    http = admin.client
    created = await http.post("/console/accounts", data=admin.form(name="shop", balance="5", allow_ips="10.1.2.3"))
    assert created.status_code == 200
    secret = re.search(r'id="new-api-secret">(\w+)<', created.text)
    assert secret is not None
    account = (await Tenancy(services).accounts())[-1]
    base = f"/console/accounts/{account.id}"
    again = await http.get(base)
    assert secret.group(1) not in again.text and "10.1.2.3" in again.text
    assert (await http.post(f"{base}/topup", data=admin.form(amount="20", reference="invoice 7"))).status_code == 303
    assert (await http.post(f"{base}/credit", data=admin.form(amount="2"))).status_code == 303
    assert (await http.post(f"{base}/lock", data=admin.form())).status_code == 303
    state = await Tenancy(services).account(account.id)
    assert (state.balance, state.credit, state.locked) == (25_000_000, 2_000_000, True)
    page = (await http.get(base)).text
    assert "invoice 7" in page and "25.000000 USD" in page and "Unlock account" in page
    refused = await http.post(f"{base}/topup", data=admin.form(amount="-3"))
    assert refused.status_code == 422 and "must be positive" in refused.text


async def test_keys_and_apps_are_managed_from_the_account_page(services: Services, admin: Session) -> None:
    account = await new_account(services, "forms")
    http, base = admin.client, f"/console/accounts/{account.account.id}"
    made = await http.post(f"{base}/keys", data=admin.form(allow_ips=""))
    key = re.search(r'id="new-api-key">(\w+)<', made.text)
    assert made.status_code == 200 and key is not None
    ips = await http.post(f"{base}/keys/{key.group(1)}/ips", data=admin.form(allow_ips="192.0.2.1, 192.0.2.0/28"))
    assert ips.status_code == 303
    assert (await http.post(f"{base}/keys/{key.group(1)}/disable", data=admin.form())).status_code == 303
    _, keys, apps = await Tenancy(services).account_details(account.account.id)
    changed = next(k for k in keys if k.api_key == key.group(1))
    assert changed.allowed_ips == ["192.0.2.1/32", "192.0.2.0/28"] and changed.enabled is False
    bad_ip = await http.post(f"{base}/keys/{key.group(1)}/ips", data=admin.form(allow_ips="nope"))
    assert bad_ip.status_code == 422
    sms = account.apps["sms"]
    form: dict[str, Any] = admin.form(
        report_url="https://c.test/dlr", inbound_url="", call_url="", with_options="1", opt_strict_numbers="on"
    )
    form["opt_number_limit"] = "7"
    assert (await http.post(f"/console/apps/{sms}", data=form)).status_code == 303
    app = await Tenancy(services).app(sms)
    assert app.report_url == "https://c.test/dlr" and app.options["strict_numbers"] is True
    assert app.options["number_limit"] == 7 and app.options["templates_required"] is False
    assert len(apps) == 4


async def test_rates_are_set_imported_from_an_uploaded_csv_and_removed(services: Services, admin: Session) -> None:
    http = admin.client
    assert (
        await http.post("/console/rates", data=admin.form(product="sms", country="de", price="0.05"))
    ).status_code == 303
    upload = {"csv": ("rates.csv", b"product,country,price\nsms,FR,0.04\nsms,GB,0.03\n", "text/csv")}
    assert (await http.post("/console/rates/import", data=admin.form(), files=upload)).status_code == 303
    assert {r["country"] for r in await Catalog(services).rates()} == {"DE", "FR", "GB"}
    broken = {"csv": ("rates.csv", b"product,country,price\nsms,FR,lots\n", "text/csv")}
    refused = await http.post("/console/rates/import", data=admin.form(), files=broken)
    assert refused.status_code == 422 and "not an amount" in refused.text
    remove = admin.form(product="sms", country="FR", prefix="", account_id="")
    assert (await http.post("/console/rates/remove", data=remove)).status_code == 303
    assert {r["country"] for r in await Catalog(services).rates()} == {"DE", "GB"}


async def test_words_templates_carriers_routes_and_users_from_forms(services: Services, admin: Session) -> None:
    http = admin.client
    assert (await http.post("/console/words/add", data=admin.form(word="lottery"))).status_code == 303
    assert [w["word"] for w in await Catalog(services).words()] == ["lottery"]
    assert (await http.post("/console/words/remove", data=admin.form(word="lottery"))).status_code == 303
    app_id = (await new_account(services, "t")).apps["sms"]
    added = await http.post("/console/templates", data=admin.form(app_id=app_id, action="add", content="Hi {code}"))
    assert added.status_code == 303
    [template] = await Catalog(services).templates(app_id)
    approve = admin.form(app_id=app_id, action="approve", template_id=str(template.id))
    assert (await http.post("/console/templates", data=approve)).status_code == 303
    assert (await Catalog(services).templates(app_id))[0].approved is True
    carrier = admin.form(name="sim2", type="simulator", config='{"default": {"delay": 0}}')
    assert (await http.post("/console/carriers", data=carrier)).status_code == 303
    bad = await http.post("/console/carriers", data=admin.form(name="x", type="smpp", config="{not json"))
    assert bad.status_code == 422 and "not JSON" in bad.text
    assert (await http.post("/console/carriers/sim2/disable", data=admin.form())).status_code == 303
    assert (await http.post("/console/routes", data=admin.form(carriers="sim2", country="IN"))).status_code == 303
    routes = (await http.get("/console/routes")).text
    assert "sim2" in routes and ">IN<" in routes
    user = admin.form(email="ops@example.test", password="long enough", role="admin", account_id="")
    assert (await http.post("/console/users", data=user)).status_code == 303
    assert (await http.post("/console/users/disable", data=admin.form(email="ops@example.test"))).status_code == 303
    myself = await http.post("/console/users/disable", data=admin.form(email="admin@example.test"))
    assert myself.status_code == 422


async def test_a_token_made_on_the_profile_page_is_shown_once_and_works(admin: Session) -> None:
    made = await admin.client.post("/console/profile/tokens", data=admin.form())
    token = re.search(r'id="new-token">(sbt_[\w-]+)<', made.text)
    assert token is not None
    assert token.group(1) not in (await admin.client.get("/console/profile")).text
    me = await admin.client.get("/admin/api/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200


@pytest.mark.parametrize("count", [pytest.param(52, id="over-one-page")])
async def test_long_lists_are_paged(services: Services, admin: Session, traffic: Traffic, count: int) -> None:
    account = await new_account(services, "many")
    for n in range(count):
        await traffic.send(account, content=f"number {n}", number=f"9198765{n:05d}")
    first = (await admin.client.get("/console/messages")).text
    assert first.count("/console/messages/") == 50 and "older &rarr;" in first
    second = (await admin.client.get("/console/messages?page=2")).text
    assert second.count("/console/messages/") == 2 and "&larr; newer" in second
    assert "number 0" in second and "number 51" in first


async def test_an_unknown_message_is_a_404_page(admin: Session) -> None:
    page = await admin.client.get("/console/messages/9999999999999999999")
    assert page.status_code == 404 and "No message 9999999999999999999." in page.text
    bad_date = await admin.client.get("/console/messages?start=yesterday")
    assert bad_date.status_code == 200 and "start is not a date and time" in bad_date.text
