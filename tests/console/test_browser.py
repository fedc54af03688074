"""End to end in headless Chromium against a real ``switchboard serve``: an operator signs in, creates and tops up
an account, sets a rate; a signed API request sends a message; the console shows it delivered with its push.

Writes the screenshots that ``docs/console.md`` shows (docs/screenshots/dashboard.png, message-timeline.png).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.receiver import push_receiver
from tests.integration.server import base_env, cli, running_server

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
EMAIL = "operator@example.test"
PASSWORD = "browser test password"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make install)"),
]


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 860})
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def send_sms(base: str, key: str, secret: str, app_id: str) -> str:
    stamp = str(int(time.time()))
    answer = httpx.post(
        f"{base}/v3/sendSms",
        headers={"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp},
        json={"appId": app_id, "numbers": "919876543210", "content": "Hello from the browser test"},
        timeout=10,
    ).json()
    assert answer["status"] == "0", answer
    return str(answer["array"][0]["msgId"])


def test_an_operator_runs_an_account_from_the_browser_and_follows_a_message(tmp_path: Path, page: Any) -> None:
    env = base_env(tmp_path / "data")
    cli(env, "user", "create", "--email", EMAIL, "--password", PASSWORD, "--role", "admin")
    with push_receiver() as receiver, running_server(env, log=tmp_path / "serve.log") as base:
        page.goto(f"{base}/console/")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()

        page.get_by_role("link", name="Accounts", exact=True).click()
        page.get_by_label("Name").fill("Browser <Shop>")
        page.get_by_role("button", name="Create account").click()
        page.locator("#new-api-secret").wait_for()
        key, secret = page.inner_text("#new-api-key"), page.inner_text("#new-api-secret")
        account_id = page.locator("h1[data-account-id]").get_attribute("data-account-id")
        app_id = page.inner_text('code.app-id[data-product="sms"]')
        assert page.locator("h1").inner_text().startswith(f"Account {account_id} · Browser <Shop>")

        page.get_by_label("Top up").fill("25")
        page.get_by_role("button", name="Top up").click()
        page.locator("#balance", has_text="25.000000 USD").wait_for()

        page.get_by_role("link", name="Rates", exact=True).click()
        page.get_by_label("Country").fill("IN")
        page.get_by_label("Price").fill("0.01")
        page.get_by_role("button", name="Set rate").click()
        page.locator("td", has_text="0.010000").wait_for()

        cli(env, "app", "update", app_id, "--report-url", f"{receiver.url}/dlr")
        msg_id = send_sms(base, key, secret, app_id)
        wait_for(lambda: len(receiver.received) == 1)
        assert receiver.received[0].json()["msgid"] == msg_id

        page.get_by_role("link", name="Messages", exact=True).click()
        page.get_by_label("msgId").fill(msg_id)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=msg_id).click()
        timeline = page.locator("#timeline")
        timeline.get_by_text("delivered", exact=True).wait_for()
        assert "submitted to simulator as" in timeline.inner_text()
        assert "attempt: HTTP 200" in timeline.inner_text()
        assert page.locator("h1 .badge").inner_text() == "delivered"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "message-timeline.png"), full_page=True)

        page.get_by_role("link", name="Dashboard", exact=True).click()
        page.locator("svg.chart rect.delivered").first.wait_for()
        page.locator("svg.rates text", has_text="100.0% (1/1)").first.wait_for()
        page.get_by_role("cell", name="simulator", exact=True).wait_for()
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

        page.get_by_role("link", name="Pushes", exact=True).click()
        page.get_by_role("heading", name="Pushes").wait_for()
        assert page.locator("table tbody tr").first.locator(".badge").inner_text() == "delivered"
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in").wait_for()
        page.goto(f"{base}/console/accounts/{account_id}")
        page.get_by_role("heading", name="Sign in").wait_for()
