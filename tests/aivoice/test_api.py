"""The AI-voice API (A1-A12) on both databases: success paths, refusals with their codes, tenant isolation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller
from tests.fakes.clock import FakeClock


async def post(client: httpx.AsyncClient, caller: Caller, path: str, body: dict[str, Any], **kw: Any) -> Any:
    response = await client.post(path, headers=caller.headers(**kw), content=json.dumps(body))
    assert response.status_code == 200
    return response.json()


def task_body(ready: dict[str, Any], **over: Any) -> dict[str, Any]:
    body = {
        "appId": ready["app"],
        "name": "June reminders",
        "dialogFlowId": ready["flow"],
        "mode": "MANUAL",
        "dailyStartDateTime": "09:00",
        "dailyEndDateTime": "18:00",
        "robotCount": 5,
        "jobPhoneNumberId": ready["line"],
        "inactiveTimeList": [{"startTime": "12:00", "endTime": "13:00"}],
        "inactiveDateList": [{"startDate": "2026-12-24", "endDate": "2026-12-26"}],
        "daysOfWeek": ["MONDAY", "TUESDAY"],
        "redial": True,
        "redialCondition": ["NO_ANSWER", "BUSY"],
        "redialTimes": 2,
        "redialInterval": 30,
    }
    body.update(over)
    return body


CUSTOMERS = [
    {"name": "Ann", "phoneNumber": "919876543210", "gender": "FEMALE", "properties": {"amount": "40"}},
    {"name": "Bo", "phoneNumber": "919876543211", "gender": None, "properties": {"amount": "12"}},
]


@pytest.mark.parametrize("prefix", ["/v3/AiVoice", "/aivoice"])
async def test_lists_flows_and_lines(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any], prefix: str
) -> None:
    flows = await post(client, caller, f"{prefix}/dialogFlowList", {"appId": ready["app"]})
    assert flows["status"] == "0"
    assert [(f["dialogFlowId"], f["name"], f["status"]) for f in flows["data"]] == [
        (ready["flow"], "Payment reminder", "ENABLE")
    ]
    lines = await post(client, caller, f"{prefix}/channelList", {"appId": ready["app"]})
    assert lines["data"] == [{"tenantPhoneNumberId": str(ready["line"]), "phoneNumber": "12025550100"}]


async def test_task_lifecycle(client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any]) -> None:
    app = ready["app"]
    added = await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready))
    assert added["status"] == "0", added
    job = added["data"]
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "-45"
    props = await post(client, caller, "/v3/AiVoice/properties", {"appId": app, "jobId": job})
    assert props["data"] == ["amount", "name"]
    bad = {"name": "Cy", "phoneNumber": "919876543299", "properties": {}}
    imported = await post(
        client,
        caller,
        "/v3/AiVoice/importCustomer",
        {"appId": app, "jobId": job, "customerPersons": [*CUSTOMERS, CUSTOMERS[0], {"name": ""}, bad]},
    )
    assert imported["status"] == "0"
    assert [row["reason"].split(":")[0] for row in imported["data"]] == [
        "duplicate",
        "name missing or over 64 characters",
    ]
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "-51"
    deleted = await post(
        client,
        caller,
        "/v3/AiVoice/importCustomer/del",
        {"appId": app, "jobId": str(job), "jobPhoneNumberList": [{"phoneNumber": "919876543299"}]},
    )
    assert deleted["data"] == 1
    assert (await post(client, caller, "/v3/AiVoice/taskStop", {"appId": app, "jobId": job}))["status"] == "-38"
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "0"
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "-39"
    assert (await post(client, caller, "/v3/AiVoice/taskEdit", task_body(ready, jobId=job)))["status"] == "-54"
    assert (await post(client, caller, "/v3/AiVoice/taskDel", {"appId": app, "jobId": job}))["status"] == "-44"
    listed = await post(client, caller, "/v3/AiVoice/taskList", {"current": 1, "size": 10, "params": {"appId": app}})
    record = listed["data"]["records"][0]
    assert record["jobId"] == job and record["status"] == "IN_PROCESS" and record["taskTotal"] == 2
    assert record["dialogFlowName"] == "Payment reminder" and record["jobPhoneNumberName"] == "12025550100"
    uncalled = await post(
        client,
        caller,
        "/v3/AiVoice/taskNoCall",
        {"current": 1, "size": 10, "params": {"appId": app, "jobId": job, "taskStatus": "IN_PROCESS"}},
    )
    assert [r["calledPhoneNumber"] for r in uncalled["data"]["records"]] == ["919876543210", "919876543211"]
    assert uncalled["data"]["records"][0]["properties"] == {"amount": "40"}
    assert (await post(client, caller, "/v3/AiVoice/taskStop", {"appId": app, "jobId": job}))["status"] == "0"
    edited = await post(client, caller, "/v3/AiVoice/taskEdit", task_body(ready, jobId=job, robotCount=3))
    assert edited["status"] == "0"
    assert (await post(client, caller, "/v3/AiVoice/taskDel", {"appId": app, "jobId": job}))["status"] == "0"
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "-32"


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"name": ""}, "-27"),
        ({"mode": "SOMETIMES"}, "-27"),
        ({"mode": "AUTO"}, "-28"),
        ({"redialCondition": ["RAIN"]}, "-29"),
        ({"redialTimes": 11}, "-30"),
        ({"redial": "yes"}, "-31"),
        ({"dailyStartDateTime": "08:00"}, "-48"),
        ({"dailyEndDateTime": "21:00"}, "-48"),
        ({"robotCount": 21}, "-52"),
        ({"robotCount": 0}, "-27"),
        ({"jobPhoneNumberId": 999}, "-41"),
        ({"dialogFlowId": 999}, "-55"),
        ({"inactiveTimeList": [{"startTime": "1", "endTime": "2"}]}, "-27"),
        ({"daysOfWeek": ["FUNDAY"]}, "-27"),
        ({"startDateTime": "tomorrow", "mode": "AUTO"}, "-27"),
    ],
)
async def test_task_add_refusals_change_nothing(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any], over: dict[str, Any], code: str
) -> None:
    answer = await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready, **over))
    assert answer["status"] == code, answer
    listed = await post(
        client, caller, "/v3/AiVoice/taskList", {"current": 1, "size": 10, "params": {"appId": ready["app"]}}
    )
    assert listed["data"]["total"] == 0


async def test_duplicate_names_and_import_limits(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any]
) -> None:
    app = ready["app"]
    job = (await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready)))["data"]
    assert (await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready)))["status"] == "-33"
    many = [{"name": "x", "phoneNumber": str(10_000 + i)} for i in range(101)]
    body = {"appId": app, "jobId": job, "customerPersons": many}
    assert (await post(client, caller, "/v3/AiVoice/importCustomer", body))["status"] == "-56"
    body["customerPersons"] = []
    assert (await post(client, caller, "/v3/AiVoice/importCustomer", body))["status"] == "-27"
    assert (await post(client, caller, "/v3/AiVoice/importCustomer", {**body, "jobId": 9999}))["status"] == "-27"
    paging = {"current": 1, "size": 101, "params": {"appId": app}}
    assert (await post(client, caller, "/v3/AiVoice/taskList", paging))["status"] == "-27"


async def test_auth_refusals_use_the_ai_table(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any], clock: FakeClock
) -> None:
    body = {"appId": ready["app"]}
    old = int(clock.time()) - 3600
    assert (await post(client, caller, "/v3/AiVoice/dialogFlowList", body, ts=old))["status"] == "-4"
    assert (await post(client, caller, "/v3/AiVoice/dialogFlowList", body, secret="wrong"))["status"] == "-1"
    assert (await post(client, caller, "/v3/AiVoice/dialogFlowList", {"appId": caller.apps["sms"]}))["status"] == "-37"
    assert (await post(client, caller, "/v3/AiVoice/dialogFlowList", {}))["status"] == "-27"
    paged = {"current": 1, "size": 10, "params": {"appId": "nope"}}
    assert (await post(client, caller, "/v3/AiVoice/taskList", paged))["status"] == "-37"
    response = await client.post("/v3/AiVoice/dialogFlowList", content=json.dumps(body))
    assert response.json()["status"] == "-57"  # no Sign header: the AI table's own code


async def test_tenant_isolation(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    job = (await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready)))["data"]
    other = Caller(new=await Tenancy(services).create_account(name="rival", balance="1", currency="USD"), clock=clock)
    app = other.apps["aivoice"]
    assert (await post(client, other, "/v3/AiVoice/dialogFlowList", {"appId": app}))["data"] == []
    assert (await post(client, other, "/v3/AiVoice/channelList", {"appId": app}))["data"] == []
    for path in ("taskStart", "taskStop", "taskDel", "properties"):
        assert (await post(client, other, f"/v3/AiVoice/{path}", {"appId": app, "jobId": job}))["status"] == "-32"
    stolen = task_body(ready, appId=app)
    assert (await post(client, other, "/v3/AiVoice/taskAdd", stolen))["status"] == "-55"
    assert (await post(client, other, "/v3/AiVoice/dialogFlowList", {"appId": ready["app"]}))["status"] == "-37"
