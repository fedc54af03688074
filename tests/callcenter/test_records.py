"""Call records (C17) on both databases: every filter, masked numbers (encryptNumber), hidden recordings
(displaySwitch), window refusals, written once, and never another account's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from switchboard.domain.callcenter.outcomes import CallType, Direction, Outcome, Reason
from switchboard.services.callcenter.records import Records
from switchboard.services.context import Services
from tests.callcenter.conftest import Cc

DAY = datetime(2026, 11, 29, 10, 0, tzinfo=UTC).timestamp()
WINDOW = {"startTime": "2026-11-29 00:00:00", "endTime": "2026-11-29 23:59:59"}


def outcome(n: int, **over: Any) -> Outcome:
    values: dict[str, Any] = {
        "call_id": f"rec-{n}",
        "call_type": CallType.INBOUND,
        "number": f"44207000000{n}",
        "reason": Reason.INBOUND_HUNG_UP,
        "direction": Direction.CUSTOMER,
        "started": DAY + 60 * n,
        "answered": DAY + 60 * n,
        "connected": DAY + 60 * n + 5,
        "ended": DAY + 60 * n + 50,
    }
    values.update(over)
    return Outcome(**values)


@pytest.fixture
async def filled(cc: Cc, services: Services) -> dict[str, int]:
    support, sales = await cc.group("Support desk"), await cc.group("Sales desk")
    first, second = await cc.agents(support, 2)
    account = cc.caller.new.account.id
    records = Records(services)
    support_ctx = {"group_id": support, "group_name": "Support desk", "called": "442071234567", "ccode": "44"}
    await records.write(account, outcome(1, agent_id=first, labels=("vip",)), {**support_ctx, "agent_name": "Ann"})
    await records.write(
        account,
        outcome(2, agent_id=second, direction=Direction.AGENT, labels=("complaint", "vip")),
        {**support_ctx, "agent_name": "Bo"},
    )
    await records.write(
        account,
        outcome(3, reason=Reason.INBOUND_NOT_ANSWERED, direction=Direction.SYSTEM, connected=None),
        support_ctx,
    )
    await records.write(
        account,
        outcome(
            4,
            call_type=CallType.GROUP_CALL,
            number="919876543210",
            reason=Reason.OUTBOUND_NOT_ANSWERED,
            direction=Direction.SYSTEM,
            answered=None,
            connected=None,
        ),
        {"group_id": sales, "group_name": "Sales desk", "caller": "12025550100", "ccode": "91", "task_id": 9},
    )
    return {"support": support, "sales": sales, "first": first, "second": second}


async def ids(cc: Cc, **params: Any) -> list[str]:
    page = await cc.ok("/record/query", {"current": 1, "size": 100, "params": {**WINDOW, **params}})
    return [r["callId"] for r in page["records"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, ["rec-1", "rec-2", "rec-3", "rec-4"], id="all"),
        pytest.param({"sipGroupName": "Sales desk"}, ["rec-4"], id="group-name"),
        pytest.param({"seatNameList": ["Bo"]}, ["rec-2"], id="agent-name"),
        pytest.param({"callType": [1]}, ["rec-4"], id="call-type"),
        pytest.param({"hangupReason": [8, 0]}, ["rec-3", "rec-4"], id="reason"),
        pytest.param({"hangingDirection": [1]}, ["rec-2"], id="direction"),
        pytest.param({"calledOrCaller": "919876543210"}, ["rec-4"], id="called"),
        pytest.param({"calledOrCaller": "442070000003"}, ["rec-3"], id="caller"),
        pytest.param({"ccode": ["91"]}, ["rec-4"], id="ccode"),
        pytest.param({"labelNames": ["vip"]}, ["rec-1", "rec-2"], id="label"),
        pytest.param({"labelNames": ["complaint", "nothing"]}, ["rec-2"], id="labels-any-of"),
        pytest.param({"startTime": "2026-11-29T10:02:30+00:00"}, ["rec-3", "rec-4"], id="iso-start"),
    ],
)
async def test_every_filter(cc: Cc, filled: dict[str, int], params: dict[str, Any], expected: list[str]) -> None:
    assert await ids(cc, **params) == expected


async def test_filters_by_group_and_agent_ids(cc: Cc, filled: dict[str, int]) -> None:
    assert await ids(cc, voiceGroupId=filled["sales"]) == ["rec-4"]
    assert await ids(cc, seatId=[filled["first"]]) == ["rec-1"]


async def test_a_record_shows_its_call(cc: Cc, filled: dict[str, int]) -> None:
    page = await cc.ok("/record/query", {"current": 1, "size": 1, "params": WINDOW})
    assert (page["total"], page["pages"]) == (4, 4)
    [first] = page["records"]
    assert (first["caller"], first["called"], first["seatName"], first["labelNames"]) == (
        "442070000001",
        "442071234567",
        "Ann",
        ["vip"],
    )
    assert (first["waitTime"], first["callDuration"], first["hangupReason"], first["callType"]) == (5, 45, 9, 2)
    assert (first["startTime"], first["answerTime"], first["endTime"]) == (
        "2026-11-29 10:01:00",
        "2026-11-29 10:01:05",
        "2026-11-29 10:01:50",
    )


async def test_numbers_are_masked_when_the_group_encrypts_them(cc: Cc, filled: dict[str, int]) -> None:
    body = {"voiceGroupId": filled["support"], "displaySwitch": 1, "encryptNumber": 0}
    await cc.ok("/seatGroup/basicSetting", body)
    page = await cc.ok("/record/query", {"current": 1, "size": 100, "params": WINDOW})
    by_id = {r["callId"]: r for r in page["records"]}
    assert by_id["rec-1"]["caller"] == "4420****0001" and "*" in by_id["rec-1"]["called"]
    assert by_id["rec-4"]["called"] == "919876543210"  # another group, not masked
    assert by_id["rec-1"]["voiceUrl"] == ""


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"startTime": "2026-01-01 00:00:00"}, "-76", id="over-93-days"),
        pytest.param({"startTime": "2026-11-30 00:00:00"}, "-25", id="start-after-end"),
        pytest.param({"startTime": None}, "-22", id="start-missing"),
        pytest.param({"endTime": "yesterday"}, "-22", id="bad-time"),
        pytest.param({"sipGroupName": "x" * 51}, "-46", id="group-name-too-long"),
        pytest.param({"callType": [4]}, "-22", id="call-type"),
        pytest.param({"hangupReason": [10]}, "-22", id="reason"),
        pytest.param({"labelNames": [{"a": 1}]}, "-22", id="labels"),
    ],
)
async def test_query_refusals(cc: Cc, params: dict[str, Any], code: str) -> None:
    assert await cc.status("/record/query", {"current": 1, "size": 10, "params": {**WINDOW, **params}}) == code


async def test_a_record_is_written_once(cc: Cc, services: Services, filled: dict[str, int]) -> None:
    assert not await Records(services).write(cc.caller.new.account.id, outcome(1), {})
    assert len(await ids(cc)) == 4


async def test_another_account_sees_none_of_them(cc: Cc, other: Cc, filled: dict[str, int]) -> None:
    assert await ids(other) == []
    assert await ids(other, voiceGroupId=filled["support"]) == []
    ring = await other.client.get("/v3/cc/seatGroup/ring", params={"fileName": "x.mp3"}, headers=other.caller.headers())
    assert ring.json()["status"] == "-24"


async def test_the_voice_side_query_answers_the_same_records_with_voice_codes(cc: Cc, filled: dict[str, int]) -> None:
    async def voice(prefix: str, **params: Any) -> dict[str, Any]:
        body = {"current": 1, "size": 100, "params": params}
        answer = await cc.client.post(f"{prefix}/ccRecordQuery", headers=cc.caller.headers(), json=body)
        result: dict[str, Any] = answer.json()
        return result

    window = {"strTime": "2026-11-29T00:00:00+00:00", "endTime": "2026-11-29T23:59:59+00:00"}
    for prefix in ("/v3/voice", "/voice"):
        found = await voice(prefix, **window, callType=[2], labelNames=["vip"])
        assert found["status"] == "0"
        assert [r["callId"] for r in found["data"]["records"]] == ["rec-1", "rec-2"]
    assert (await voice("/v3/voice", strTime="2026-10-01 00:00:00", endTime="2026-11-29 00:00:00"))["status"] == "-25"
    assert (await voice("/v3/voice", strTime="2026-08-01 00:00:00", endTime="2026-08-02 00:00:00"))["status"] == "-25"
    assert (await voice("/v3/voice", **window, sipGroupName="x" * 51))["status"] == "-22"
    assert (await voice("/v3/voice", endTime="2026-11-29 00:00:00"))["status"] == "-22"
