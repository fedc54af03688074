"""Team leaders (C8-C11) and agents (C12-C16) on both databases: generated accounts and sealed passwords,
edits, enable/disable/delete, priorities, statistics, refusals and tenancy."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.domain.callcenter.agents import Status
from switchboard.services.callcenter.agents import Agents
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.cc_tables import cc_agents, cc_leaders
from tests.callcenter.conftest import Cc


async def test_a_team_leader_is_created_listed_edited_disabled_and_deleted(cc: Cc, services: Services) -> None:
    group_id = await cc.group()
    key = await cc.ok("/teamleader/add", {"name": "Lead Ann", "petName": "Ann", "voiceGroupIdList": [group_id]})
    [row] = (await cc.page("/teamleader/query"))["records"]
    assert (row["keyId"], row["name"], row["petName"], row["enable"], row["empNo"]) == (key, "Lead Ann", "Ann", 0, "1")
    assert (row["voiceGroupIdList"], row["voiceGroupNameList"]) == ([group_id], ["Support desk"])
    assert len(row["account"]) == 10 and len(row["password"]) == 16
    assert row["customerId"] == cc.caller.new.account.id
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(cc_leaders.c.password_enc))).scalar_one()
    assert row["password"] not in stored  # sealed, not kept in clear
    edit = {"keyId": key, "empNo": "77", "name": "Lead Bea", "password": "Secret99", "voiceGroupIdList": []}
    await cc.ok("/teamleader/update", edit)
    [row] = (await cc.page("/teamleader/query", name="Bea"))["records"]
    assert (row["empNo"], row["password"], row["voiceGroupIdList"], row["petName"]) == ("77", "Secret99", [], "")
    await cc.ok("/teamleader/batchUpdateStatus", {"type": 3, "idList": [key]})
    assert (await cc.page("/teamleader/query", enable=1))["total"] == 1
    assert (await cc.page("/teamleader/query", enable=0))["total"] == 0
    await cc.ok("/teamleader/batchUpdateStatus", {"type": 4, "idList": [key]})
    assert (await cc.page("/teamleader/query", enable=0))["total"] == 1
    await cc.ok("/teamleader/batchUpdateStatus", {"type": 2, "idList": [key]})
    assert (await cc.page("/teamleader/query"))["total"] == 0


async def test_team_leader_refusals(cc: Cc, other: Cc) -> None:
    group_id = await cc.group()
    foreign = await other.group("Their desk")
    key = await cc.ok("/teamleader/add", {"name": "Lead Ann"})
    second = await cc.ok("/teamleader/add", {"name": "Lead Bob"})
    assert await cc.status("/teamleader/add", {"name": "Lead Ann"}) == "-33"
    assert await cc.status("/teamleader/add", {"name": "abc"}) == "-22"
    assert await cc.status("/teamleader/add", {"name": "Lead Cy", "petName": "x" * 21}) == "-22"
    assert await cc.status("/teamleader/add", {"name": "Lead Cy", "voiceGroupIdList": [foreign]}) == "-37"
    base = {"keyId": key, "empNo": "5", "name": "Lead Ann", "voiceGroupIdList": [group_id]}
    assert await cc.status("/teamleader/update", {**base, "name": "Lead Bob"}) == "-33"
    assert await cc.status("/teamleader/update", {**base, "keyId": second, "name": "Lead Bob"}) == "0"
    assert await cc.status("/teamleader/update", {**base, "empNo": "5"}) == "-34"
    assert await cc.status("/teamleader/update", {**base, "empNo": "1234567890123"}) == "-22"
    assert await cc.status("/teamleader/update", {**base, "password": "no spaces!"}) == "-64"
    assert await cc.status("/teamleader/update", {**base, "voiceGroupIdList": [foreign]}) == "-37"
    assert await cc.status("/teamleader/batchUpdateStatus", {"type": 1, "idList": [key]}) == "-22"
    assert await cc.status("/teamleader/batchUpdateStatus", {"type": 2, "idList": []}) == "-22"
    theirs = await other.ok("/teamleader/add", {"name": "Lead Zed"})
    assert await cc.status("/teamleader/batchUpdateStatus", {"type": 2, "idList": [key, theirs]}) == "-24"
    assert await cc.status("/teamleader/update", {**base, "keyId": theirs, "empNo": "9"}) == "-24"
    assert (await cc.page("/teamleader/query"))["total"] == 2
    assert [r["name"] for r in (await other.page("/teamleader/query"))["records"]] == ["Lead Zed"]


async def test_agents_are_made_with_sip_accounts_and_sealed_passwords(cc: Cc, services: Services) -> None:
    group_id = await cc.group()
    made = await cc.ok("/seat/addSeatList", {"voiceGroupId": group_id, "size": 3, "displayNum": "12025550100"})
    assert len(made) == 3 and len({a["name"] for a in made}) == 3
    page = await cc.page("/seat/query", voiceGroupId=group_id)
    assert page["total"] == 3
    first = page["records"][0]
    assert (first["groupName"], first["priority"], first["status"], first["enable"]) == ("Support desk", 1, 1, 0)
    assert first["displayNum"] == "12025550100" and len(first["account"]) == 10
    assert [r["empNo"] for r in page["records"]] == ["1", "2", "3"]
    async with services.db.read() as conn:
        sealed = [r[0] for r in await conn.execute(sa.select(cc_agents.c.password_enc))]
    assert all(r["password"] not in s for r in page["records"] for s in sealed)


async def test_agent_edits_and_refusals(cc: Cc, other: Cc, services: Services) -> None:
    group_id, second = await cc.group(), await cc.group("Sales desk")
    first, other_agent = await cc.agents(group_id, 2)
    theirs = await other.group("Their desk")
    base = {"keyId": first, "voiceGroupId": second, "name": "Ann", "empNo": "100", "ccode": "91"}
    assert await cc.status("/seat/updateSeat", {**base, "password": "Pass1234", "displayNum": "4412345"}) == "0"
    [row] = (await cc.page("/seat/query", name="Ann"))["records"]
    assert (row["voiceGroupId"], row["empNo"], row["ccode"], row["password"]) == (second, "100", "91", "Pass1234")
    clash = {**base, "keyId": other_agent}
    for body, code in [
        ({**clash, "name": "Ann"}, "-33"),
        ({**clash, "name": "Bo", "empNo": "100"}, "-34"),
        ({**base, "voiceGroupId": theirs}, "-65"),
        ({**base, "voiceGroupId": 999999}, "-65"),
        ({**base, "ccode": "999"}, "-66"),
        ({**base, "password": "bad pass"}, "-64"),
        ({**base, "displayNum": "123"}, "-73"),
        ({**base, "empNo": "abc"}, "-22"),
        ({**base, "keyId": 999999}, "-24"),
    ]:
        assert await cc.status("/seat/updateSeat", body) == code, body
    await Agents(services).set_state(cc.caller.new.account.id, first, Status.IDLE)
    async with services.db.write() as conn:
        await conn.execute(cc_agents.update().where(cc_agents.c.id == first).values(status=int(Status.BUSY)))
    assert await cc.status("/seat/updateSeat", base) == "-67"
    assert await cc.status("/seat/batchingSeat", {"type": 2, "idList": [first]}) == "-67"
    [row] = (await cc.page("/seat/query", name="Ann"))["records"]
    assert row["voiceGroupId"] == second and row["status"] == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"size": 0}, "-22", id="size-zero"),
        pytest.param({"size": 101}, "-22", id="size-over-100"),
        pytest.param({"displayNum": "12"}, "-73", id="display-num"),
        pytest.param({"ccode": "0"}, "-66", id="ccode"),
        pytest.param({"voiceGroupId": 424242}, "-24", id="group"),
    ],
)
async def test_add_agents_refusals(cc: Cc, body: dict[str, Any], code: str) -> None:
    group_id = await cc.group()
    assert await cc.status("/seat/addSeatList", {"voiceGroupId": group_id, "size": 2, **body}) == code
    assert (await cc.page("/seat/query"))["total"] == 0


async def test_the_agent_cap_is_exceeds_the_number_that_can_be_created(cc: Cc, services: Services) -> None:
    group_id = await cc.group()
    await Tenancy(services).update_app(cc.app, options={"max_agents": 3})
    await cc.agents(group_id, 2)
    assert await cc.status("/seat/addSeatList", {"voiceGroupId": group_id, "size": 2}) == "-36"
    assert (await cc.page("/seat/query"))["total"] == 2


async def test_enable_disable_delete_and_priorities(cc: Cc, other: Cc) -> None:
    group_id, second = await cc.group(), await cc.group("Sales desk")
    a, b, c = await cc.agents(group_id, 3)
    [elsewhere] = await cc.agents(second, 1)
    await cc.ok("/seat/batchingSeat", {"type": 3, "idList": [a, b]})
    assert (await cc.page("/seat/query", enable=1))["total"] == 2
    await cc.ok("/seat/batchingSeat", {"type": 4, "idList": [b]})
    assert (await cc.page("/seat/query", enable=1))["total"] == 1
    await cc.ok("/seat/updatePriority", {"voiceGroupId": group_id, "params": [{"keyId": b, "priority": 7}]})
    assert {r["keyId"]: r["priority"] for r in (await cc.page("/seat/query"))["records"]}[b] == 7
    for body, code in [
        ({"voiceGroupId": group_id, "params": [{"keyId": elsewhere, "priority": 2}]}, "-21"),
        ({"voiceGroupId": group_id, "params": [{"keyId": b, "priority": 1000}]}, "-22"),
        ({"voiceGroupId": group_id, "params": []}, "-22"),
        ({"voiceGroupId": 777777, "params": [{"keyId": b, "priority": 2}]}, "-24"),
    ]:
        assert await cc.status("/seat/updatePriority", body) == code
    theirs = await other.agents(await other.group("Their desk"), 1)
    assert await cc.status("/seat/batchingSeat", {"type": 2, "idList": [c, *theirs]}) == "-24"
    await cc.ok("/seat/batchingSeat", {"type": 2, "idList": [c]})
    assert {r["keyId"] for r in (await cc.page("/seat/query"))["records"]} == {a, b, elsewhere}
    assert (await other.page("/seat/query"))["total"] == 1
    assert (
        await other.status("/seat/updatePriority", {"voiceGroupId": group_id, "params": [{"keyId": a, "priority": 2}]})
        == "-24"
    )


async def test_the_statistics_window_is_at_most_32_days(cc: Cc) -> None:
    await cc.agents(await cc.group(), 1)
    wide = {"strTime": "2026-10-01 00:00:00", "endTime": "2026-11-29 00:00:00"}
    assert await cc.status("/seat/query", {"current": 1, "size": 10, "params": wide}) == "-35"
    backwards = {"strTime": "2026-11-29 00:00:00", "endTime": "2026-11-01 00:00:00"}
    assert await cc.status("/seat/query", {"current": 1, "size": 10, "params": backwards}) == "-25"
    fine = {"strTime": "2026-11-01 00:00:00", "endTime": "2026-11-29 00:00:00", "status": 1}
    page = await cc.ok("/seat/query", {"current": 1, "size": 10, "params": fine})
    assert page["records"][0]["callCount"] == 0
    assert await cc.status("/seat/query", {"current": 1, "size": 101, "params": {}}) == "-22"
