"""Scheduled sending: money reserved at acceptance, queued at its time, cancellable with a refund."""

from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.sms import Scheduled
from switchboard.store import tenants
from switchboard.store.tables import messages
from tests.conftest import Caller

IN = "919876543210"


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", "0.01")])


async def statuses(services: Services) -> dict[str, str]:
    async with services.db.read() as conn:
        rows = await conn.execute(sa.select(messages.c.msg_id, messages.c.status))
        return {r[0]: r[1] for r in rows}


async def balance(services: Services, account_id: int) -> tuple[int, int]:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        assert account is not None
        assert await tenants.ledger_totals(conn, account_id) == (account.balance, account.gift)
        return account.balance, account.gift


async def test_a_scheduled_message_is_charged_now_and_queued_at_its_time(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    payload = {"appId": caller.apps["sms"], "numbers": IN, "content": "later", "sendTime": "2026-11-29T15:00:00+02:00"}
    answer = (await client.post("/v3/sendSms", headers=caller.headers(), content=json.dumps(payload))).json()
    msg_id = answer["array"][0]["msgId"]
    assert (await statuses(services))[msg_id] == "scheduled"
    assert (await balance(services, caller.new.account.id))[0] == 100_000_000 - 10_000
    scheduled = Scheduled(services)
    caller.clock.advance(59 * 60)  # 12:59 UTC, one minute before 15:00+02:00
    assert await scheduled.promote_due() == 0
    caller.clock.advance(60)
    assert await scheduled.promote_due() == 1
    assert (await statuses(services))[msg_id] == "queued"
    assert await scheduled.promote_due() == 0


async def test_a_get_send_time_with_a_raw_plus_is_understood(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    query = f"appId={caller.apps['sms']}&numbers={IN}&content=hi&sendTime=2026-11-29T21:00:00+08:00"
    answer = (await client.get(f"/v3/sendSms?{query}", headers=caller.headers())).json()
    assert answer["status"] == "0"
    rows = await Scheduled(services).scheduled()
    assert rows[0]["due_at"].isoformat() == "2026-11-29T13:00:00+00:00"


async def test_a_send_time_a_moment_ago_means_now(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    payload = {"appId": caller.apps["sms"], "numbers": IN, "content": "now", "sendTime": "2026-11-29T11:58:00Z"}
    answer = (await client.post("/v3/sendSms", headers=caller.headers(), content=json.dumps(payload))).json()
    assert (await statuses(services))[answer["array"][0]["msgId"]] == "queued"


async def test_cancelling_refunds_to_the_buckets_paid_from_and_only_once(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    from switchboard.services.tenancy import Tenancy

    account = await Tenancy(services).create_account(name="g", balance="1", gift="0.015")
    giver = Caller(new=account, clock=caller.clock)
    payload = {"appId": giver.apps["sms"], "numbers": f"{IN},{IN}", "content": "x", "sendTime": "2026-11-30T12:00:00Z"}
    answer = (await client.post("/v3/sendSms", headers=giver.headers(), content=json.dumps(payload))).json()
    ids = [a["msgId"] for a in answer["array"]]
    assert await balance(services, account.account.id) == (995_000, 0)
    assert await Scheduled(services).cancel(ids) == ids
    assert await balance(services, account.account.id) == (1_000_000, 15_000)
    assert await Scheduled(services).cancel(ids) == []
    assert await balance(services, account.account.id) == (1_000_000, 15_000)
    assert set((await statuses(services)).values()) == {"cancelled"}


async def test_a_large_scheduled_send_is_promoted_in_batches(
    client: httpx.AsyncClient, caller: Caller, services: Services
) -> None:
    numbers = ",".join(f"9198765{i:05d}" for i in range(7))
    payload = {
        "appId": caller.apps["sms"],
        "numbers": numbers,
        "content": "later",
        "sendTime": "2026-11-29T15:00:00+02:00",
    }
    answer = (await client.post("/v3/sendSms", headers=caller.headers(), content=json.dumps(payload))).json()
    assert answer["success"] == "7"
    caller.clock.advance(60 * 60)
    assert await Scheduled(services).promote_due(batch=3) == 7  # 3 + 3 + 1, each its own transaction
    assert set((await statuses(services)).values()) == {"queued"}
