"""The robot dialer end to end on real synthesised audio: windows, concurrency, records (A13), restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from switchboard.services.aivoice.robot import Robot
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import aivoice as store
from tests.aivoice.test_api import post, task_body
from tests.conftest import Caller
from tests.fakes.clock import FakeClock

PEOPLE = [
    {"name": "Ann", "phoneNumber": "911", "properties": {"amount": "40", "persona": "agrees"}},
    {"name": "Bo", "phoneNumber": "912", "properties": {"amount": "12", "persona": "refuses"}},
    {"name": "Cy", "phoneNumber": "913", "properties": {"amount": "7", "persona": "later"}},
    {"name": "Di", "phoneNumber": "914", "properties": {"amount": "9", "persona": "keys"}},
    {"name": "Ed", "phoneNumber": "915", "properties": {"amount": "3", "persona": "silent"}},
]


async def test_robot_calls_in_window_with_concurrency_and_records_transcripts(
    client: httpx.AsyncClient,
    caller: Caller,
    ready: dict[str, Any],
    services: Services,
    clock: FakeClock,
) -> None:
    app = ready["app"]
    services.settings.push_allowed_networks = ["127.0.0.0/8"]  # the robot's pushes go to a local port
    await Tenancy(services).update_app(app, call_url="http://127.0.0.1:9/robot")
    job = (await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready, robotCount=3)))["data"]
    body = {"appId": app, "jobId": job, "customerPersons": PEOPLE}
    assert (await post(client, caller, "/v3/AiVoice/importCustomer", body))["data"] == []
    assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "0"
    robot = Robot(services)
    assert await robot.tick() == 0  # Sunday noon: outside MONDAY/TUESDAY
    clock.set(datetime(2026, 11, 30, 12, 30, tzinfo=UTC))
    assert await robot.tick() == 0  # Monday, but inside the 12:00-13:00 pause
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    assert await robot.tick() == 3  # robotCount
    assert await robot.tick() == 2
    assert await robot.tick() == 0
    listed = await post(client, caller, "/v3/AiVoice/taskList", {"current": 1, "size": 10, "params": {"appId": app}})
    assert listed["data"]["records"][0]["status"] == "COMPLETED"
    assert listed["data"]["records"][0]["taskCompleted"] == 5
    query = {
        "current": 1,
        "size": 10,
        "params": {"appId": app, "startTime": "2026-11-30 00:00:00", "endTime": "2026-12-01 00:00:00"},
    }
    records = (await post(client, caller, "/v3/AiVoice/recordQuery", query))["data"]["records"]
    by_number = {r["calledPhoneNumber"]: r for r in records}
    assert {n: r["intentLevelDetailName"] for n, r in by_number.items()} == {
        "911": "A",
        "912": "E",
        "913": "C",
        "914": "A",
        "915": None,
    }
    ann = by_number["911"]
    assert (
        ann["resultStatus"] == "ANSWERED" and ann["chatRound"] == "1" and ann["dynamicProperties"] == {"promise": "yes"}
    )
    turns = ann["callDetailList"]
    assert [t["type"] for t in turns] == ["ROBOT", "PERSON", "ROBOT"]
    assert turns[1]["startOffset"] is not None and turns[1]["endOffset"] > turns[1]["startOffset"]
    assert "Ann" in turns[0]["text"] and "40" in turns[0]["text"]
    assert by_number["914"]["callDetailList"][1]["text"] == "[1]"
    assert (await post(client, caller, "/v3/AiVoice/recordQuery", {**query, "params": {"appId": app}}))[
        "status"
    ] == "-27"


async def test_calls_left_calling_by_a_stopped_worker_are_released(
    client: httpx.AsyncClient,
    caller: Caller,
    ready: dict[str, Any],
    services: Services,
) -> None:
    job = (await post(client, caller, "/v3/AiVoice/taskAdd", task_body(ready)))["data"]
    body = {"appId": ready["app"], "jobId": job, "customerPersons": PEOPLE[:2]}
    await post(client, caller, "/v3/AiVoice/importCustomer", body)
    async with services.db.write() as conn:
        assert len(await store.claim_customers(conn, job, 5)) == 2
        assert await store.claim_customers(conn, job, 5) == []
    assert await Robot(services).recover() == 2
    async with services.db.write() as conn:
        assert len(await store.claim_customers(conn, job, 1)) == 1


async def test_redial_happens_only_under_its_conditions(
    client: httpx.AsyncClient, caller: Caller, ready: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app = ready["app"]
    no_answer = {"name": "Ny", "phoneNumber": "921", "properties": {"amount": "1", "persona": "noanswer"}}
    jobs = []
    for name, conditions in (("redials", ["NO_ANSWER"]), ("busy only", ["BUSY"])):
        body = task_body(ready, name=name, redialCondition=conditions, redialTimes=1, redialInterval=30)
        job = (await post(client, caller, "/v3/AiVoice/taskAdd", body))["data"]
        imported = {"appId": app, "jobId": job, "customerPersons": [{**no_answer}]}
        await post(client, caller, "/v3/AiVoice/importCustomer", imported)
        assert (await post(client, caller, "/v3/AiVoice/taskStart", {"appId": app, "jobId": job}))["status"] == "0"
        jobs.append(job)
    robot = Robot(services)
    assert await robot.tick() == 2
    assert await robot.tick() == 0  # the redial waits its 30 minutes; the other task is done
    clock.advance(31 * 60)
    assert await robot.tick() == 1
    assert await robot.tick() == 0  # one redial only
    query = {
        "current": 1,
        "size": 10,
        "params": {"appId": app, "startTime": "2026-11-30 00:00:00", "endTime": "2026-12-01 00:00:00"},
    }
    records = (await post(client, caller, "/v3/AiVoice/recordQuery", query))["data"]["records"]
    by_job: dict[str, list[str]] = {}
    for r in records:
        assert r["resultStatus"] == "NO_ANSWER" and r["callDetailList"] == []
        by_job.setdefault(r["callJobId"], []).append(r["redialTimes"])
    assert by_job == {str(jobs[0]): ["0", "1"], str(jobs[1]): ["0"]}
    listed = await post(client, caller, "/v3/AiVoice/taskList", {"current": 1, "size": 10, "params": {"appId": app}})
    assert {r["status"] for r in listed["data"]["records"]} == {"COMPLETED"}
