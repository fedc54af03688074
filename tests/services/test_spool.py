"""Carrier events the database refuses are spooled to disk and replayed (smpp34 has acknowledged them already)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from switchboard.connectors.sms.base import DELIVERED, InboundSms, Receipt
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents, Dispatcher
from switchboard.services.spool import Spool, decode, encode
from switchboard.store import inbound as inbound_store
from switchboard.store.tables import inbound_messages, messages
from tests.conftest import Caller
from tests.fakes.connector import FakeConnector
from tests.services.test_delivery import carrier_set, rows, send


def refusing(monkeypatch: pytest.MonkeyPatch, services: Services) -> None:
    @asynccontextmanager
    async def broken() -> AsyncIterator[Any]:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("disk I/O error"))
        yield  # pragma: no cover

    monkeypatch.setattr(services.db, "write", broken)


def test_events_survive_the_round_trip_through_a_line(services: Services) -> None:
    receipt = Receipt("smsc", "0A1B", "failed", "UNDELIV", services.clock.now())
    mo = InboundSms("smsc", "919876543210", "447700900123", "héllo ✓", services.clock.now(), "mo-1")
    assert decode(encode(receipt)) == receipt
    assert decode(encode(mo)) == mo


async def test_a_receipt_the_database_refuses_is_spooled_then_replayed(
    services: Services, caller: Caller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from switchboard.services.catalog import Catalog, RateInput

    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])
    await send(services, caller)
    await Dispatcher(services, carrier_set(services, FakeConnector("smsc"))).step()
    spool = Spool(tmp_path)
    events = DeliveryEvents(services, spool=spool)
    with monkeypatch.context() as patch:
        refusing(patch, services)
        await events.receipt(Receipt("smsc", "smsc-1", DELIVERED))  # answered: the carrier is acknowledged
        assert spool.pending() == 1 and events.counters["spooled"] == 1
        assert await events.replay_spool() == 0, "still refused: kept"
        assert spool.pending() == 1
    assert (await rows(services, messages))[0]["status"] == "submitted"
    fresh = DeliveryEvents(services, spool=Spool(tmp_path))  # e.g. after a restart
    assert await fresh.replay_spool() == 1
    assert (await rows(services, messages))[0]["status"] == DELIVERED
    assert spool.pending() == 0 and await fresh.replay_spool() == 0


async def test_an_inbound_message_is_spooled_and_replayed_and_bad_lines_set_aside(
    services: Services, caller: Caller, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with services.db.write() as conn:
        await inbound_store.assign_number(conn, "447700900123", caller.apps["sms"], services.clock.now())
    spool = Spool(tmp_path)
    events = DeliveryEvents(services, spool=spool)
    mo = InboundSms("smsc", "919876543210", "447700900123", "STOP", services.clock.now(), "mo-1")
    with monkeypatch.context() as patch:
        refusing(patch, services)
        await events.inbound(mo)
    with spool.path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    assert await events.replay_spool() == 1
    [stored] = await rows(services, inbound_messages)
    assert (stored["content"], stored["app_id"]) == ("STOP", caller.apps["sms"])
    assert spool.pending() == 0
    assert spool.path.with_suffix(".bad").read_text(encoding="utf-8") == "{not json\n"


async def test_without_a_spool_a_refused_event_fails_its_caller(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = DeliveryEvents(services)
    refusing(monkeypatch, services)
    with pytest.raises(OperationalError):
        await events.receipt(Receipt("smsc", "x-1", DELIVERED))
