"""An inbound queue through the service and the database (simulated agents' phones and callers): the strategy
rings the agent it should, an agent who does not answer is skipped after timeoutTransferSec and put on break
after timeoutIdle misses (C13 shows it), the queue wait timeout ends a call with reason 8 by the system, and
each call is a C17 record of type 2."""

from __future__ import annotations

from typing import Any

from switchboard.domain.callcenter.agents import Status
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.inbound import QueueRun
from switchboard.services.context import Services
from tests.callcenter.conftest import Cc
from tests.fakes.cc_legs import FakeAgentPhones
from tests.fakes.clock import FakeClock

WINDOW = {"startTime": "2026-11-29 00:00:00", "endTime": "2026-11-30 00:00:00"}


async def agents_of(cc: Cc, services: Services, group_id: int, size: int) -> list[dict[str, Any]]:
    ids = await cc.agents(group_id, size)
    for agent in ids:
        await Agents(services).set_state(cc.caller.new.account.id, agent, Status.IDLE)
    records = (await cc.page("/seat/query", voiceGroupId=group_id))["records"]
    return [r for r in records if r["keyId"] in ids]


async def run(queue: QueueRun, clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        await queue.step()


async def test_priority_no_answer_break_and_wrap_up(cc: Cc, services: Services, clock: FakeClock) -> None:
    group_id = await cc.group()
    settings = {"callinStrategy": 3, "timeoutTransferSec": 10, "timeoutIdle": 2, "wrapUpTime": 5}
    await cc.ok(
        "/seatGroup/basicSetting", {"voiceGroupId": group_id, **settings, "displaySwitch": 0, "encryptNumber": 1}
    )
    a, b, c = await agents_of(cc, services, group_id, 3)
    priorities = [
        {"keyId": a["keyId"], "priority": 1},
        {"keyId": b["keyId"], "priority": 2},
        {"keyId": c["keyId"], "priority": 3},
    ]
    await cc.ok("/seat/updatePriority", {"voiceGroupId": group_id, "params": priorities})
    phones = FakeAgentPhones(
        clock,
        answer_after={a["account"]: None, b["account"]: 2, c["account"]: 2},
        agent_ids={r["account"]: r["keyId"] for r in (a, b, c)},
    )
    start = clock.time()
    phones.arrive("in-1", "442070000001", "442071234567", start + 1)
    phones.arrive("in-2", "442070000002", "442071234567", start + 20)
    queue = QueueRun(services, phones, cc.caller.new.account.id, group_id)
    await queue.start()
    await run(queue, clock, 90)

    assert phones.rung == [
        ("in-1", a["account"]),  # priority 1 first; it lets the call ring out after 10 s
        ("in-1", b["account"]),
        ("in-2", a["account"]),  # second miss in a row: on break
        ("in-2", c["account"]),  # b is busy (talking, then wrapping up)
    ]
    seats = {r["keyId"]: r for r in (await cc.page("/seat/query", voiceGroupId=group_id))["records"]}
    assert seats[a["keyId"]]["status"] == 5 and seats[b["keyId"]]["status"] == 2
    page = await cc.ok("/record/query", {"current": 1, "size": 10, "params": {**WINDOW, "callType": [2]}})
    by_id = {r["callId"]: r for r in page["records"]}
    assert (by_id["in-1"]["seatId"], by_id["in-1"]["hangupReason"], by_id["in-1"]["waitTime"]) == (b["keyId"], 9, 12)
    assert (by_id["in-1"]["caller"], by_id["in-1"]["called"], by_id["in-1"]["callDuration"]) == (
        "442070000001",
        "442071234567",
        30,
    )
    assert (by_id["in-2"]["seatId"], by_id["in-2"]["hangingDirection"]) == (c["keyId"], 0)


async def test_the_queue_wait_timeout_hangs_up_with_reason_8(cc: Cc, services: Services, clock: FakeClock) -> None:
    group_id = await cc.group("Night desk")
    body = {"voiceGroupId": group_id, "timeoutWaitSec": 20, "displaySwitch": 0, "encryptNumber": 1}
    await cc.ok("/seatGroup/basicSetting", body)
    [agent] = await agents_of(cc, services, group_id, 1)
    await Agents(services).set_state(cc.caller.new.account.id, agent["keyId"], Status.BREAK)
    phones = FakeAgentPhones(clock, answer_after={}, agent_ids={})
    start = clock.time()
    phones.arrive("late", "442070000009", "442071234500", start + 1)
    phones.arrive("gave-up", "442070000008", "442071234500", start + 2, patience=5)
    queue = QueueRun(services, phones, cc.caller.new.account.id, group_id)
    await queue.start()
    await run(queue, clock, 30)
    assert phones.hung_up == ["late"] and phones.rung == []
    page = await cc.ok("/record/query", {"current": 1, "size": 10, "params": {**WINDOW, "hangupReason": [8]}})
    found = {r["callId"]: (r["hangingDirection"], r["waitTime"], r["seatId"]) for r in page["records"]}
    assert found == {"late": (3, 20, None), "gave-up": (0, 5, None)}
