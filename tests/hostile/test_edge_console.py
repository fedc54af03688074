"""The console in a frame, or running a script it did not ship: refused by its headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.console.headers import CONTENT_SECURITY_POLICY
from switchboard.services.context import Services
from switchboard.services.users import Users
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.server import base_env, cli, running_server

EMAIL, PASSWORD = "ops@example.com", "correct horse battery"


@pytest.mark.parametrize("path", ["/console/login", "/console/accounts", "/console/nowhere", "/admin/api/carriers"])
async def test_console_and_admin_answers_carry_the_policy(
    client: httpx.AsyncClient, services: Services, path: str
) -> None:
    await Users(services).create_user(EMAIL, PASSWORD, "admin")
    answer = await client.get(path)
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_api_is_left_alone(client: httpx.AsyncClient) -> None:
    assert "content-security-policy" not in (await client.get("/health")).headers


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (make install)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.mark.integration
def test_htmx_works_under_the_policy_with_no_violation(tmp_path: Path, page: Any) -> None:
    env = base_env(tmp_path / "data")
    cli(env, "user", "create", "--email", EMAIL, "--password", PASSWORD, "--role", "admin")
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    with running_server(env, log=tmp_path / "serve.log") as base:
        page.goto(f"{base}/console/")
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP ' + e.violatedDirective))"
        )
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        page.get_by_role("link", name="Accounts", exact=True).click()  # a boosted link: htmx swaps the page
        page.get_by_label("Name").fill("Policy Shop")
        page.get_by_role("button", name="Create account").click()  # an htmx form with the CSRF header
        page.locator("#new-api-secret").wait_for()
        assert page.evaluate("typeof htmx") == "object"
        page.get_by_role("link", name="Dashboard", exact=True).click()
        page.locator("svg.chart").first.wait_for()
        assert [m for m in messages if "Content Security Policy" in m or m.startswith("CSP ")] == []
        # An injected inline script does not run.
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
        assert page.evaluate("window.injected === true") is False
    violations = [m for m in messages if "Content Security Policy" in m or m.startswith("CSP ")]
    assert violations and all("script-src" in v for v in violations), violations  # the injected script only
