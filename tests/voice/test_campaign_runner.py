"""The campaigns runner with the voice engine over scripted trunks, on SQLite and PostgreSQL: a task runs to
the end with every number final once, the money settled equals the call records, hang-up SMS on the chosen
events, windows with the fake clock, suspend/resume/cancel while calling, resend of the failed numbers, and two
runners at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.services.campaign_changes import CampaignChanges
from switchboard.services.campaigns import CampaignService
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants
from switchboard.store.tables import messages
from switchboard.workers.campaigns import CampaignRunner
from tests.conftest import Caller
from tests.fakes.clock import FakeClock
from tests.fakes.voice_trunk import FakeTrunk, Script
from tests.voice.campaign_helpers import OPENING, Rig, balance, call_rows, number_rows, task, task_row
from tests.voice.conftest import upload

pytestmark = [pytest.mark.usefixtures("voice_rates"), pytest.mark.timeout(90)]

IN_NUMBERS = [f"9198765{i:05d}" for i in range(40)]


def scripts(numbers: list[str]) -> dict[str, Script]:
    """Every 4th busy, every 4th+1 not answered, every 4th+2 answered with key 1, the rest answered."""
    out = {}
    for i, number in enumerate(numbers):
        kind = i % 4
        out[number] = (
            Script(code=486)
            if kind == 0
            else Script(code=480, ring=30)
            if kind == 1
            else Script(talk=12, keys="1")
            if kind == 2
            else Script(talk=3)
        )
    return out


@pytest.fixture
async def file_id(voice_client: httpx.AsyncClient, caller: Caller, tmp_path: Path) -> str:
    return await upload(voice_client, caller, tmp_path, "promo.wav", seconds=1.0)


@pytest.fixture
async def principal(services: Services, caller: Caller) -> Principal:
    async with services.db.read() as conn:
        key = await tenants.get_key(conn, caller.api_key)
        account = await tenants.get_account(conn, caller.new.account.id)
        app = await tenants.get_app(conn, caller.apps["voice"])
    assert key and account and app
    return Principal(key=key, account=account, app=app)


async def sms_rows(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(messages).order_by(messages.c.id))]


async def test_a_task_runs_to_the_end_and_its_money_equals_the_call_records(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    await Catalog(services).set_rates([RateInput("sms", "IN", "0.005")])
    body = task(
        caller,
        file_id,
        IN_NUMBERS,
        numberList=None,
        numberInfoList=[{"calleeNumber": n, "text1": f"N{i}"} for i, n in enumerate(IN_NUMBERS)],
        hangUpSms=1,
        smsAppId=caller.apps["sms"],
        smsContent="Thanks ${text1}, press 1 received",
        feedbackPush=1,
        feedbackValue="1",
        failedPush=1,
    )
    campaign_id = await CampaignService(services).send(principal, body)
    rig = await Rig(services, FakeTrunk("t1", scripts=scripts(IN_NUMBERS))).start()
    try:
        row = await rig.run_until(campaign_id, 2)
    finally:
        await rig.stop()
    numbers = await number_rows(services, campaign_id)
    calls = {c["voice_id"]: c for c in await call_rows(services)}
    assert len(calls) == 40 and all(n["state"] == "done" and n["calls"] == 1 for n in numbers)
    assert {n["voice_id"] for n in numbers} == set(calls)
    assert [n["result"] for n in numbers[:4]] == ["fail", "fail", "success", "success"]
    assert (row["called"], row["success"], row["fail"], row["key_feedback"]) == (40, 20, 20, 10)
    assert row["cost"] == sum(c["cost"] for c in calls.values()) == 20 * 20_000
    # a 1 s file: an answered call lasts at most 2 s (the playback and the second before our BYE)
    assert row["charge_len"] == 20 * 60 and row["call_duration"] == 20 * 2
    assert (row["pool"], row["reserved"], row["finished_at"] is not None) == (0, 40 * 20_000, True)
    # hang-up SMS: one per failed call (20) and per key 1 (10), each linked from its number
    sent = [n for n in numbers if n["sms"] == "sent"]
    assert len(sent) == 30 == row["sms_sent"]
    sms = {m["msg_id"]: m for m in await sms_rows(services)}
    assert {n["sms_msg_id"] for n in sent} == set(sms)
    assert sms[numbers[2]["sms_msg_id"]]["content"] == "Thanks N2, press 1 received"
    assert all(n["sms"] is None for n in numbers if n["result"] == "success" and "1" not in n["keys"])
    # the account paid exactly the calls and the SMS
    assert await balance(services, caller.new.account.id) == OPENING - row["cost"] - 30 * 5_000
    detail = await CampaignService(services).detail(principal, str(campaign_id))
    assert (detail["rate"], detail["success"], detail["fail"], detail["keyFeedbackNum"], detail["acd"]) == (
        "100.00%",
        20,
        20,
        10,
        2,
    )
    assert (detail["callLossNum"], detail["successRate"], detail["smsNum"], detail["status"]) == (20, "50.00%", 30, 2)


async def test_a_success_sms_needs_the_talk_time(
    services: Services, caller: Caller, principal: Principal, voice_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    file_id = await upload(voice_client, caller, tmp_path, "long.wav", seconds=20.0)
    await Catalog(services).set_rates([RateInput("sms", "IN", "0.005")])
    numbers = IN_NUMBERS[2:4]  # talk 12 s and 3 s
    body = task(
        caller,
        file_id,
        numbers,
        hangUpSms=1,
        smsAppId=caller.apps["sms"],
        smsContent="hello",
        successPush=1,
        successPushTime=10,
    )
    campaign_id = await CampaignService(services).send(principal, body)
    rig = await Rig(services, FakeTrunk("t1", scripts=scripts(IN_NUMBERS))).start()
    try:
        await rig.run_until(campaign_id, 2)
    finally:
        await rig.stop()
    assert [n["sms"] for n in await number_rows(services, campaign_id)] == ["sent", None]


async def test_a_task_waits_for_its_window_in_the_account_zone_and_pauses_at_its_end(
    services: Services, caller: Caller, principal: Principal, file_id: str, clock: FakeClock
) -> None:
    await Tenancy(services).set_timezone(caller.new.account.id, "Asia/Kolkata")
    principal = Principal(key=principal.key, account=await _account(services, caller.new.account.id), app=principal.app)
    clock.set(datetime(2026, 11, 29, 3, 0, tzinfo=UTC))  # 08:30 in Kolkata
    body = task(caller, file_id, IN_NUMBERS, allowSendTime=[{"strTime": "09:00", "endTime": "10:00"}])
    campaign_id = await CampaignService(services).send(principal, body)
    runner = CampaignRunner(services, buffer=10)
    await runner.step()
    assert ((await task_row(services, campaign_id))["status"], len(await call_rows(services))) == (0, 0)
    clock.advance(30 * 60)  # 09:00
    await runner.step()
    assert (await task_row(services, campaign_id))["status"] == 1
    assert len(await call_rows(services)) == 10
    clock.advance(60 * 60)  # 10:00: the window closes; the 10 calls no worker took are taken back
    await runner.step()
    row = await task_row(services, campaign_id)
    assert (row["status"], row["pool"], len(await call_rows(services))) == (0, 40 * 20_000, 0)
    assert {n["state"] for n in await number_rows(services, campaign_id)} == {"pending"}
    clock.advance(23 * 3600)  # 09:00 the next day
    await runner.step()
    assert ((await task_row(services, campaign_id))["status"], len(await call_rows(services))) == (1, 10)
    assert await balance(services, caller.new.account.id) == OPENING - 40 * 20_000


async def test_a_task_with_a_send_time_waits_for_it(
    services: Services, caller: Caller, principal: Principal, file_id: str, clock: FakeClock
) -> None:
    body = task(caller, file_id, IN_NUMBERS[:3], sendTime="2026-11-29 13:00:00")
    campaign_id = await CampaignService(services).send(principal, body)
    runner = CampaignRunner(services)
    await runner.step()
    assert (await task_row(services, campaign_id))["status"] == 0
    clock.advance(3600)
    await runner.step()
    assert (await task_row(services, campaign_id))["status"] == 1 and len(await call_rows(services)) == 3


async def test_suspend_takes_back_waiting_calls_and_resume_finishes_the_task(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    campaign_id = await CampaignService(services).send(principal, task(caller, file_id, IN_NUMBERS))
    runner = CampaignRunner(services, buffer=15)
    await runner.step()
    assert len(await call_rows(services)) == 15
    await CampaignChanges(services).suspend(principal, {"jobIdList": [campaign_id]})
    row = await task_row(services, campaign_id)
    assert (row["status"], row["pool"], len(await call_rows(services))) == (5, 40 * 20_000, 0)
    await runner.step()
    assert len(await call_rows(services)) == 0  # a suspended task places nothing
    await CampaignChanges(services).resume(principal, {"jobIdList": [campaign_id]})
    rig = await Rig(services, FakeTrunk("t1", scripts=scripts(IN_NUMBERS))).start()
    try:
        row = await rig.run_until(campaign_id, 2)
    finally:
        await rig.stop()
    assert (row["called"], row["success"] + row["fail"], row["pool"]) == (40, 40, 0)
    assert len(await call_rows(services)) == 40
    assert await balance(services, caller.new.account.id) == OPENING - row["cost"]


async def test_cancel_while_calling_refunds_the_numbers_not_called(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    campaign_id = await CampaignService(services).send(principal, task(caller, file_id, IN_NUMBERS))
    rig = await Rig(services, FakeTrunk("t1", default=Script(talk=5)), concurrent=5).start()
    rig.runner.buffer = 5
    try:
        await rig.step()
        await rig.step()
        await CampaignChanges(services).cancel(principal, {"jobIdList": [campaign_id]})
        assert rig.engine is not None
        for _ in range(200):
            await rig.step()
            if not rig.engine.active:
                break
            await asyncio.sleep(0.01)
        await rig.runner.step()
    finally:
        await rig.stop()
    row = await task_row(services, campaign_id)
    calls = await call_rows(services)
    assert row["status"] == 4 and 0 < len(calls) < 40 and row["pool"] == 0
    assert all(c["status"] == "done" for c in calls)
    assert await balance(services, caller.new.account.id) == OPENING - sum(c["cost"] for c in calls)


async def test_resend_of_the_failed_numbers_calls_only_them(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    campaign_id = await CampaignService(services).send(principal, task(caller, file_id, IN_NUMBERS[:8]))
    rig = await Rig(services, FakeTrunk("t1", scripts=scripts(IN_NUMBERS))).start()
    try:
        await rig.run_until(campaign_id, 2)
        body = {**task(caller, file_id, [], taskName="second try"), "keyId": campaign_id, "resendType": 1}
        again = await CampaignChanges(services).resend(principal, body)
        await rig.run_until(again, 2)
    finally:
        await rig.stop()
    numbers = await number_rows(services, again)
    assert [n["callee"] for n in numbers] == [IN_NUMBERS[i] for i in (0, 1, 4, 5)]
    assert all(n["result"] == "fail" for n in numbers)
    calls = await call_rows(services)
    assert len(calls) == 12
    assert await balance(services, caller.new.account.id) == OPENING - sum(c["cost"] for c in calls)


async def test_two_runners_never_queue_a_number_twice(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    campaign_id = await CampaignService(services).send(principal, task(caller, file_id, IN_NUMBERS))
    first, second = CampaignRunner(services, buffer=7), CampaignRunner(services, buffer=7)
    for _ in range(4):
        await asyncio.gather(first.step(), second.step(), return_exceptions=True)
    calls = await call_rows(services)
    numbers = await number_rows(services, campaign_id)
    queued = [n for n in numbers if n["state"] == "queued"]
    assert len(calls) == len(queued) == 7  # the buffer is per task, whoever fills it
    assert len({c["callee"] for c in calls}) == len(calls)
    row = await task_row(services, campaign_id)
    assert row["pool"] + sum(c["reserved"] for c in calls) == row["reserved"]


async def _account(services: Services, account_id: int) -> Any:
    async with services.db.read() as conn:
        return await tenants.get_account(conn, account_id)


async def test_a_deleted_file_keeps_its_audio_while_a_task_may_still_play_it(
    services: Services, caller: Caller, principal: Principal, file_id: str
) -> None:
    from switchboard.services.audio import AudioFiles

    campaign_id = await CampaignService(services).send(principal, task(caller, file_id, IN_NUMBERS[:2]))
    await CampaignChanges(services).suspend(principal, {"jobIdList": [campaign_id]})
    files = AudioFiles(services)
    await files.delete(principal, [file_id])
    assert await files.prune() == 0 and files.path(file_id).exists()
    await CampaignChanges(services).cancel(principal, {"jobIdList": [campaign_id]})
    assert await files.prune() == 1 and not files.path(file_id).exists()
