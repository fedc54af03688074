"""Outbound tasks (C21-C25) on both databases: callee lists in .xlsx/.xls/.csv, submit, resend, list, edit, and
their refusals; tenancy."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.domain.callcenter import tasks as rules
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.cc_tables import cc_callees, cc_tasks
from tests.callcenter import files
from tests.callcenter.conftest import Cc
from tests.conftest import Caller
from tests.fakes.clock import FakeClock

LIST = [
    ["number", "name", "amount"],
    ["919876543210", "Ann", "40"],
    ["+91 98765 43211", "Bo", "12"],
    ["919876543210", "Ann again", "1"],
]


async def upload(cc: Cc, name: str, data: bytes) -> dict[str, Any]:
    return await cc.post("/preview/upload", {"fileName": name, "file": files.b64(data)})


def group_call(cc: Cc, path: str, group_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "filePath": path,
        "fileName": "june.xlsx",
        "type": 1,
        "voiceGroupId": group_id,
        "appId": cc.app,
        "calloutRate": 2,
        "displayNum": "12025550100",
        "ccode": "91",
        "remark": "June",
    }
    body.update(over)
    return body


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        pytest.param("june.xlsx", files.xlsx, id="xlsx"),
        pytest.param("june.xls", files.xls, id="xls"),
        pytest.param("june.csv", files.csv_bytes, id="csv"),
    ],
)
async def test_each_format_uploads_with_numbers_deduplicated(cc: Cc, name: str, writer: Any) -> None:
    answer = await upload(cc, name, writer(LIST))
    assert answer["status"] == "0", answer
    data = answer["data"]
    assert (data["numberTotalCount"], data["numberSameCount"]) == (2, 1)
    assert data["filePath"].endswith(name[name.rindex(".") :])


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        pytest.param("june.txt", b"number\n919876543210\n", "-39", id="suffix"),
        pytest.param("june.xlsx", b"this is no zip", "-39", id="not-xlsx"),
        pytest.param("june.xls", files.csv_bytes(LIST), "-39", id="not-xls"),
        pytest.param("june.csv", b"", "-22", id="empty"),
        pytest.param("june.csv", b"\n\n", "-39", id="no-header"),
        pytest.param("june.csv", files.csv_bytes(files.callees(100_001)), "-40", id="over-100000-rows"),
    ],
)
async def test_upload_refusals(cc: Cc, name: str, data: bytes, code: str) -> None:
    assert (await upload(cc, name, data))["status"] == code


@pytest.mark.parametrize("size", [4 * 1024 * 1024 + 1, 7 * 1024 * 1024], ids=["over-4-mib", "over-the-body-limit"])
async def test_a_file_over_four_mebibytes_is_too_large(cc: Cc, size: int) -> None:
    assert (await upload(cc, "big.csv", b"9" * size))["status"] == "-38"


async def test_exactly_100000_rows_are_accepted(cc: Cc) -> None:
    answer = await upload(cc, "big.csv", files.csv_bytes(files.callees(100_000)))
    assert answer["data"]["numberTotalCount"] == 100_000


async def test_a_group_call_task_is_submitted_listed_edited_and_resent(
    cc: Cc, services: Services, cc_rate: None
) -> None:
    group_id = await cc.group()
    path = (await upload(cc, "june.xlsx", files.xlsx(LIST)))["data"]["filePath"]
    task_id = await cc.ok("/preview/submitTask", group_call(cc, path, group_id))
    [record] = (await cc.page("/preview/query"))["records"]
    assert (record["taskId"], record["taskStatus"], record["totalCount"], record["remainCount"]) == (task_id, 1, 2, 2)
    assert (record["voiceGroupId"], record["seatGroupName"], record["calloutRate"], record["codeName"]) == (
        [group_id],
        "Support desk",
        2,
        "IN",
    )
    async with services.db.read() as conn:
        stored = [dict(r._mapping) for r in await conn.execute(sa.select(cc_callees).order_by(cc_callees.c.id))]
    assert [(r["number"], r["data"]) for r in stored] == [
        ("919876543210", {"name": "Ann", "amount": "40"}),
        ("919876543211", {"name": "Bo", "amount": "12"}),
    ]
    await cc.ok("/preview/agent/editTask", {"taskId": task_id, "remark": "July", "calloutRate": 3})
    [record] = (await cc.page("/preview/query", taskId=task_id, finishFlag=0, taskStatus=[1], taskType=1))["records"]
    assert (record["remark"], record["calloutRate"]) == ("July", 3)
    resend = {**group_call(cc, path, group_id), "taskId": task_id, "resendType": 1}
    assert await cc.status("/preview/resendTask", resend) == "-41"  # still enabled
    async with services.db.write() as conn:
        await conn.execute(cc_tasks.update().values(status=rules.FINISHED))
        await conn.execute(cc_callees.update().where(cc_callees.c.number == "919876543210").values(state="connected"))
        await conn.execute(cc_callees.update().where(cc_callees.c.number == "919876543211").values(state="connected"))
    assert (await cc.page("/preview/query", finishFlag=1))["total"] == 1
    assert await cc.status("/preview/agent/editTask", {"taskId": task_id, "calloutRate": 1}) == "-41"
    assert await cc.status("/preview/resendTask", resend) == "-42"  # nothing failed
    assert await cc.status("/preview/resendTask", {**resend, "resendType": 3}) == "0"
    [record] = (await cc.page("/preview/query"))["records"]
    assert (record["taskStatus"], record["remainCount"]) == (1, 2)


async def test_submit_refusals(cc: Cc, other: Cc, services: Services, cc_rate: None) -> None:
    group_id = await cc.group()
    path = (await upload(cc, "june.xlsx", files.xlsx(LIST)))["data"]["filePath"]
    repeated = await upload(cc, "dup.csv", files.csv_bytes([["number", "name", "name"], ["919876543210", "a", "b"]]))
    empty = (await upload(cc, "none.csv", files.csv_bytes([["number"], ["abc"]])))["data"]["filePath"]
    theirs = await other.group("Their desk")
    for over, code in [
        ({"filePath": repeated["data"]["filePath"]}, "-43"),
        ({"filePath": empty}, "-42"),
        ({"filePath": "nothing.xlsx"}, "-24"),
        ({"voiceGroupId": theirs}, "-74"),
        ({"voiceGroupId": 555555}, "-74"),
        ({"voiceGroupId": [group_id, group_id + 1]}, "-22"),
        ({"type": 2}, "-22"),
        ({"calloutRate": None}, "-22"),
        ({"calloutRate": 11}, "-22"),
        ({"maxRingingTime": 10}, "-22"),
        ({"displayNum": "12"}, "-73"),
        ({"ccode": "9999"}, "-66"),
        ({"remark": "x" * 51}, "-22"),
        ({"appId": cc.caller.apps["voice"]}, "-32"),
    ]:
        assert await cc.status("/preview/submitTask", group_call(cc, path, group_id, **over)) == code, over
    other_path = (await upload(other, "june.xlsx", files.xlsx(LIST)))["data"]["filePath"]
    assert await cc.status("/preview/submitTask", group_call(cc, other_path, group_id)) == "-24"
    assert (await cc.page("/preview/query"))["total"] == 0


async def test_a_task_needs_a_rate_money_and_priced_numbers(cc: Cc, services: Services, clock: FakeClock) -> None:
    group_id = await cc.group()
    path = (await upload(cc, "june.csv", files.csv_bytes(LIST)))["data"]["filePath"]
    assert await cc.status("/preview/submitTask", group_call(cc, path, group_id)) == "-77"
    await Catalog(services).set_rates([RateInput(product="cc", country="US", price="0.01")])
    assert await cc.status("/preview/submitTask", group_call(cc, path, group_id)) == "-26"
    await Catalog(services).set_rates([RateInput(product="cc", country="IN", price="0.01")])
    assert await cc.status("/preview/submitTask", group_call(cc, path, group_id)) == "0"
    broke = Cc(cc.client, Caller(new=await Tenancy(services).create_account(name="broke", balance="0"), clock=clock))
    broke_group = await broke.group()
    broke_path = (await upload(broke, "june.csv", files.csv_bytes(LIST)))["data"]["filePath"]
    assert await broke.status("/preview/submitTask", group_call(broke, broke_path, broke_group)) == "-10"


async def test_an_automatic_task_may_name_several_groups(cc: Cc, cc_rate: None) -> None:
    first, second = await cc.group(), await cc.group("Sales desk")
    path = (await upload(cc, "june.csv", files.csv_bytes(LIST)))["data"]["filePath"]
    body = {"filePath": path, "fileName": "june.csv", "type": 0, "voiceGroupId": [first, second]}
    task_id = await cc.ok("/preview/submitTask", body)
    [record] = (await cc.page("/preview/query", voiceGroupIds=[second]))["records"]
    assert (record["taskId"], record["taskType"], record["seatGroupName"]) == (task_id, 0, "Support desk,Sales desk")
    assert await cc.status("/preview/agent/editTask", {"taskId": task_id, "calloutRate": 2}) == "-41"


async def test_edit_and_resend_refusals_and_tenancy(cc: Cc, other: Cc, services: Services, cc_rate: None) -> None:
    group_id = await cc.group()
    path = (await upload(cc, "june.csv", files.csv_bytes(LIST)))["data"]["filePath"]
    task_id = await cc.ok("/preview/submitTask", group_call(cc, path, group_id))
    assert await cc.status("/preview/agent/editTask", {"taskId": task_id, "calloutRate": 11}) == "-36"
    await Tenancy(services).update_app(cc.app, options={"max_rate": 20})
    assert await cc.status("/preview/agent/editTask", {"taskId": task_id, "calloutRate": 11}) == "0"
    assert (
        await cc.status("/preview/agent/editTask", {"taskId": task_id, "remark": "x" * 51, "calloutRate": 1}) == "-22"
    )
    assert await other.status("/preview/agent/editTask", {"taskId": task_id, "calloutRate": 1}) == "-24"
    resend = {**group_call(other, path, group_id), "taskId": task_id, "resendType": 3}
    assert await other.status("/preview/resendTask", resend) == "-24"
    assert await cc.status("/preview/resendTask", {**resend, "appId": cc.app, "resendType": 4}) == "-22"
    assert (await other.page("/preview/query"))["total"] == 0
    # an agent of a group whose group call is running cannot be deleted
    [agent] = await cc.agents(group_id, 1)
    assert await cc.status("/seat/batchingSeat", {"type": 2, "idList": [agent]}) == "-68"
    assert await cc.status("/seat/batchingSeat", {"type": 3, "idList": [agent]}) == "0"
