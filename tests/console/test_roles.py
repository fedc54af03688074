"""Roles: an account user reaches only its own account's data, by console URL or admin API; admins reach all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.tenancy import NewAccount
from switchboard.store.tables import pushes
from tests.console.conftest import Browser, Session, Traffic, make_user, new_account, session_of


@pytest.fixture
async def two_accounts(services: Services, traffic: Traffic) -> tuple[NewAccount, NewAccount, str, str]:
    """Accounts "own" and "other", each with one delivered, pushed message; returns them and the msgIds."""
    own = await new_account(services, "own", report_url="https://own.test/dlr")
    other = await new_account(services, "other", report_url="https://other.test/dlr")
    own_msg = await traffic.send(own)
    other_msg = await traffic.send(other)
    await traffic.deliver()
    return own, other, own_msg, other_msg


async def push_of(services: Services, msg_id: str) -> int:
    async with services.db.read() as conn:
        return int((await conn.execute(sa.select(pushes.c.id).where(pushes.c.ref == msg_id))).scalar_one())


@pytest.fixture
async def user(services: Services, browser: Browser, two_accounts: tuple[NewAccount, NewAccount, str, str]) -> Session:
    await make_user(services, "admin@example.test")
    await make_user(services, "user@own.test", "account", two_accounts[0].account.id)
    return await session_of(browser, "user@own.test")


async def test_an_account_user_reads_its_own_account(
    user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    own, _, own_msg, _ = two_accounts
    account = own.account.id
    for path in (
        f"/console/accounts/{account}",
        f"/console/messages/{own_msg}",
        "/console/messages",
        "/console/pushes",
        "/console/inbound",
        "/console/",
        "/console/profile",
    ):
        assert (await user.client.get(path)).status_code == 200, path
    listed = (await user.client.get("/admin/api/accounts")).json()
    assert [a["accountId"] for a in listed] == [account]
    for path in (f"/admin/api/accounts/{account}/ledger", f"/admin/api/accounts/{account}/keys", "/admin/api/pushes"):
        assert (await user.client.get(path)).status_code == 200, path
    assert (await user.client.get("/console/accounts")).headers["location"] == f"/console/accounts/{account}"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/console/accounts/{other}", id="console-account"),
        pytest.param("/console/messages/{other_msg}", id="console-message"),
        pytest.param("/console/messages?account={other}", id="console-search-other-account"),
        pytest.param("/console/pushes?account={other}", id="console-pushes-other-account"),
        pytest.param("/admin/api/accounts/{other}", id="api-account"),
        pytest.param("/admin/api/accounts/{other}/ledger", id="api-ledger"),
        pytest.param("/admin/api/accounts/{other}/keys", id="api-keys"),
        pytest.param("/admin/api/accounts/{other}/apps", id="api-apps"),
        pytest.param("/admin/api/apps/{other_app}", id="api-app"),
        pytest.param("/admin/api/messages/{other_msg}", id="api-message"),
        pytest.param("/admin/api/messages?accountId={other}", id="api-search-other-account"),
        pytest.param("/admin/api/inbound?accountId={other}", id="api-inbound-other-account"),
        pytest.param("/admin/api/pushes/{other_push}", id="api-push"),
    ],
)
async def test_another_accounts_data_is_not_found_for_an_account_user(
    services: Services, user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str], path: str
) -> None:
    _, other, _, other_msg = two_accounts
    other_push = await push_of(services, other_msg)
    url = path.format(other=other.account.id, other_msg=other_msg, other_app=other.apps["sms"], other_push=other_push)
    assert (await user.client.get(url)).status_code == 404


async def test_an_account_user_cannot_change_another_account(
    services: Services, user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    _, other, _, other_msg = two_accounts
    other_id, key = other.account.id, other.api_key
    app_id = other.apps["sms"]
    for path, form in (
        (f"/console/accounts/{other_id}/keys", {}),
        (f"/console/accounts/{other_id}/keys/{key}/disable", {}),
        (f"/console/accounts/{other_id}/keys/{key}/ips", {"allow_ips": "10.0.0.1"}),
        (f"/console/apps/{app_id}", {"report_url": "https://evil.test/"}),
        (f"/console/accounts/{other_id}/apps", {"product": "sms"}),
    ):
        assert (await user.client.post(path, data=user.form(**form))).status_code == 404, path
    assert (
        await user.client.patch(
            f"/admin/api/apps/{app_id}", json={"reportUrl": "https://evil.test/"}, headers=user.headers
        )
    ).status_code == 404
    assert (
        await user.client.post(f"/admin/api/accounts/{other_id}/keys", json={}, headers=user.headers)
    ).status_code == 404
    other_push = await push_of(services, other_msg)
    assert (await user.client.post(f"/admin/api/pushes/{other_push}/retry", headers=user.headers)).status_code == 404
    assert (await user.client.post(f"/console/pushes/{other_push}/retry", data=user.form())).status_code == 404
    assert (await user.client.get(f"/console/pushes/{other_push}")).status_code == 404


async def test_an_account_user_cannot_use_admin_functions_even_on_its_own_account(
    user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    own = two_accounts[0]
    account = own.account.id
    for path in ("/console/rates", "/console/routes", "/console/carriers", "/console/words", "/console/users"):
        assert (await user.client.get(path)).status_code == 403, path
    for path in (
        "/admin/api/rates",
        "/admin/api/carriers",
        "/admin/api/routes",
        "/admin/api/words",
        "/admin/api/users",
    ):
        assert (await user.client.get(path)).status_code == 403, path
    topup = await user.client.post(f"/admin/api/accounts/{account}/topup", json={"amount": "5"}, headers=user.headers)
    assert topup.status_code == 403 and topup.json() == {"detail": "this needs an admin user"}
    assert (await user.client.post(f"/console/accounts/{account}/lock", data=user.form())).status_code == 403
    options = await user.client.patch(
        f"/admin/api/apps/{own.apps['sms']}", json={"options": {"total_limit": 0}}, headers=user.headers
    )
    assert options.status_code == 403


async def test_an_account_user_manages_its_own_keys_and_push_urls(
    user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    own = two_accounts[0]
    account = own.account.id
    created = await user.client.post(f"/admin/api/accounts/{account}/keys", json={}, headers=user.headers)
    assert created.status_code == 201 and len(created.json()["apiSecret"]) == 24
    ips = await user.client.put(
        f"/admin/api/accounts/{account}/keys/{own.api_key}/allowed-ips",
        json={"allowIps": ["203.0.113.0/24"]},
        headers=user.headers,
    )
    assert ips.status_code == 200 and ips.json()["allowedIps"] == ["203.0.113.0/24"]
    patched = await user.client.patch(
        f"/admin/api/apps/{own.apps['sms']}", json={"reportUrl": "https://own.test/new"}, headers=user.headers
    )
    assert patched.status_code == 200 and patched.json()["reportUrl"] == "https://own.test/new"


async def test_message_search_shows_an_account_user_only_its_own_messages(
    user: Session, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    _, _, own_msg, other_msg = two_accounts
    found = (await user.client.get("/admin/api/messages")).json()["items"]
    assert [m["msgId"] for m in found] == [own_msg]
    page = await user.client.get("/console/messages")
    assert own_msg in page.text and other_msg not in page.text
    assert (await user.client.get(f"/admin/api/messages?msgId={other_msg}")).json()["items"] == []


async def test_an_admin_reaches_every_account(
    services: Services, browser: Browser, two_accounts: tuple[NewAccount, NewAccount, str, str]
) -> None:
    await make_user(services, "admin@example.test")
    admin = await session_of(browser, "admin@example.test")
    _, other, _, other_msg = two_accounts
    assert (await admin.client.get(f"/console/accounts/{other.account.id}")).status_code == 200
    assert (await admin.client.get(f"/admin/api/messages/{other_msg}")).status_code == 200
    assert len((await admin.client.get("/admin/api/messages")).json()["items"]) == 2
