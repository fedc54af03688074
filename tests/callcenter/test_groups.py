"""Agent groups (C1-C7) on both databases: create, list, rename, delete, settings, ring tones, refusals, tenancy."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.callcenter.conftest import Cc

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def settings(group_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "voiceGroupId": group_id,
        "callinStrategy": 3,
        "timeoutTransferSec": 15,
        "callinAutoAnswerSec": "",
        "wrapUpTime": 20,
        "timeoutIdle": 3,
        "timeoutWaitSec": 60,
        "labelName": ["sales", "complaint"],
        "displaySwitch": 0,
        "encryptNumber": 0,
        "fsNode": "SG_FS",
    }
    body.update(over)
    return body


async def test_a_group_is_created_listed_renamed_and_deleted(cc: Cc) -> None:
    group_id = await cc.group("Support desk")
    page = await cc.page("/seatGroup/query")
    assert page["total"] == 1 and page["pages"] == 1
    record = page["records"][0]
    assert (record["groupName"], record["callinStrategy"], record["countSeat"], record["appId"]) == (
        "Support desk",
        1,
        0,
        cc.app,
    )
    assert await cc.status("/seatGroup/updateGroup", {"voiceGroupId": group_id, "groupName": "Front desk"}) == "0"
    assert [r["groupName"] for r in (await cc.page("/seatGroup/query", groupName="Front"))["records"]] == ["Front desk"]
    assert (await cc.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "0"
    assert (await cc.page("/seatGroup/query"))["total"] == 0
    assert (await cc.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "-24"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"groupName": "abc"}, "-22", id="name-too-short"),
        pytest.param({"groupName": "x" * 33}, "-22", id="name-too-long"),
        pytest.param({"groupName": None}, "-22", id="name-missing"),
        pytest.param({"appId": ""}, "-22", id="app-missing"),
        pytest.param({"appId": "nosuchap"}, "-32", id="app-unknown"),
    ],
)
async def test_add_group_refusals(cc: Cc, body: dict[str, Any], code: str) -> None:
    assert await cc.status("/seatGroup/addGroup", {"appId": cc.app, "groupName": "Support", **body}) == code
    assert (await cc.page("/seatGroup/query"))["total"] == 0


async def test_add_group_answers_exists_cap_and_contact_sales(cc: Cc, services: Services) -> None:
    await cc.group("Support desk")
    assert await cc.status("/seatGroup/addGroup", {"appId": cc.app, "groupName": "Support desk"}) == "-20"
    await Tenancy(services).update_app(cc.app, options={"max_groups": 1})
    assert await cc.status("/seatGroup/addGroup", {"appId": cc.app, "groupName": "Second desk"}) == "-23"
    await Tenancy(services).update_app(cc.app, options={"max_groups": 0})
    assert await cc.status("/seatGroup/addGroup", {"appId": cc.app, "groupName": "Second desk"}) == "-75"
    assert (await cc.page("/seatGroup/query"))["total"] == 1


async def test_an_sms_app_is_not_a_call_center_app(cc: Cc) -> None:
    assert await cc.status("/seatGroup/addGroup", {"appId": cc.caller.apps["sms"], "groupName": "Support"}) == "-32"


async def test_rename_refusals(cc: Cc) -> None:
    first, second = await cc.group("Support desk"), await cc.group("Sales desk")
    assert await cc.status("/seatGroup/updateGroup", {"voiceGroupId": second, "groupName": "Support desk"}) == "-20"
    assert await cc.status("/seatGroup/updateGroup", {"voiceGroupId": first, "groupName": "ab"}) == "-22"
    assert await cc.status("/seatGroup/updateGroup", {"voiceGroupId": 999999, "groupName": "Whatever"}) == "-24"
    assert await cc.status("/seatGroup/updateGroup", {"voiceGroupId": first, "groupName": "Support desk"}) == "0"


async def test_delete_refuses_a_group_with_agents_a_team_leader_or_a_trunk(cc: Cc) -> None:
    group_id = await cc.group("Support desk")
    agents = await cc.agents(group_id, 1)
    assert (await cc.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "-63"
    await cc.ok("/seat/batchingSeat", {"type": 2, "idList": agents})
    leader = await cc.ok("/teamleader/add", {"name": "Lead one", "voiceGroupIdList": [group_id]})
    assert (await cc.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "-69"
    await cc.ok("/teamleader/batchUpdateStatus", {"type": 2, "idList": [leader]})
    trunk = {
        "type": 1,
        "sipTrunkName": "out",
        "groupList": [{"voiceGroupId": group_id}],
        "sipGatewayIp": "203.0.113.7:5060",
        "sipTrunkState": False,
    }
    await cc.ok("/sipTrunk/add", trunk)
    assert (await cc.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "-70"
    assert (await cc.page("/seatGroup/query"))["total"] == 1


async def test_settings_are_saved_read_back_and_cleared(cc: Cc) -> None:
    group_id = await cc.group()
    ring = {"fileName": "hold.mp3", "file": base64.b64encode(MP3).decode()}
    uploaded = await cc.ok("/seatGroup/upload", ring)
    assert uploaded["fileName"] == "hold.mp3"
    await cc.ok("/seatGroup/basicSetting", settings(group_id, turnSeatRing="hold.mp3"))
    read = (await cc.get("/seatGroup/basicSettingResp", voiceGroupId=group_id))["data"]
    assert read["seatGroupId"] == group_id
    assert (read["callinStrategy"], read["timeoutTransferSec"], read["callinAutoAnswerSec"]) == (3, 15, None)
    assert (read["wrapUpTime"], read["timeoutIdle"], read["timeoutWaitSec"]) == (20, 3, 60)
    assert read["labelName"] == ["sales", "complaint"]
    assert (read["displaySwitch"], read["encryptNumber"], read["fsNode"]) == (0, 0, "SG_FS")
    assert read["turnSeatRing"] == "hold.mp3"
    download = await cc.client.get(read["turnSeatRingUrl"], headers=cc.caller.headers())
    assert download.status_code == 200 and download.content == MP3
    await cc.ok("/seatGroup/basicSetting", settings(group_id, wrapUpTime="", labelName=[], fsNode=None))
    read = (await cc.get("/seatGroup/basicSettingResp", voiceGroupId=group_id))["data"]
    assert (read["wrapUpTime"], read["labelName"], read["fsNode"], read["callinStrategy"]) == (None, [], None, 3)


@pytest.mark.parametrize(
    ("over", "code"),
    [
        pytest.param({"labelName": [f"t{i}" for i in range(11)]}, "-71", id="eleven-tags"),
        pytest.param({"labelName": ["same", "same"]}, "-71", id="repeated-tag"),
        pytest.param({"labelName": ["x" * 21]}, "-72", id="tag-too-long"),
        pytest.param({"labelName": [""]}, "-72", id="empty-tag"),
        pytest.param({"callinStrategy": 5}, "-22", id="strategy"),
        pytest.param({"displaySwitch": None}, "-22", id="display-switch-missing"),
        pytest.param({"encryptNumber": 2}, "-22", id="encrypt-number"),
        pytest.param({"fsNode": "MARS_FS"}, "-22", id="fs-node"),
        pytest.param({"timeoutTransferSec": -1}, "-22", id="negative-timeout"),
        pytest.param({"turnSeatRing": "never.mp3"}, "-24", id="ring-not-uploaded"),
        pytest.param({"voiceGroupId": 987654}, "-24", id="unknown-group"),
    ],
)
async def test_settings_refusals_change_nothing(cc: Cc, over: dict[str, Any], code: str) -> None:
    group_id = await cc.group()
    assert await cc.status("/seatGroup/basicSetting", settings(group_id, **over)) == code
    read = (await cc.get("/seatGroup/basicSettingResp", voiceGroupId=group_id))["data"]
    assert (read["callinStrategy"], read["labelName"], read["encryptNumber"]) == (1, [], 1)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"fileName": "hold.ogg"}, "-27", id="suffix"),
        pytest.param({"fileName": "hold.wav"}, "-27", id="mp3-named-wav"),
        pytest.param({"fileName": "a.mp"}, "-22", id="name-too-short"),
        pytest.param({"file": "@@not base64@@"}, "-39", id="not-base64"),
        pytest.param({"file": base64.b64encode(b"ID3" + b"\x00" * (1024 * 1024)).decode()}, "-38", id="too-large"),
    ],
)
async def test_ring_tone_refusals(cc: Cc, body: dict[str, Any], code: str) -> None:
    upload = {"fileName": "hold.mp3", "file": base64.b64encode(MP3).decode(), **body}
    assert await cc.status("/seatGroup/upload", upload) == code


async def test_another_accounts_group_is_never_visible(cc: Cc, other: Cc) -> None:
    group_id = await cc.group("Support desk")
    assert (await other.page("/seatGroup/query"))["total"] == 0
    assert (await other.get("/seatGroup/basicSettingResp", voiceGroupId=group_id))["status"] == "-24"
    assert (await other.get("/seatGroup/deleteGroup", voiceGroupId=group_id))["status"] == "-24"
    assert await other.status("/seatGroup/updateGroup", {"voiceGroupId": group_id, "groupName": "Taken over"}) == "-24"
    assert await other.status("/seatGroup/basicSetting", settings(group_id)) == "-24"
    assert await other.status("/seat/addSeatList", {"voiceGroupId": group_id, "size": 1}) == "-24"
    assert (await cc.page("/seatGroup/query"))["records"][0]["groupName"] == "Support desk"
    # the same name is free in another account
    assert await other.group("Support desk") != group_id


async def test_a_request_without_signature_headers_is_refused(cc: Cc) -> None:
    answer = await cc.client.post("/v3/cc/seatGroup/query", content=b"{}")
    assert answer.json()["status"] == "-1"


async def test_a_key_restricted_to_other_apps_reaches_no_call_center_route(cc: Cc, services: Services) -> None:
    from switchboard.auth.signature import sign

    await cc.group()
    key, secret = await Tenancy(services).create_key(cc.caller.new.account.id, apps=[cc.caller.apps["sms"]])
    stamp = str(int(cc.caller.clock.time()))
    headers = {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp}
    page = await cc.client.post("/v3/cc/seatGroup/query", headers=headers, json={"current": 1, "size": 10})
    assert page.json()["status"] == "-32"
    add = {"appId": cc.app, "groupName": "Sneaky desk"}
    assert (await cc.client.post("/v3/cc/seatGroup/addGroup", headers=headers, json=add)).json()["status"] == "-32"
