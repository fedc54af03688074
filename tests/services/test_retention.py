"""Retention: what is older than the retention period is pruned, in batches; newer data and pending work stay."""

from __future__ import annotations

from datetime import timedelta

from switchboard.connectors.sms.base import DELIVERED, InboundSms, Receipt
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher
from switchboard.services.pushes import PushSender
from switchboard.services.retention import prune
from switchboard.services.tenancy import Tenancy
from switchboard.store import inbound as inbound_store
from switchboard.store.tables import inbound_messages, message_parts, messages, push_attempts, pushes
from tests.conftest import Caller
from tests.fakes.connector import FakeConnector
from tests.fakes.push_receiver import PushRecorder
from tests.services.test_delivery import carrier_set, rows, send

NUMBERS = ",".join(f"9198765{i:05d}" for i in range(5))


async def traffic(services: Services, caller: Caller, connector: FakeConnector, first_id: int) -> None:
    """Five messages sent, submitted, delivered and pushed, and one inbound message."""
    await send(services, caller, numbers=NUMBERS)
    await Dispatcher(services, carrier_set(services, connector)).step()
    events = DeliveryEvents(services)
    for n in range(first_id, first_id + 5):
        await events.receipt(Receipt("smsc", f"smsc-{n}", DELIVERED))
    await events.inbound(InboundSms("smsc", "919876500000", "447700900123", "hi", services.clock.now()))
    sender = PushSender(services, poster=PushRecorder())
    while await sender.step():
        pass


async def test_old_data_is_pruned_in_batches_and_recent_data_stays(services: Services, caller: Caller) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    await Tenancy(services).update_app(caller.apps["sms"], report_url="https://customer.test/dlr")
    async with services.db.write() as conn:
        await inbound_store.assign_number(conn, "447700900123", caller.apps["sms"], services.clock.now())
    connector = FakeConnector("smsc")
    await traffic(services, caller, connector, 1)
    services.clock.advance(timedelta(days=91).total_seconds())  # type: ignore[attr-defined]
    await traffic(services, caller, connector, 6)
    await send(services, caller, numbers="919876599999")  # queued, not final: never pruned
    assert len(await rows(services, messages)) == 11

    removed = await prune(services, batch=2)

    assert removed == {"messages": 5, "pushes": 5, "inbound": 1, "conversions": 0, "recordings": 0}
    left = await rows(services, messages)
    assert len(left) == 6 and sum(1 for m in left if m["status"] == "queued") == 1
    assert {p["message_id"] for p in await rows(services, message_parts)} <= {m["id"] for m in left}
    assert len(await rows(services, pushes)) == 5 and len(await rows(services, push_attempts)) == 5
    assert len(await rows(services, inbound_messages)) == 1
    assert await prune(services, batch=2) == {
        "messages": 0,
        "pushes": 0,
        "inbound": 0,
        "conversions": 0,
        "recordings": 0,
    }
