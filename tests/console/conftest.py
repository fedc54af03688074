"""Fixtures for the console and the admin API: an app with them mounted, browsers (httpx clients with their own
cookies), users, and traffic driven through the real services (dispatcher, receipts, pushes)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import switchboard.store.console_tables  # noqa: F401 (registers the console tables on the shared metadata)
from switchboard.app import create_app
from switchboard.auth.authenticate import Principal
from switchboard.connectors.sms.base import DELIVERED, Receipt
from switchboard.services.carriers import CarrierSet
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher
from switchboard.services.pushes import PushSender
from switchboard.services.sms import SendRequest, SmsService
from switchboard.services.tenancy import NewAccount, Tenancy
from switchboard.services.users import Users
from switchboard.settings import Settings
from switchboard.store import tenants
from switchboard.store.users import User
from tests.fakes.clock import FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.push_receiver import PushRecorder

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@example.test"
NUMBER = "919876543210"


@pytest.fixture
def console_app(settings: Settings, services: Services) -> FastAPI:
    return create_app(settings, services=services, run_migrations=False)


Browser = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browser(console_app: FastAPI) -> AsyncIterator[Browser]:
    """Makes clients of the app, each with its own cookie jar (a browser each)."""
    opened: list[httpx.AsyncClient] = []

    async def new() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=console_app, client=("127.0.0.1", 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://switchboard.test")
        opened.append(client)
        return client

    yield new
    for client in opened:
        await client.aclose()


async def make_user(services: Services, email: str, role: str = "admin", account_id: int | None = None) -> User:
    return await Users(services).create_user(email, PASSWORD, role, account_id)


def login_token(html: str) -> str:
    match = re.search(r'name="login_token" value="([^"]+)"', html)
    assert match, "the sign-in form has a login token"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/console/login")
    assert form.status_code == 200
    return await client.post(
        "/console/login", data={"email": email, "password": password, "login_token": login_token(form.text)}
    )


@dataclass
class Session:
    client: httpx.AsyncClient
    csrf: str

    def form(self, **fields: Any) -> dict[str, Any]:
        return {"csrf_token": self.csrf, **fields}

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


async def session_of(browser: Browser, email: str) -> Session:
    client = await browser()
    assert (await sign_in(client, email)).status_code == 303
    me = await client.get("/admin/api/me")
    assert me.status_code == 200
    return Session(client, me.json()["csrfToken"])


@pytest.fixture
async def admin(services: Services, browser: Browser) -> Session:
    await make_user(services, ADMIN_EMAIL)
    return await session_of(browser, ADMIN_EMAIL)


@dataclass
class Traffic:
    """Sends messages for an account and moves them through dispatch, receipts and pushes."""

    services: Services
    clock: FakeClock
    connector: FakeConnector
    recorder: PushRecorder

    async def send(self, account: NewAccount, content: str = "hello", number: str = NUMBER) -> str:
        async with self.services.db.read() as conn:
            found = await tenants.get_key_with_account(conn, account.api_key)
            app = await tenants.get_app(conn, account.apps["sms"])
        assert found is not None
        principal = Principal(key=found[0], account=found[1], app=app)
        outcome = await SmsService(self.services).send(
            principal, [SendRequest(content=content, numbers=number)], max_numbers=1000
        )
        return outcome.accepted[0].msg_id

    async def deliver(self) -> None:
        """Dispatch what is queued, report every submitted part delivered, and send the pushes."""
        carriers = CarrierSet(self.services)
        carriers.connectors["fake"] = self.connector
        carriers.enabled.append("fake")
        before = len(self.connector.submitted)
        await Dispatcher(self.services, carriers).step()
        events = DeliveryEvents(self.services)
        for n in range(before + 1, len(self.connector.submitted) + 1):
            await events.receipt(Receipt("fake", f"fake-{n}", DELIVERED))
        await self.push()

    async def push(self) -> None:
        sender = PushSender(self.services, poster=self.recorder)
        await sender.step()
        await sender.close()


@pytest.fixture
async def traffic(services: Services, clock: FakeClock) -> Traffic:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    return Traffic(services, clock, FakeConnector("fake"), PushRecorder())


async def new_account(services: Services, name: str, *, report_url: str | None = None) -> NewAccount:
    account = await Tenancy(services).create_account(name=name, balance="100")
    if report_url:
        await Tenancy(services).update_app(account.apps["sms"], report_url=report_url)
    return account
