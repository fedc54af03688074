"""The admin API for SMPP accounts: create (password shown once, stored hashed), list, change, remove; bad input
answered 422 and changing nothing; account users see only their own."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.smppd.accounts import SmppAccounts
from switchboard.store.smpp_tables import smpp_accounts
from tests.console.conftest import Session, new_account


async def test_smpp_accounts_through_the_admin_api(admin: Session, services: Services) -> None:
    http, h = admin.client, admin.headers
    acme = await new_account(services, "acme")
    created = await http.post(
        "/admin/api/smpp-accounts",
        json={"systemId": "acme", "appId": acme.apps["sms"], "allowedIps": ["203.0.113.0/24"], "throughput": 50},
        headers=h,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["systemId"] == "acme" and body["allowedIps"] == ["203.0.113.0/24"] and 1 <= len(body["password"]) <= 8
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(smpp_accounts.c.password_hash))).scalar_one()
    assert stored.startswith("$argon2id$") and body["password"] not in stored

    for bad in (
        {"systemId": "acme", "appId": acme.apps["sms"]},  # taken
        {"systemId": "other", "appId": acme.apps["voice"]},  # not an SMS app
        {"systemId": "other", "appId": acme.apps["sms"], "allowedIps": ["not-an-ip"]},
        {"systemId": "other", "appId": acme.apps["sms"], "password": "far too long"},
    ):
        refused = await http.post("/admin/api/smpp-accounts", json=bad, headers=h)
        assert refused.status_code == 422, (bad, refused.text)
    listed = (await http.get("/admin/api/smpp-accounts")).json()
    assert [a["systemId"] for a in listed] == ["acme"]

    changed = await http.patch("/admin/api/smpp-accounts/acme", json={"maxBinds": 2, "enabled": False}, headers=h)
    assert changed.status_code == 200 and changed.json()["maxBinds"] == 2 and changed.json()["enabled"] is False
    assert (await http.patch("/admin/api/smpp-accounts/nobody", json={}, headers=h)).status_code == 404
    assert (await http.delete("/admin/api/smpp-accounts/acme", headers=h)).status_code == 200
    assert (await http.get("/admin/api/smpp-accounts")).json() == []


async def test_smpp_accounts_page(admin: Session, services: Services) -> None:
    http = admin.client
    acme = await new_account(services, "acme")
    page = await http.get("/console/smpp")
    assert page.status_code == 200 and "No SMPP account." in page.text
    created = await http.post(
        "/console/smpp",
        data=admin.form(
            system_id="acme", app_id=acme.apps["sms"], password="pw", allow_ips="198.51.100.7", throughput="5"
        ),
    )
    assert created.status_code == 201 and "acme: password pw (shown only now)" in created.text
    assert "198.51.100.7/32" in created.text
    refused = await http.post("/console/smpp", data=admin.form(system_id="acme", app_id=acme.apps["sms"]))
    assert refused.status_code == 422 and "system_id acme is taken" in refused.text
    assert (await http.post("/console/smpp/acme/disable", data=admin.form())).status_code == 303
    assert (await SmppAccounts(services).get("acme")).enabled is False  # type: ignore[union-attr]
    assert (await http.post("/console/smpp/acme/remove", data=admin.form())).status_code == 303
    assert (await http.post("/console/smpp/acme/remove", data=admin.form())).status_code == 404
    assert await SmppAccounts(services).all() == []
