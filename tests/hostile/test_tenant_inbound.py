"""A tenant must not read replies meant for another: the inbound fallback without an assigned number."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from switchboard.connectors.sms.base import InboundSms
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from switchboard.services.tenancy import Tenancy
from switchboard.store.tables import inbound_messages, pushes
from tests.conftest import Caller
from tests.services.test_delivery import IN, send


@pytest.fixture
async def rival(services: Services, caller: Caller) -> Caller:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    new = await Tenancy(services).create_account(name="rival", balance="100", currency="USD")
    for who in (caller, Caller(new=new, clock=caller.clock)):
        await Tenancy(services).update_app(who.apps["sms"], inbound_url=f"https://{who.new.account.id}.test/mo")
    return Caller(new=new, clock=caller.clock)


async def _inbound(services: Services) -> list[dict[str, object]]:
    async with services.db.read() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(inbound_messages))]


async def _pushed_to(services: Services) -> list[int]:
    async with services.db.read() as conn:
        return [r.account_id for r in await conn.execute(sa.select(pushes.c.account_id))]


async def test_a_reply_to_a_number_two_tenants_wrote_to_goes_to_neither(
    services: Services, caller: Caller, rival: Caller
) -> None:
    await send(services, rival)
    await send(services, caller)  # the attacker writes last
    await DeliveryEvents(services).inbound(InboundSms("sim", IN, "SHARED", "my code is 1234", services.clock.now()))
    [row] = await _inbound(services)
    assert (row["account_id"], row["app_id"]) == (None, None)
    assert await _pushed_to(services) == []


async def test_a_reply_to_a_number_only_one_tenant_wrote_to_reaches_it(
    services: Services, caller: Caller, rival: Caller
) -> None:
    await send(services, rival)
    await DeliveryEvents(services).inbound(InboundSms("sim", IN, "SHARED", "yes", services.clock.now()))
    [row] = await _inbound(services)
    assert (row["account_id"], row["app_id"]) == (rival.new.account.id, rival.apps["sms"])
    assert await _pushed_to(services) == [rival.new.account.id]
