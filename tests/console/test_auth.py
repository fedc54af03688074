"""Signing in and out: argon2 passwords, server-side sessions with expiry, CSRF, bearer tokens, the off switch."""

from __future__ import annotations

import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.tenancy import NewAccount, Tenancy
from switchboard.services.users import SESSION_TTL, Users
from switchboard.store.console_tables import user_sessions, user_tokens, users
from tests.console.conftest import ADMIN_EMAIL, PASSWORD, Browser, Session, login_token, make_user, session_of, sign_in
from tests.fakes.clock import FakeClock


async def balance_of(services: Services, account_id: int) -> int:
    return (await Tenancy(services).account(account_id)).balance


async def _account(services: Services) -> NewAccount:
    return await Tenancy(services).create_account(name="acme", balance="10")


async def test_console_and_admin_api_answer_404_until_an_admin_user_exists(
    services: Services, browser: Browser
) -> None:
    client = await browser()
    for path in ("/console/", "/console/login", "/admin/api/me", "/admin/api/accounts"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.post("/admin/api/session", json={"email": "a@b.c", "password": "x" * 8})).status_code == 404
    await make_user(services, "someone@example.test", "account", (await _account(services)).account.id)
    assert (await client.get("/console/login")).status_code == 404  # an account user alone does not turn it on
    await make_user(services, ADMIN_EMAIL)
    assert (await client.get("/console/login")).status_code == 200


async def test_the_right_password_opens_a_session_cookie_that_is_httponly_and_samesite(
    services: Services, browser: Browser
) -> None:
    await make_user(services, ADMIN_EMAIL)
    client = await browser()
    response = await sign_in(client, ADMIN_EMAIL.upper())
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("sb_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    page = await client.get("/console/")
    assert page.status_code == 200 and "Dashboard" in page.text and ADMIN_EMAIL in page.text


async def test_passwords_and_tokens_are_stored_only_as_hashes(services: Services) -> None:
    await make_user(services, ADMIN_EMAIL)
    token = await Users(services).issue_token(ADMIN_EMAIL)
    async with services.db.read() as conn:
        [stored_hash] = (await conn.execute(sa.select(users.c.password_hash))).scalars()
        [token_hash] = (await conn.execute(sa.select(user_tokens.c.token_hash))).scalars()
    assert stored_hash.startswith("$argon2id$") and PASSWORD not in stored_hash
    assert token not in token_hash and len(token_hash) == 64


async def test_a_wrong_password_or_unknown_email_is_refused_without_a_session(
    services: Services, browser: Browser
) -> None:
    await make_user(services, ADMIN_EMAIL)
    client = await browser()
    for email, password in ((ADMIN_EMAIL, "wrong password"), ("nobody@example.test", PASSWORD)):
        response = await sign_in(client, email, password)
        assert response.status_code == 401 and "Wrong email or password" in response.text
        assert "sb_session" not in response.cookies
    api = await client.post("/admin/api/session", json={"email": ADMIN_EMAIL, "password": "wrong password"})
    assert api.status_code == 401 and api.json() == {"detail": "wrong email or password"}
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(user_sessions))).scalar_one() == 0


async def test_the_sign_in_form_needs_its_own_token_against_login_csrf(services: Services, browser: Browser) -> None:
    await make_user(services, ADMIN_EMAIL)
    client = await browser()
    await client.get("/console/login")
    missing = await client.post("/console/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert missing.status_code == 403
    forged = await client.post(
        "/console/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "login_token": "guessed"}
    )
    assert forged.status_code == 403


async def test_without_a_session_pages_redirect_to_sign_in_and_the_api_answers_401(
    services: Services, browser: Browser
) -> None:
    await make_user(services, ADMIN_EMAIL)
    client = await browser()
    page = await client.get("/console/messages?number=1")
    assert page.status_code == 303 and page.headers["location"] == "/console/login?next=/console/messages%3Fnumber%3D1"
    api = await client.get("/admin/api/accounts")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert api.json() == {"detail": "sign in, or send Authorization: Bearer <token>"}


async def test_after_sign_in_the_browser_goes_back_to_the_page_it_asked_for_but_never_off_site(
    services: Services, browser: Browser
) -> None:
    await make_user(services, ADMIN_EMAIL)
    for target, expected in (
        ("/console/messages?number=1", "/console/messages?number=1"),
        ("//evil.example/console/", "/console/"),
        ("https://evil.example/", "/console/"),
    ):
        client = await browser()
        form = await client.get("/console/login", params={"next": target})
        data = {"email": ADMIN_EMAIL, "password": PASSWORD, "login_token": login_token(form.text), "next": target}
        response = await client.post("/console/login", data=data)
        assert response.headers["location"] == expected


async def test_an_expired_session_is_refused(services: Services, browser: Browser, clock: FakeClock) -> None:
    await make_user(services, ADMIN_EMAIL)
    session = await session_of(browser, ADMIN_EMAIL)
    clock.advance(SESSION_TTL.total_seconds() - 1)
    assert (await session.client.get("/console/")).status_code == 200
    clock.advance(2)
    assert (await session.client.get("/console/")).status_code == 303
    assert (await session.client.get("/admin/api/me")).status_code == 401
    account = await _account(services)
    refused = await session.client.post(f"/console/accounts/{account.account.id}/topup", data=session.form(amount="5"))
    assert refused.status_code == 401
    assert await balance_of(services, account.account.id) == 10_000_000


async def test_state_changes_need_the_sessions_csrf_token(services: Services, admin: Session) -> None:
    account = (await _account(services)).account.id
    url = f"/console/accounts/{account}/topup"
    missing = await admin.client.post(url, data={"amount": "5"})
    assert missing.status_code == 403 and "CSRF" in missing.text
    wrong = await admin.client.post(url, data={"amount": "5", "csrf_token": "not-the-token"})
    assert wrong.status_code == 403
    api_missing = await admin.client.post(f"/admin/api/accounts/{account}/topup", json={"amount": "5"})
    assert api_missing.status_code == 403 and "CSRF" in api_missing.json()["detail"]
    assert await balance_of(services, account) == 10_000_000
    assert (await admin.client.post(url, data=admin.form(amount="5"))).status_code == 303
    header = await admin.client.post(
        f"/admin/api/accounts/{account}/topup", json={"amount": "5"}, headers=admin.headers
    )
    assert header.status_code == 200 and header.json()["balance"] == "20.000000"


async def test_signing_out_ends_the_session_on_the_server(services: Services, admin: Session) -> None:
    cookie = admin.client.cookies.get("sb_session")
    assert (await admin.client.post("/console/logout", data=admin.form())).status_code == 303
    admin.client.cookies.set("sb_session", cookie or "", domain="switchboard.test")
    assert (await admin.client.get("/admin/api/me")).status_code == 401


async def test_a_bearer_token_works_without_csrf_and_a_wrong_one_is_401(services: Services, browser: Browser) -> None:
    await make_user(services, ADMIN_EMAIL)
    token = await Users(services).issue_token(ADMIN_EMAIL)
    client = await browser()
    auth = {"Authorization": f"Bearer {token}"}
    me = await client.get("/admin/api/me", headers=auth)
    assert me.status_code == 200 and me.json() == {
        "email": ADMIN_EMAIL,
        "role": "admin",
        "accountId": None,
        "csrfToken": None,
    }
    created = await client.post("/admin/api/accounts", json={"name": "scripted"}, headers=auth)
    assert created.status_code == 201
    for bad in ("Bearer sbt_wrong", "Basic abc", f"Bearer {token}x"):
        assert (await client.get("/admin/api/me", headers={"Authorization": bad})).status_code == 401


async def test_tokens_are_shown_once_listed_by_prefix_and_revocable(services: Services, admin: Session) -> None:
    created = await admin.client.post("/admin/api/tokens", headers=admin.headers)
    token = created.json()["token"]
    [listed] = (await admin.client.get("/admin/api/tokens")).json()
    assert token.startswith(listed["prefix"]) and token != listed["prefix"]
    revoked = await admin.client.delete(f"/admin/api/tokens/{listed['id']}", headers=admin.headers)
    assert revoked.status_code == 200
    assert (await admin.client.get("/admin/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_a_disabled_user_loses_sessions_and_tokens(services: Services, browser: Browser) -> None:
    await make_user(services, ADMIN_EMAIL)
    await make_user(services, "second@example.test")
    token = await Users(services).issue_token("second@example.test")
    session = await session_of(browser, "second@example.test")
    await Users(services).set_enabled("second@example.test", False)
    assert (await session.client.get("/admin/api/me")).status_code == 401
    client = await browser()
    assert (await client.get("/admin/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await sign_in(client, "second@example.test")).status_code == 401


async def test_a_forms_own_token_wins_over_a_stale_header_from_an_earlier_session(
    services: Services, admin: Session
) -> None:
    account = (await _account(services)).account.id
    stale = {"X-CSRF-Token": "token-of-an-earlier-session"}
    url = f"/console/accounts/{account}/topup"
    assert (await admin.client.post(url, data=admin.form(amount="1"), headers=stale)).status_code == 303
    assert (await admin.client.post(url, data={"amount": "1"}, headers=stale)).status_code == 403


async def test_an_address_with_too_many_failed_sign_ins_is_blocked_for_a_while(
    services: Services, browser: Browser, clock: FakeClock
) -> None:
    await make_user(services, ADMIN_EMAIL)
    services.settings.auth_failure_limit = 3
    client = await browser()
    for _ in range(3):
        assert (await sign_in(client, ADMIN_EMAIL, "wrong password")).status_code == 401
    blocked = await sign_in(client, ADMIN_EMAIL)
    assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.text
    api = await client.post("/admin/api/session", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert api.status_code == 429
    clock.advance(services.settings.auth_block_seconds)
    assert (await sign_in(client, ADMIN_EMAIL)).status_code == 303
