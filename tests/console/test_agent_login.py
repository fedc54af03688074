"""An agent signs in to its own workstation with the SIP account and password the call center generated,
changes its state and notes its calls; the forms need the session's token; another agent's calls are not its."""

from __future__ import annotations

import re

from switchboard.domain.callcenter.rules import Page
from switchboard.services.callcenter.agents import Agents
from switchboard.services.context import Services
from tests.console.conftest import Browser, make_user, new_account
from tests.console.test_callcenter import call_center, principal


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_an_agent_signs_in_sets_its_state_and_notes_a_call(services: Services, browser: Browser) -> None:
    await make_user(services, "admin@example.test")  # the console answers once an operator exists
    account = await new_account(services, "helpdesk")
    _, ids = await call_center(services, account)
    seats = await Agents(services).query(await principal(services, account), Page(1, 10, {}))
    me = next(r for r in seats["records"] if r["keyId"] == ids[0])
    client = await browser()
    assert "Agent sign in" in (await client.get("/console/agent")).text
    wrong = await client.post("/console/agent/login", data={"account": me["account"], "password": "nope"})
    assert wrong.status_code == 401 and "Wrong account or password" in wrong.text
    unknown = await client.post("/console/agent/login", data={"account": "0000000000", "password": "x"})
    assert unknown.status_code == 401
    signed = await client.post("/console/agent/login", data={"account": me["account"], "password": me["password"]})
    assert signed.status_code == 303
    desk = await client.get("/console/agent")
    assert f"Agent {me['name']}" in desk.text and "442070000001" in desk.text
    token = token_of(desk.text)
    assert (await client.post("/console/agent/state", data={"state": "break"})).status_code == 403
    assert (
        await client.post("/console/agent/state", data={"state": "break", "csrf_token": "x" * 32})
    ).status_code == 403
    moved = await client.post("/console/agent/state", data={"state": "break", "csrf_token": token})
    assert moved.status_code == 303
    assert 'badge break">break<' in (await client.get("/console/agent")).text
    note = {"csrf_token": token, "call_id": "call-1", "note": "call back", "labels": ["sale"]}
    assert (await client.post("/console/agent/note", data=note)).status_code == 303
    assert 'value="call back"' in (await client.get("/console/agent")).text
    foreign = {"csrf_token": token, "call_id": "call-2", "note": "not mine"}
    assert (await client.post("/console/agent/note", data=foreign)).status_code == 422
    assert (await client.post("/console/agent/logout", data={"csrf_token": token})).status_code == 303
    assert "Agent sign in" in (await client.get("/console/agent")).text


async def test_a_disabled_agent_cannot_sign_in(services: Services, browser: Browser) -> None:
    await make_user(services, "admin@example.test")  # the console answers once an operator exists
    account = await new_account(services, "helpdesk")
    _, ids = await call_center(services, account)
    who = await principal(services, account)
    seats = await Agents(services).query(who, Page(1, 10, {}))
    me = next(r for r in seats["records"] if r["keyId"] == ids[1])
    await Agents(services).batch(who, {"type": 3, "idList": [ids[1]]})
    client = await browser()
    answer = await client.post("/console/agent/login", data={"account": me["account"], "password": me["password"]})
    assert answer.status_code == 401
    client.cookies.set("sb_agent", "forged")
    assert "Agent sign in" in (await client.get("/console/agent")).text


async def test_a_team_leader_signs_in_and_sees_the_board_of_its_groups(services: Services, browser: Browser) -> None:
    from switchboard.services.callcenter.groups import Groups
    from switchboard.services.callcenter.leaders import Leaders

    await make_user(services, "admin@example.test")
    account = await new_account(services, "helpdesk")
    group_id, _ = await call_center(services, account)
    who = await principal(services, account)
    await Groups(services).add(who, {"groupName": "Hidden desk"})
    key = await Leaders(services).add(who, {"name": "Lead Ann", "voiceGroupIdList": [group_id]})
    [leader] = (await Leaders(services).query(who, Page(1, 10, {})))["records"]
    client = await browser()
    assert "Team leader sign in" in (await client.get("/console/leader")).text
    bad = await client.post("/console/leader/login", data={"account": leader["account"], "password": "nope"})
    assert bad.status_code == 401
    good = await client.post(
        "/console/leader/login", data={"account": leader["account"], "password": leader["password"]}
    )
    assert good.status_code == 303
    board = await client.get("/console/leader")
    assert "Support desk" in board.text and "Hidden desk" not in board.text and "Lead Ann" in board.text
    assert 'class="answered">1<' in board.text
    await Leaders(services).set_status(who, {"type": 3, "idList": [key]})
    assert "Team leader sign in" in (await client.get("/console/leader")).text  # disabled: signed out
    token = token_of(board.text)
    assert (await client.post("/console/leader/logout", data={"csrf_token": token})).status_code == 303
