"""The voice worker with scripted trunks, on SQLite and PostgreSQL: billing by block, refunds, pushes,
recalls, failover, routes, caps, lost calls and shutdown."""

from __future__ import annotations

import asyncio
import datetime
import json
import time
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.services.voice import TrunkInput, VoiceAdmin, VoiceService
from switchboard.store import tenants
from switchboard.store import voice as store
from switchboard.store.tables import ledger, pushes
from switchboard.store.voice_tables import voice_calls
from switchboard.workers.voice import TrunkSet, VoiceEngine
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.fakes.voice_trunk import FakeTrunk, Script
from tests.voice.conftest import IN, US

pytestmark = [pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(60)]
CALL_URL = "http://receiver.test/calls"
LEASE = datetime.timedelta(seconds=60)
LONG = "Your verification code is 1 2 3 4. " * 8  # about 16 s of speech: 9 loops pass the 120 s cap


async def engine_with(services: Services, *trunks: FakeTrunk, cps: int = 100, concurrent: int = 10) -> VoiceEngine:
    trunk_set = TrunkSet(services, {t.name: (t, cps, concurrent) for t in trunks})
    await trunk_set.start()
    return VoiceEngine(services, trunk_set)


async def run_until_idle(engine: VoiceEngine, timeout: float = 10.0) -> None:
    """Step the engine until it has nothing claimed or in progress (a deadline in time, not in steps: calls
    last a given time however fast the steps are)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        claimed = await engine.step()
        if not claimed and not engine.active:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the engine did not settle")


async def send_code(services: Services, caller: Caller, **params: Any) -> str:
    principal = await principal_of(services, caller)
    body = {"callee": IN, "text": "Your code is 1 2 3 4", "language": "EN", **params}
    return await VoiceService(services).send_code(principal, body)


async def principal_of(services: Services, caller: Caller) -> Any:
    from switchboard.auth.authenticate import Principal

    async with services.db.read() as conn:
        key = await tenants.get_key(conn, caller.api_key)
        account = await tenants.get_account(conn, caller.new.account.id)
        app = await tenants.get_app(conn, caller.apps["voice"])
    assert key and account and app
    return Principal(key=key, account=account, app=app)


async def call_row(services: Services, voice_id: str) -> dict[str, Any]:
    async with services.db.read() as conn:
        row = await store.get_call(conn, voice_id)
    assert row is not None
    return row


async def money(services: Services, account_id: int) -> tuple[int, int]:
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        assert account is not None
        assert await tenants.ledger_totals(conn, account_id) == (account.balance, account.gift)
        return account.balance, account.gift


async def pushed(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        rows = await conn.execute(sa.select(pushes).order_by(pushes.c.id))
        return [{**dict(r._mapping), "json": json.loads(r.body)} for r in rows]


@pytest.fixture
async def with_call_url(services: Services, caller: Caller) -> None:
    await Tenancy(services).update_app(caller.apps["voice"], call_url=CALL_URL)


@pytest.mark.usefixtures("with_call_url")
@pytest.mark.parametrize(("talk", "blocks"), [(0.4, 1), (59.9, 1), (60.0, 1), (60.2, 2), (119.5, 2), (120.0, 2)])
async def test_an_answered_call_is_charged_by_block_and_the_rest_refunded(
    services: Services, caller: Caller, talk: float, blocks: int
) -> None:
    trunk = FakeTrunk("t1", default=Script(talk=talk, keys="52"))
    start = await money(services, caller.new.account.id)
    voice_id = await send_code(services, caller, text=LONG, loopCount=9, maxDuration=120)
    reserved = start[0] - (await money(services, caller.new.account.id))[0]
    assert reserved == 40_000  # limit 120 s -> two blocks reserved
    engine = await engine_with(services, trunk)
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["status"], row["termination_code"], row["cost"], row["charged_duration"]) == (
        "done",
        "200",
        20_000 * blocks,
        60 * blocks,
    )
    assert row["call_duration"] == min(120, -(-round(talk * 1000) // 1000))
    assert (await money(services, caller.new.account.id))[0] == start[0] - 20_000 * blocks
    (push,) = await pushed(services)
    body = push["json"]
    assert (push["kind"], push["ref"], push["url"]) == ("call", voice_id, CALL_URL)
    assert (body["voiceId"], body["type"], body["terminationCode"], body["feedbackValue"], body["cost"]) == (
        voice_id,
        2,
        "200",
        "5",
        f"0.0{2 * blocks}0000",
    )
    assert (
        body["answerTime"] - body["callTime"] == 1200 and body["billPeriod"] == "60+60" and body["outRecallCount"] == 0
    )
    assert trunk.placed[0].loops == 9 and trunk.placed[0].max_duration == 120.0


@pytest.mark.usefixtures("with_call_url")
async def test_an_unanswered_call_costs_nothing(services: Services, caller: Caller) -> None:
    start = await money(services, caller.new.account.id)
    voice_id = await send_code(services, caller)
    engine = await engine_with(services, FakeTrunk("t1", default=Script(code=486)))
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["termination_code"], row["termination_reason"], row["cost"], row["sip_code"]) == (
        "486",
        "Busy",
        0,
        "486",
    )
    assert await money(services, caller.new.account.id) == start
    async with services.db.read() as conn:
        kinds = [r.kind for r in await conn.execute(sa.select(ledger.c.kind).order_by(ledger.c.id))]
    assert kinds[-2:] == ["debit", "refund"]
    assert (await pushed(services))[0]["json"]["feedbackValue"] == "-1"


async def test_the_block_length_comes_from_the_app_option(services: Services, caller: Caller) -> None:
    async with services.db.write() as conn:
        await tenants.update_app(conn, caller.apps["voice"], options={"bill_block": 30})
    voice_id = await send_code(services, caller, text=LONG, loopCount=9, maxDuration=120)
    engine = await engine_with(services, FakeTrunk("t1", default=Script(talk=31)))
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["bill_block"], row["charged_duration"], row["cost"]) == (30, 60, 40_000)


async def test_gift_money_is_spent_first_and_refunded_to_the_gift(services: Services, caller: Caller) -> None:
    rich = await Tenancy(services).create_account(name="gifted", balance="1", gift="0.05")
    gifted = Caller(new=rich, clock=caller.clock)
    voice_id = await send_code(
        services, gifted, text=LONG, loopCount=9, maxDuration=120
    )  # reserves 0.04, all from the gift
    assert await money(services, rich.account.id) == (1_000_000, 10_000)
    engine = await engine_with(services, FakeTrunk("t1", default=Script(talk=10)))
    await run_until_idle(engine)
    assert (await call_row(services, voice_id))["cost"] == 20_000
    assert await money(services, rich.account.id) == (1_000_000, 30_000)


@pytest.mark.usefixtures("with_call_url")
async def test_recalls_wait_their_interval_and_only_the_last_attempt_is_pushed(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    trunk = FakeTrunk("t1", default=Script(code=480))
    voice_id = await send_code(services, caller, recallCount=2, recallInterval=3)
    engine = await engine_with(services, trunk)
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["status"], row["attempts"], row["termination_code"]) == ("queued", 1, "480")
    assert await pushed(services) == []
    await run_until_idle(engine)
    assert len(trunk.placed) == 1  # not due yet
    clock.advance(180)
    await run_until_idle(engine)
    clock.advance(180)
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["status"], row["attempts"], len(trunk.placed)) == ("done", 3, 3)
    (push,) = await pushed(services)
    assert push["json"]["outRecallCount"] == 2


async def test_failover_to_the_next_trunk_of_the_route(services: Services, caller: Caller) -> None:
    broken = FakeTrunk("broken", default=Script(code=503, failover=True))
    good = FakeTrunk("good")
    admin = VoiceAdmin(services)
    for name in ("broken", "good"):
        await admin.add_trunk(TrunkInput(name))
    await admin.add_route(["broken", "good"], country="IN")
    voice_id = await send_code(services, caller)
    engine = await engine_with(services, broken, good)
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["trunk"], row["termination_code"], len(broken.placed), len(good.placed)) == ("good", "200", 1, 1)


async def test_routes_choose_trunks_and_a_route_without_a_live_trunk_fails(services: Services, caller: Caller) -> None:
    india, usa = FakeTrunk("india"), FakeTrunk("usa")
    admin = VoiceAdmin(services)
    for name in ("india", "usa", "offline"):
        await admin.add_trunk(TrunkInput(name))
    await admin.add_route(["usa"], country="US")
    await admin.add_route(["offline"], prefix="9198765")
    await admin.add_route(["india"], country="IN")
    to_us = await send_code(services, caller, callee=US)
    to_offline = await send_code(services, caller)
    to_india = await send_code(services, caller, callee="919123456789")
    engine = await engine_with(services, india, usa)
    await run_until_idle(engine)
    assert (await call_row(services, to_us))["trunk"] == "usa"
    assert (await call_row(services, to_india))["trunk"] == "india"
    offline = await call_row(services, to_offline)
    assert (offline["termination_code"], offline["termination_reason"], offline["cost"]) == (
        "503",
        "No route to destination",
        0,
    )


async def test_concurrency_and_call_rate_caps_per_trunk(services: Services, caller: Caller) -> None:
    trunk = FakeTrunk("t1", default=Script(wait=0.3))
    for _ in range(6):
        await send_code(services, caller)
    engine = await engine_with(services, trunk, cps=10, concurrent=2)
    await run_until_idle(engine)
    assert trunk.peak == 2 and len(trunk.placed) == 6
    gaps = [b - a for a, b in zip(trunk.started_at, trunk.started_at[1:], strict=False)]
    # the pacer keeps 0.1 s between reservations; each INVITE then waits for its "dialled" mark to commit,
    # whose latency varies by some milliseconds (tens on a loaded PostgreSQL)
    assert min(gaps) >= 0.06 and trunk.started_at[-1] - trunk.started_at[0] >= 0.5


async def test_a_call_claimed_by_a_worker_that_died_before_dialling_is_queued_again_and_placed_once(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    voice_id = await send_code(services, caller)
    async with services.db.write() as conn:
        claimed = await store.claim_due(conn, now=clock.now(), lease=LEASE, limit=10, owner="07:dead")
    assert [c["voice_id"] for c in claimed] == [voice_id]
    trunk = FakeTrunk("t1")
    engine = await engine_with(services, trunk)
    assert await engine.sweep() == 0
    clock.advance(61)
    assert await engine.sweep() == 1
    row = await call_row(services, voice_id)
    assert (row["status"], row["attempts"], row["claimed_by"], row["lease_until"]) == ("queued", 0, None, None)
    await run_until_idle(engine)
    row = await call_row(services, voice_id)
    assert (row["status"], row["attempts"], row["termination_code"]) == ("done", 1, "200")
    assert row["dialed_at"] is not None and len(trunk.placed) == 1


async def test_a_call_dialled_by_a_worker_that_died_ends_as_lost_and_is_refunded(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    start = await money(services, caller.new.account.id)
    voice_id = await send_code(services, caller)
    async with services.db.write() as conn:
        claimed = await store.claim_due(conn, now=clock.now(), lease=LEASE, limit=10, owner="07:dead")
        assert await store.mark_dialing(conn, int(claimed[0]["id"]), "07:dead", clock.now())
    engine = await engine_with(services, FakeTrunk("t1"))
    clock.advance(61)
    assert await engine.sweep() == 1
    row = await call_row(services, voice_id)
    assert (row["status"], row["termination_code"], row["cost"]) == ("done", "500", 0)
    assert await money(services, caller.new.account.id) == start
    await run_until_idle(engine)
    assert engine.trunks.slots["t1"].trunk.placed == []  # type: ignore[attr-defined]


async def test_a_call_is_marked_dialled_once_and_only_by_its_holder(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    await send_code(services, caller)
    async with services.db.write() as conn:
        (row,) = await store.claim_due(conn, now=clock.now(), lease=LEASE, limit=10, owner="01:a")
        assert not await store.mark_dialing(conn, int(row["id"]), "01:b", clock.now())
        assert await store.mark_dialing(conn, int(row["id"]), "01:a", clock.now())
        assert not await store.mark_dialing(conn, int(row["id"]), "01:a", clock.now())


async def test_a_worker_that_lost_its_claim_does_not_dial(services: Services, caller: Caller) -> None:
    trunk = FakeTrunk("t1")
    voice_id = await send_code(services, caller)
    engine = await engine_with(services, trunk)
    async with services.db.write() as conn:
        (row,) = await store.claim_due(conn, now=engine.s.clock.now(), lease=LEASE, limit=10, owner="02:other")
    await engine._call(row, asyncio.Event())
    assert trunk.placed == []
    assert (await call_row(services, voice_id))["status"] == "calling"


async def test_at_start_up_a_node_takes_back_what_its_previous_process_left_calling(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    first, second, third = [await send_code(services, caller) for _ in range(3)]
    engine = await engine_with(services, FakeTrunk("t1"))
    async with services.db.write() as conn:
        rows = await store.claim_due(conn, now=clock.now(), lease=LEASE, limit=2, owner=f"{engine.node}gone")
        await store.claim_due(conn, now=clock.now(), lease=LEASE, limit=1, owner="55:alive")
        assert await store.mark_dialing(conn, int(rows[0]["id"]), f"{engine.node}gone", clock.now())
    assert await engine.reclaim_own() == 2  # no lease had to run out
    statuses = [(await call_row(services, v))["status"] for v in (first, second, third)]
    assert statuses == ["done", "queued", "calling"]  # dialled: lost; never dialled: queued; another node's: kept
    assert (await call_row(services, first))["termination_code"] == "500"


async def test_shutdown_puts_a_ringing_call_back_in_the_queue(services: Services, caller: Caller) -> None:
    trunk = FakeTrunk("t1", default=Script(wait=30))
    voice_id = await send_code(services, caller)
    engine = await engine_with(services, trunk)
    assert await engine.step() == 1
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await engine.stop()
    assert time.monotonic() - started < 2
    row = await call_row(services, voice_id)
    assert (row["status"], row["attempts"], row["lease_until"]) == ("queued", 0, None)


async def test_leases_are_renewed_while_a_call_runs(
    services: Services, caller: Caller, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import switchboard.workers.voice as worker

    monkeypatch.setattr(worker, "RENEW_EVERY", 0.0)
    trunk = FakeTrunk("t1", default=Script(wait=0.5))
    voice_id = await send_code(services, caller)
    engine = await engine_with(services, trunk)
    await engine.step()
    first = (await call_row(services, voice_id))["lease_until"]
    clock.advance(30)
    await engine.step()
    assert (await call_row(services, voice_id))["lease_until"] > first
    await run_until_idle(engine)
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(voice_calls.c.status))).scalar_one() == "done"


async def test_an_account_never_has_more_calls_in_progress_than_its_limit(
    services: Services, caller: Caller, clock: FakeClock
) -> None:
    for _ in range(3):
        await send_code(services, caller)
    lease = LEASE
    async with services.db.write() as conn:
        first = await store.claim_due(conn, now=clock.now(), lease=lease, limit=10, per_account=2)
        assert len(first) == 2
        assert await store.claim_due(conn, now=clock.now(), lease=lease, limit=10, per_account=2) == []
    engine = await engine_with(services, FakeTrunk("t1"))
    clock.advance(61)
    assert await engine.sweep() == 2  # the two calls (their worker "died" before dialling) are queued again
    async with services.db.write() as conn:
        assert len(await store.claim_due(conn, now=clock.now(), lease=lease, limit=10, per_account=2)) == 2
