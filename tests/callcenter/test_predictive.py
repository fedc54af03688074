"""The issue's predictive acceptance case, through the service and the database: 200 callees, 5 simulated
agents, 40% of callees answer. No answered callee waits longer than the group's limit for an agent, abandoned
calls are counted, every callee ends in exactly one final state, and each call is a C17 record."""

from __future__ import annotations

import random

import sqlalchemy as sa

from switchboard.domain.callcenter.agents import Status
from switchboard.domain.callcenter.dialer import ABANDONED, CONNECTED, FINAL_STATES
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.dialer import TaskRun
from switchboard.services.context import Services
from switchboard.store.cc_tables import cc_callees, cc_records
from tests.callcenter import files
from tests.callcenter.conftest import Cc
from tests.fakes.cc_legs import FakeLegs, Script
from tests.fakes.clock import FakeClock

CALLEES, AGENTS, WAIT_LIMIT = 200, 5, 8


def scripts(numbers: list[str]) -> dict[str, Script]:
    chance = random.Random(20261205)
    answering = set(chance.sample(numbers, k=len(numbers) * 40 // 100))
    found = {}
    for number in numbers:
        if number in answering:
            patience = chance.choice([None, None, None, 4.0])
            found[number] = Script(answer_after=chance.uniform(3, 20), talk=chance.uniform(20, 90), patience=patience)
        else:
            found[number] = Script(busy=chance.random() < 0.2)
    return found


async def test_predictive_group_call(cc: Cc, services: Services, clock: FakeClock, cc_rate: None) -> None:
    group_id = await cc.group()
    settings = {"voiceGroupId": group_id, "wrapUpTime": 5, "timeoutWaitSec": WAIT_LIMIT, "displaySwitch": 0}
    await cc.ok("/seatGroup/basicSetting", {**settings, "encryptNumber": 1})
    agents = await cc.agents(group_id, AGENTS)
    for agent in agents:
        await Agents(services).set_state(cc.caller.new.account.id, agent, Status.IDLE)
    rows = files.callees(CALLEES)
    path = (await cc.ok("/preview/upload", {"fileName": "c.csv", "file": files.b64(files.csv_bytes(rows))}))["filePath"]
    body = {"filePath": path, "fileName": "c.csv", "type": 1, "voiceGroupId": group_id, "appId": cc.app}
    task_id = await cc.ok("/preview/submitTask", {**body, "calloutRate": 2, "maxRingingTime": 30})

    legs = FakeLegs(clock, scripts([r[0] for r in rows[1:]]))
    run = TaskRun(services, legs, task_id)
    await run.start()
    for _ in range(20_000):
        clock.advance(1)
        await run.step()
        if run.done:
            break
    assert run.done
    clock.advance(5)  # the last wrap-up ends
    await run.step()

    async with services.db.read() as conn:
        states = [r[0] for r in await conn.execute(sa.select(cc_callees.c.state))]
        records = [dict(r._mapping) for r in await conn.execute(sa.select(cc_records))]
    assert len(states) == CALLEES and set(states) <= set(FINAL_STATES)
    assert len(records) == CALLEES and len({r["called"] for r in records}) == CALLEES  # one final record each
    answered = [r for r in records if r["answer_at"] is not None]
    assert answered and all(r["wait_seconds"] <= WAIT_LIMIT for r in answered)
    assert len(legs.dialed) == CALLEES and len(legs.answered_at) == sum(1 for r in answered)
    connected = states.count(CONNECTED)
    abandoned = states.count(ABANDONED)
    assert connected + abandoned == len(legs.answered_at) and connected == len(legs.bridged)
    assert abandoned > 0  # two callees per agent at 40%: some find nobody free
    assert all(r["agent_id"] is not None for r in records if r["hangup_reason"] == 3)

    [task] = (await cc.page("/preview/query", taskId=task_id))["records"]
    assert (task["taskStatus"], task["finishFlag"], task["remainCount"]) == (12, 1, 0)
    assert (task["connectedCount"], task["abandonedCount"]) == (connected, abandoned)
    window = {"startTime": "2026-11-29 00:00:00", "endTime": "2026-11-30 23:59:59"}
    page = await cc.ok("/record/query", {"current": 1, "size": 10, "params": {**window, "callType": [1]}})
    assert page["total"] == CALLEES
    page = await cc.ok("/record/query", {"current": 1, "size": 10, "params": {**window, "hangupReason": [3]}})
    assert page["total"] == connected
    seats = await cc.ok(
        "/seat/query",
        {"current": 1, "size": 10, "params": {"strTime": window["startTime"], "endTime": window["endTime"]}},
    )
    assert sum(s["callCount"] for s in seats["records"]) == connected
    assert {s["status"] for s in seats["records"]} == {2}  # all idle again after wrap-up
