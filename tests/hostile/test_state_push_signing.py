"""A disabled API key stops signing the account's pushes (it was cached for the life of the process)."""

from __future__ import annotations

from switchboard.connectors.sms.base import InboundSms
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from switchboard.services.pushes import PushSender
from switchboard.services.tenancy import Tenancy
from switchboard.store import inbound
from tests.conftest import Caller
from tests.fakes.push_receiver import PushRecorder


async def _push_once(services: Services, caller: Caller, sender: PushSender, text: str) -> None:
    await DeliveryEvents(services).inbound(
        InboundSms("sim", "919876543210", "447700900123", text, services.clock.now())
    )
    assert await sender.step() == 1


async def test_pushes_are_no_longer_signed_with_a_key_once_it_is_disabled(services: Services, caller: Caller) -> None:
    tenancy = Tenancy(services)
    await tenancy.update_app(caller.apps["sms"], inbound_url="https://customer.test/mo")
    async with services.db.write() as conn:
        await inbound.assign_number(conn, "447700900123", caller.apps["sms"], services.clock.now())
    recorder = PushRecorder()
    sender = PushSender(services, poster=recorder)
    try:
        await _push_once(services, caller, sender, "one")
        await tenancy.update_key(caller.api_key, enabled=False)
        await _push_once(services, caller, sender, "two")
    finally:
        await sender.close()
    first, second = recorder.requests
    assert first.headers["X-Switchboard-Key"] == caller.api_key
    assert "X-Switchboard-Key" not in second.headers and "X-Switchboard-Signature" not in second.headers
