"""Flows through the admin API: operators author for any account, account users for their own only."""

from __future__ import annotations

from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.services.context import Services
from tests.console.conftest import Browser, Session, make_user, new_account, session_of


async def test_flows_are_authored_listed_and_shown(admin: Session, services: Services) -> None:
    account = await new_account(services, "acme")
    http, h = admin.client, admin.headers
    saved = await http.post(
        "/admin/api/aivoice/flows", json={"accountId": account.account.id, "source": REMINDER_YAML}, headers=h
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1
    again = await http.post(
        "/admin/api/aivoice/flows", json={"accountId": account.account.id, "source": REMINDER_YAML}, headers=h
    )
    assert again.json()["version"] == 2
    listed = (await http.get(f"/admin/api/aivoice/flows?accountId={account.account.id}")).json()
    assert [(f["name"], f["version"], f["status"]) for f in listed] == [("Payment reminder", 2, "ENABLE")]
    flow_id = listed[0]["dialogFlowId"]
    shown = await http.get(f"/admin/api/aivoice/flows/{flow_id}?accountId={account.account.id}")
    assert "Payment reminder" in shown.json()["source"]
    bad = await http.post(
        "/admin/api/aivoice/flows",
        json={"accountId": account.account.id, "source": "name: x\nstart: a\nnodes: {a: {type: dance}}"},
        headers=h,
    )
    assert bad.status_code == 422 and "type must be one of" in bad.text
    missing = await http.get(f"/admin/api/aivoice/flows/999?accountId={account.account.id}")
    assert missing.status_code == 404


async def test_account_users_see_only_their_own_account(services: Services, browser: Browser) -> None:
    mine = await new_account(services, "mine")
    theirs = await new_account(services, "theirs")
    await make_user(services, "admin@example.test")  # the console opens once an admin exists
    await make_user(services, "user@mine.test", "account", mine.account.id)
    user = await session_of(browser, "user@mine.test")
    ok = await user.client.post(
        "/admin/api/aivoice/flows", json={"accountId": mine.account.id, "source": REMINDER_YAML}, headers=user.headers
    )
    assert ok.status_code == 200, ok.text
    refused = await user.client.post(
        "/admin/api/aivoice/flows",
        json={"accountId": theirs.account.id, "source": REMINDER_YAML},
        headers=user.headers,
    )
    assert refused.status_code == 404
    assert (await user.client.get(f"/admin/api/aivoice/flows?accountId={theirs.account.id}")).status_code == 404
