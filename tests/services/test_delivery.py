"""Dispatch, receipts, refunds and pushes, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.connectors.sms.base import DELIVERED, FAILED, InboundSms, Receipt
from switchboard.connectors.sms.simulator import Scenario, SimulatorConnector
from switchboard.services.carriers import CarrierSet
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher, expire_stale
from switchboard.services.pushes import PushSender
from switchboard.services.sms import SendRequest, SmsService
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants
from switchboard.store.tables import message_parts, messages, pushes
from tests.conftest import Caller
from tests.fakes.connector import FakeConnector
from tests.fakes.push_receiver import PushRecorder

IN = "919876543210"
REPORT_URL = "https://customer.test/dlr"


@pytest.fixture(autouse=True)
async def priced(services: Services, caller: Caller) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    await Tenancy(services).update_app(
        caller.apps["sms"], report_url=REPORT_URL, inbound_url="https://customer.test/mo"
    )


async def principal(services: Services, caller: Caller) -> Any:
    from switchboard.auth.authenticate import Principal

    async with services.db.read() as conn:
        found = await tenants.get_key_with_account(conn, caller.api_key)
        app = await tenants.get_app(conn, caller.apps["sms"])
    assert found is not None
    return Principal(key=found[0], account=found[1], app=app)


async def send(services: Services, caller: Caller, numbers: str = IN, content: str = "hello") -> list[str]:
    outcome = await SmsService(services).send(
        await principal(services, caller), [SendRequest(content=content, numbers=numbers)], max_numbers=1000
    )
    return [a.msg_id for a in outcome.accepted]


def carrier_set(services: Services, *connectors: Any) -> CarrierSet:
    carriers = CarrierSet(services)
    for connector in connectors:
        carriers.connectors[connector.name] = connector
        carriers.enabled.append(connector.name)
    return carriers


async def rows(services: Services, table: sa.Table) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(table).order_by(table.c.id))]


async def account_state(services: Services, caller: Caller) -> tuple[int, int]:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, caller.new.account.id)
        assert account is not None
        assert await tenants.ledger_totals(conn, account.id) == (account.balance, account.gift)
        return account.balance, account.gift


async def test_a_message_is_submitted_delivered_once_and_reported_with_a_signed_push(
    services: Services, caller: Caller
) -> None:
    events = DeliveryEvents(services)
    simulator = SimulatorConnector("sim", Scenario.of({"default": {"delay": 0}}), services.clock)
    await simulator.start(events)
    dispatcher = Dispatcher(services, carrier_set(services, simulator))
    [msg_id] = await send(services, caller)
    assert await dispatcher.step() == 1
    await simulator.drain()
    [message] = await rows(services, messages)
    assert (message["status"], message["carrier"]) == (DELIVERED, "sim")
    await events.receipt(Receipt("sim", message["carrier_msg_id"], FAILED))  # a late duplicate changes nothing
    assert (await rows(services, messages))[0]["status"] == DELIVERED
    assert events.counters["duplicate"] == 1
    recorder = PushRecorder()
    sender = PushSender(services, poster=recorder)
    assert await sender.step() == 1
    await sender.close()
    [request] = recorder.requests
    body = json.loads(request.content)
    assert body["msgid"] == msg_id and body["status"] == 0 and body["mobile"] == IN
    assert body["pricedetail"] == {"pay": "0.010000", "currency": "USD", "chargeCnt": 1, "price": "0.010000"}
    stamp, digest = (part.split("=", 1)[1] for part in request.headers["X-Switchboard-Signature"].split(","))
    expected = hmac.new(caller.new.api_secret.encode(), f"{stamp}.".encode() + request.content, hashlib.sha256)
    assert digest == expected.hexdigest() and request.headers["X-Switchboard-Key"] == caller.api_key
    assert (await rows(services, pushes))[0]["status"] == "delivered"


async def test_a_multipart_message_is_delivered_only_when_every_part_is(services: Services, caller: Caller) -> None:
    events = DeliveryEvents(services)
    fake = FakeConnector("smsc", parts=2)
    dispatcher = Dispatcher(services, carrier_set(services, fake))
    await send(services, caller, content="x" * 200)
    await dispatcher.step()
    await events.receipt(Receipt("smsc", "smsc-1", DELIVERED))
    assert (await rows(services, messages))[0]["status"] == "submitted"
    await events.receipt(Receipt("smsc", "smsc-2", DELIVERED))
    assert (await rows(services, messages))[0]["status"] == DELIVERED
    assert len(await rows(services, pushes)) == 1


async def test_one_failed_part_fails_the_message(services: Services, caller: Caller) -> None:
    events = DeliveryEvents(services)
    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc", parts=2)))
    await send(services, caller, content="x" * 200)
    await dispatcher.step()
    await events.receipt(Receipt("smsc", "smsc-1", FAILED, "ABSENT"))
    await events.receipt(Receipt("smsc", "smsc-2", DELIVERED))
    [message] = await rows(services, messages)
    assert (message["status"], message["error_code"]) == (FAILED, "ABSENT")


async def test_a_receipt_before_the_submit_result_is_held_and_applied(services: Services, caller: Caller) -> None:
    events = DeliveryEvents(services)
    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc")))
    await send(services, caller)
    await events.receipt(Receipt("smsc", "smsc-1", DELIVERED))
    assert events.counters["unknown"] == 1
    await dispatcher.step()
    assert (await rows(services, messages))[0]["status"] == DELIVERED


async def test_temporary_errors_back_off_and_retry(services: Services, caller: Caller) -> None:
    fake = FakeConnector("smsc", ["temporary"])
    dispatcher = Dispatcher(services, carrier_set(services, fake))
    await send(services, caller)
    assert await dispatcher.step() == 1
    [message] = await rows(services, messages)
    assert message["status"] == "queued" and message["error_code"] == "ESME_RTHROTTLED"
    assert await dispatcher.step() == 0, "not due before its back-off"
    services.clock.advance(6)  # type: ignore[attr-defined]
    assert await dispatcher.step() == 1
    assert (await rows(services, messages))[0]["status"] == "submitted"


async def test_failover_moves_to_the_next_carrier(services: Services, caller: Caller) -> None:
    from switchboard.domain.routing import Route

    bad, good = FakeConnector("bad", ["permanent"]), FakeConnector("good")
    carriers = carrier_set(services, bad, good)
    carriers.routes = [Route(1, 10, ["bad", "good"], country="IN")]
    await send(services, caller)
    await Dispatcher(services, carriers).step()
    assert (await rows(services, messages))[0]["carrier"] == "good"


async def test_a_message_no_carrier_accepts_fails_and_is_refunded(services: Services, caller: Caller) -> None:
    before = await account_state(services, caller)
    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc", ["permanent"])))
    await send(services, caller)
    assert (await account_state(services, caller))[0] == before[0] - 10_000
    await dispatcher.step()
    [message] = await rows(services, messages)
    assert (message["status"], message["error_code"]) == (FAILED, "ESME_RINVDSTADR")
    assert await account_state(services, caller) == before
    push = json.loads((await rows(services, pushes))[0]["body"])
    assert push["status"] == 1 and push["pricedetail"]["pay"] == "0.000000"


async def test_a_lease_hides_a_claimed_message_until_it_expires(services: Services, caller: Caller) -> None:
    from switchboard.store import delivery

    await send(services, caller)
    now = services.clock.now()
    async with services.db.write() as conn:
        assert len(await delivery.claim_due(conn, now=now, lease=timedelta(seconds=60), limit=10)) == 1
        assert await delivery.claim_due(conn, now=now, lease=timedelta(seconds=60), limit=10) == []
    services.clock.advance(61)  # type: ignore[attr-defined]
    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc")))
    assert await dispatcher.step() == 1, "the dead worker's message is claimed again"


async def test_no_receipt_within_the_validity_period_expires_the_message(services: Services, caller: Caller) -> None:
    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc")))
    await send(services, caller)
    await dispatcher.step()
    assert await expire_stale(services, validity=timedelta(hours=48)) == 0
    services.clock.advance(48 * 3600 + 1)  # type: ignore[attr-defined]
    assert await expire_stale(services, validity=timedelta(hours=48)) == 1
    [message] = await rows(services, messages)
    assert message["status"] == "expired"
    assert json.loads((await rows(services, pushes))[0]["body"])["status"] == 2


async def test_a_failing_push_is_retried_with_back_off_and_every_attempt_recorded(
    services: Services, caller: Caller
) -> None:
    from switchboard.store import pushes as push_store

    dispatcher = Dispatcher(services, carrier_set(services, FakeConnector("smsc", ["permanent"])))
    await send(services, caller)
    await dispatcher.step()
    recorder = PushRecorder([500, 503])
    sender = PushSender(services, poster=recorder)
    assert await sender.step() == 1
    assert await sender.step() == 0, "not due again before its back-off"
    services.clock.advance(13)  # type: ignore[attr-defined]
    assert await sender.step() == 1
    services.clock.advance(30)  # type: ignore[attr-defined]
    assert await sender.step() == 1
    await sender.close()
    [push] = await rows(services, pushes)
    assert push["status"] == "delivered" and push["attempts"] == 3
    async with services.db.read() as conn:
        attempts = await push_store.attempts_of(conn, push["id"])
    assert [a["http_status"] for a in attempts] == [500, 503, 200]


async def test_inbound_sms_reaches_the_app_owning_the_number(services: Services, caller: Caller) -> None:
    from switchboard.store import inbound

    async with services.db.write() as conn:
        await inbound.assign_number(conn, "447700900123", caller.apps["sms"], services.clock.now())
    events = DeliveryEvents(services)
    await events.inbound(InboundSms("sim", "+91 98765 43210", "447700900123", "STOP", services.clock.now()))
    [push] = await rows(services, pushes)
    body = json.loads(push["body"])
    assert (push["kind"], body["mobile"], body["content"], body["sendid"]) == ("inbound", IN, "STOP", "447700900123")
    assert body["reply_time"] == "2026-11-29 12:00:00"


async def test_a_reply_without_an_assigned_number_goes_to_the_app_that_last_wrote(
    services: Services, caller: Caller
) -> None:
    await send(services, caller)
    events = DeliveryEvents(services)
    await events.inbound(InboundSms("sim", IN, "ACME", "yes", services.clock.now()))
    assert json.loads((await rows(services, pushes))[0]["body"])["content"] == "yes"


async def test_parts_are_recorded_per_carrier_id(services: Services, caller: Caller) -> None:
    await send(services, caller, content="y" * 200)
    await Dispatcher(services, carrier_set(services, FakeConnector("smsc", parts=2))).step()
    assert [(p["part"], p["carrier_key"]) for p in await rows(services, message_parts)] == [
        (1, "smsc-1"),
        (2, "smsc-2"),
    ]


async def test_a_held_receipt_whose_part_appeared_meanwhile_is_applied_by_the_sweep(
    services: Services, caller: Caller
) -> None:
    """On PostgreSQL a receipt can be held while the submit result that names it commits unseen by it."""
    from switchboard.services.delivery import reapply_early_receipts
    from switchboard.store import delivery

    await send(services, caller)
    await Dispatcher(services, carrier_set(services, FakeConnector("smsc"))).step()
    async with services.db.write() as conn:  # the race's outcome: a held receipt for an existing part
        await delivery.save_early_receipt(
            conn, carrier="smsc", key="smsc-1", state=DELIVERED, error="", now=services.clock.now()
        )
    assert (await rows(services, messages))[0]["status"] == "submitted"
    assert await reapply_early_receipts(services, give_up_after=timedelta(hours=48)) == 1
    assert (await rows(services, messages))[0]["status"] == DELIVERED
    assert await reapply_early_receipts(services, give_up_after=timedelta(hours=48)) == 0


async def test_held_receipts_for_unknown_ids_are_dropped_after_the_validity(services: Services) -> None:
    from switchboard.services.delivery import reapply_early_receipts
    from switchboard.store import delivery
    from switchboard.store.tables import early_receipts

    async with services.db.write() as conn:
        await delivery.save_early_receipt(
            conn, carrier="x", key="404", state=DELIVERED, error="", now=services.clock.now()
        )
    assert await reapply_early_receipts(services, give_up_after=timedelta(seconds=60)) == 0
    assert len(await rows(services, early_receipts)) == 1
    services.clock.advance(61)  # type: ignore[attr-defined]
    await reapply_early_receipts(services, give_up_after=timedelta(seconds=60))
    assert await rows(services, early_receipts) == []


async def test_the_held_receipt_sweep_and_a_submit_record_never_deadlock(services: Services) -> None:
    """The submit recorder holds the matching lock, then deletes the held receipts it names; the sweep must take
    that lock before it locks held rows (it took them the other way round: PostgreSQL aborted one of the two
    after its 1 s deadlock timeout, stalling dispatch)."""
    from switchboard.services.delivery import reapply_early_receipts
    from switchboard.store import delivery

    if not services.db.dialect.startswith("postgres"):
        pytest.skip("SQLite's single writer serialises them")
    async with services.db.write() as conn:
        await delivery.save_early_receipt(
            conn, carrier="smsc", key="77", state=DELIVERED, error="", now=services.clock.now()
        )
    async with services.db.write() as recorder:
        await delivery.lock_receipt_matching(recorder)
        sweep = asyncio.create_task(reapply_early_receipts(services, give_up_after=timedelta(hours=48)))
        await asyncio.sleep(0.3)  # the sweep is now waiting (for the lock, or, before the fix, holding the row)
        taken = await asyncio.wait_for(delivery.take_early_receipts_many(recorder, [("smsc", "77")]), 3)
        assert [t["carrier_key"] for t in taken] == ["77"]
    assert await asyncio.wait_for(sweep, 5) == 0
