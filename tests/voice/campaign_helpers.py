"""Helpers of the group-call task tests: a task body, the money check, the task's rows, a runner with an engine."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.store import tenants
from switchboard.store.campaign_tables import voice_campaign_numbers, voice_campaigns
from switchboard.store.voice_tables import voice_calls
from switchboard.workers.campaigns import CampaignRunner
from switchboard.workers.voice import TrunkSet, VoiceEngine
from tests.conftest import Caller
from tests.fakes.voice_trunk import FakeTrunk
from tests.voice.conftest import call_api

OPENING = 100_000_000  # the caller's 100.00


def task(caller: Caller, file_id: str, numbers: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "appId": caller.apps["voice"],
        "taskName": "spring promo",
        "numberList": numbers,
        "source": 1,
        "voiceFileId": file_id,
        "loopCount": 1,
        "maxCalls": 60,
        **fields,
    }


async def send_b(client: httpx.AsyncClient, caller: Caller, path: str, body: dict[str, Any] | None = None) -> Any:
    """A group-call request; checks envelope B."""
    answer = await call_api(client, caller, path, body)
    assert set(answer) == {"code", "msg", "data", "status", "reason"}, answer
    assert (answer["status"], answer["reason"]) == (answer["code"], answer["msg"]), answer
    return answer


async def balance(services: Services, account_id: int) -> int:
    """The balance, after checking that the ledger equals it."""
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        assert account is not None
        assert await tenants.ledger_totals(conn, account_id) == (account.balance, account.gift)
        return account.balance


async def task_row(services: Services, campaign_id: int) -> dict[str, Any]:
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(voice_campaigns).where(voice_campaigns.c.id == campaign_id))).first()
    assert row is not None
    return dict(row._mapping)


async def number_rows(services: Services, campaign_id: int) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            sa.select(voice_campaign_numbers)
            .where(voice_campaign_numbers.c.campaign_id == campaign_id)
            .order_by(voice_campaign_numbers.c.seq)
        )
        return [dict(r._mapping) for r in rows]


async def call_rows(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(voice_calls).order_by(voice_calls.c.id))]


class Rig:
    """The campaign runner and a voice engine over fake trunks, stepped together."""

    def __init__(self, services: Services, *trunks: FakeTrunk, cps: int = 1000, concurrent: int = 50) -> None:
        self.services = services
        self.trunk_set = TrunkSet(services, {t.name: (t, cps, concurrent) for t in trunks})
        self.runner = CampaignRunner(services)
        self.engine: VoiceEngine | None = None

    async def start(self) -> Rig:
        await self.trunk_set.start()
        self.engine = VoiceEngine(self.services, self.trunk_set)
        return self

    async def step(self) -> int:
        assert self.engine is not None
        return await self.runner.step() + await self.engine.step()

    async def run_until(self, campaign_id: int, status: int, timeout: float = 20.0) -> dict[str, Any]:
        assert self.engine is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.step()
            row = await task_row(self.services, campaign_id)
            if row["status"] == status and not self.engine.active:
                await self.runner.step()  # the last SMS
                return await task_row(self.services, campaign_id)
            await asyncio.sleep(0.005)
        raise AssertionError(f"task {campaign_id} did not reach status {status}")

    async def stop(self) -> None:
        if self.engine is not None:
            await self.engine.stop()
        await self.trunk_set.stop()
