"""SIP trunks of the call center (C18-C20) on both databases: outbound and inbound, every code -44..-61, tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.callcenter.conftest import Cc


def outbound(group_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "type": 1,
        "sipTrunkName": "Gateway A",
        "sipPrefix": "9",
        "groupList": [{"voiceGroupId": group_id}],
        "sipGatewayIp": "203.0.113.7:5060",
        "sipTrunkState": True,
        "sipAccount": "acme",
        "sipPassword": "s3cret",
    }
    body.update(over)
    return body


def inbound(group_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "type": 2,
        "sipTrunkName": "Carrier in",
        "groupList": [{"voiceGroupId": group_id, "number": "442071234567"}],
        "sipWhiteIp": "198.51.100.0/24",
        "sipTrunkState": False,
    }
    body.update(over)
    return body


async def test_trunks_are_added_listed_and_updated(cc: Cc) -> None:
    group_id = await cc.group()
    out_key = await cc.ok("/sipTrunk/add", outbound(group_id))
    in_key = await cc.ok("/sipTrunk/add", inbound(group_id))
    page = await cc.page("/sipTrunk/query")
    assert page["total"] == 2
    out = next(r for r in page["records"] if r["keyId"] == out_key)
    assert (out["type"], out["sipGatewayIp"], out["sipTrunkState"], out["sipAccount"], out["sipPassword"]) == (
        1,
        "203.0.113.7:5060",
        True,
        "acme",
        "s3cret",
    )
    assert out["groupList"] == [{"voiceGroupId": group_id, "groupName": "Support desk", "number": ""}]
    assert [r["keyId"] for r in (await cc.page("/sipTrunk/query", type=2))["records"]] == [in_key]
    assert [r["keyId"] for r in (await cc.page("/sipTrunk/query", sipTrunkName="Gate"))["records"]] == [out_key]
    second = await cc.group("Sales desk")
    change = inbound(
        second, keyId=in_key, sipWhiteIp="198.51.100.9", groupList=[{"voiceGroupId": second, "number": "442071234568"}]
    )
    await cc.ok("/sipTrunk/update", change)
    updated = next(r for r in (await cc.page("/sipTrunk/query", type=2))["records"])
    assert updated["groupList"] == [{"voiceGroupId": second, "groupName": "Sales desk", "number": "442071234568"}]
    assert updated["sipWhiteIp"] == "198.51.100.9"


@pytest.mark.parametrize(
    ("maker", "over", "code"),
    [
        pytest.param(outbound, {"type": 3}, "-44", id="type"),
        pytest.param(outbound, {"type": None}, "-44", id="type-missing"),
        pytest.param(outbound, {"sipTrunkName": ""}, "-45", id="name-empty"),
        pytest.param(outbound, {"sipTrunkName": "x" * 33}, "-45", id="name-long"),
        pytest.param(outbound, {"groupList": []}, "-48", id="no-groups"),
        pytest.param(outbound, {"sipGatewayIp": ""}, "-49", id="gateway-empty"),
        pytest.param(outbound, {"sipGatewayIp": "1" * 51}, "-50", id="gateway-long"),
        pytest.param(outbound, {"sipGatewayIp": "bad host!"}, "-50", id="gateway-format"),
        pytest.param(inbound, {"sipWhiteIp": None}, "-54", id="white-empty"),
        pytest.param(inbound, {"sipWhiteIp": "not-an-ip"}, "-55", id="white-format"),
        pytest.param(inbound, {"sipWhiteIp": "198.51.100.1," * 5}, "-55", id="white-long"),
        pytest.param(inbound, {"groupList": [{"voiceGroupId": 0, "number": "1"}]}, "-22", id="group-id"),
        pytest.param(outbound, {"sipTrunkState": "maybe"}, "-22", id="state"),
        pytest.param(outbound, {"sipPassword": None}, "-22", id="registration-without-password"),
    ],
)
async def test_add_refusals(cc: Cc, maker: Any, over: dict[str, Any], code: str) -> None:
    group_id = await cc.group()
    assert await cc.status("/sipTrunk/add", maker(group_id, **over)) == code
    assert (await cc.page("/sipTrunk/query"))["total"] == 0


async def test_group_and_number_refusals(cc: Cc, other: Cc) -> None:
    group_id, second = await cc.group(), await cc.group("Sales desk")
    twice = [{"voiceGroupId": group_id, "number": "442071234567"}, {"voiceGroupId": group_id, "number": "442071234568"}]
    assert await cc.status("/sipTrunk/add", inbound(group_id, groupList=twice)) == "-51"
    assert await cc.status("/sipTrunk/add", inbound(group_id, groupList=[{"voiceGroupId": group_id}])) == "-57"
    long_number = [{"voiceGroupId": group_id, "number": "4" * 51}]
    assert await cc.status("/sipTrunk/add", inbound(group_id, groupList=long_number)) == "-58"
    nowhere = [{"voiceGroupId": group_id, "number": "999123"}]
    assert await cc.status("/sipTrunk/add", inbound(group_id, groupList=nowhere)) == "-61"
    await cc.ok("/sipTrunk/add", inbound(group_id))
    assert await cc.status("/sipTrunk/add", inbound(group_id, sipTrunkName="Other", sipWhiteIp="192.0.2.1")) == "-52"
    same_number = inbound(second, sipTrunkName="Other", sipWhiteIp="192.0.2.1")
    assert await cc.status("/sipTrunk/add", same_number) == "-59"
    assert await cc.status("/sipTrunk/add", inbound(second, sipTrunkName="Carrier in")) == "-47"
    dup_white = inbound(second, sipTrunkName="Other", groupList=[{"voiceGroupId": second, "number": "442079999999"}])
    assert await cc.status("/sipTrunk/add", dup_white) == "-60"
    await cc.ok("/sipTrunk/add", outbound(group_id))
    assert await cc.status("/sipTrunk/add", outbound(second, sipTrunkName="Gateway B")) == "-53"
    theirs = await other.group("Their desk")
    assert (
        await cc.status("/sipTrunk/add", outbound(theirs, sipTrunkName="Gateway C", sipGatewayIp="x.example")) == "-74"
    )
    # another account's number is platform-wide taken (inbound calls are routed by it)
    assert await other.status("/sipTrunk/add", inbound(theirs)) == "-59"
    assert (await cc.page("/sipTrunk/query"))["total"] == 2


async def test_update_refusals_and_tenancy(cc: Cc, other: Cc) -> None:
    group_id = await cc.group()
    key = await cc.ok("/sipTrunk/add", outbound(group_id))
    assert await cc.status("/sipTrunk/update", outbound(group_id)) == "-56"
    assert await cc.status("/sipTrunk/update", outbound(group_id, keyId=key, type=2)) == "-44"
    assert await cc.status("/sipTrunk/update", outbound(group_id, keyId=987654)) == "-24"
    theirs = await other.group("Their desk")
    assert await other.status("/sipTrunk/update", outbound(theirs, keyId=key)) == "-24"
    assert (await other.page("/sipTrunk/query"))["total"] == 0
    assert await cc.status("/sipTrunk/update", outbound(group_id, keyId=key, sipTrunkState=False, sipAccount="")) == "0"
    [row] = (await cc.page("/sipTrunk/query"))["records"]
    assert (row["sipTrunkState"], row["sipAccount"], row["sipPassword"]) == (False, "", "s3cret")
