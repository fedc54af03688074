"""An SMPP server over the test database, an SMPP account bound to the caller's SMS app, and prices."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.smppd.accounts import SmppAccounts
from switchboard.smppd.server import SmppServer, SmppServerConfig
from tests.conftest import Caller

SYSTEM_ID = "acme"
PASSWORD = "s3cret"


@pytest.fixture
async def smpp_account(services: Services, caller: Caller) -> str:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01"), RateInput("sms", "IN", "0.02")])
    await SmppAccounts(services).create(SYSTEM_ID, caller.apps["sms"], password=PASSWORD, throughput=0)
    return SYSTEM_ID


@pytest.fixture
async def smpp_server(services: Services, smpp_account: str) -> AsyncIterator[SmppServer]:
    server = SmppServer(services, SmppServerConfig(port=0, poll=0.1, idle_timeout=30))
    async with server:
        yield server
