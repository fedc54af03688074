"""The call-center console pages: the wall board of an account's groups and an agent's workstation (state
buttons, note and tags after a call); account users see their own account only."""

from __future__ import annotations

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter.agents import Status
from switchboard.domain.callcenter.outcomes import CallType, Direction, Outcome, Reason
from switchboard.domain.callcenter.rules import Page
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.groups import Groups
from switchboard.services.callcenter.records import Records
from switchboard.services.context import Services
from switchboard.services.tenancy import NewAccount
from switchboard.store import tenants
from tests.console.conftest import Browser, Session, make_user, new_account, session_of


async def principal(services: Services, new: NewAccount) -> Principal:
    async with services.db.read() as conn:
        app = await tenants.get_app(conn, new.apps["cc"])
        keys = await tenants.list_keys(conn, new.account.id)
    return Principal(key=keys[0], account=new.account, app=app)


async def call_center(services: Services, new: NewAccount) -> tuple[int, list[int]]:
    """A group with tags, two agents (one idle), one answered and one abandoned call today."""
    who = await principal(services, new)
    await Groups(services).add(who, {"groupName": "Support desk"})
    group_id = (await Groups(services).query(who, _page()))["records"][0]["voiceGroupId"]
    await Groups(services).save_settings(
        who, {"voiceGroupId": group_id, "labelName": ["sale", "angry"], "displaySwitch": 0, "encryptNumber": 1}
    )
    made = await Agents(services).add(who, {"voiceGroupId": group_id, "size": 2})
    ids = [m["keyId"] for m in made]
    await Agents(services).set_state(new.account.id, ids[0], Status.IDLE)
    now = services.clock.now().timestamp()
    context = {"group_id": group_id, "group_name": "Support desk", "agent_name": made[0]["name"]}
    answered = Outcome(
        "call-1",
        CallType.INBOUND,
        "442070000001",
        Reason.INBOUND_HUNG_UP,
        Direction.CUSTOMER,
        now - 100,
        agent_id=ids[0],
        answered=now - 100,
        connected=now - 95,
        ended=now - 40,
    )
    abandoned = Outcome(
        "call-2",
        CallType.INBOUND,
        "442070000002",
        Reason.INBOUND_NOT_ANSWERED,
        Direction.SYSTEM,
        now - 90,
        answered=now - 90,
        ended=now - 30,
    )
    await Records(services).write(new.account.id, answered, context)
    await Records(services).write(new.account.id, abandoned, {"group_id": group_id, "group_name": "Support desk"})
    return group_id, ids


def _page() -> Page:
    return Page(1, 100, {})


async def test_the_wall_board_shows_states_and_todays_calls(services: Services, admin: Session) -> None:
    account = await new_account(services, "voice")
    _, ids = await call_center(services, account)
    page = await admin.client.get(f"/console/callcenter?account={account.account.id}")
    assert page.status_code == 200
    text = page.text
    assert "Support desk" in text and 'class="answered">1<' in text and 'class="abandoned">1<' in text
    assert "idle 1" in text and "offline 1" in text and 'class="level">50%<' in text
    assert "Pick an account." in (await admin.client.get("/console/callcenter")).text


async def test_an_agent_changes_state_and_notes_a_call(services: Services, admin: Session) -> None:
    account = await new_account(services, "voice")
    _, ids = await call_center(services, account)
    url = f"/console/callcenter/agents/{ids[0]}?account={account.account.id}"
    desk = await admin.client.get(url)
    assert desk.status_code == 200 and "442070000001" in desk.text and "sale" in desk.text
    form = admin.form(account=str(account.account.id), state="break")
    moved = await admin.client.post(f"/console/callcenter/agents/{ids[0]}/state", data=form)
    assert moved.status_code == 303
    assert 'badge break">break<' in (await admin.client.get(url)).text
    note = admin.form(account=str(account.account.id), call_id="call-1", note="wants a refund", labels=["angry"])
    assert (await admin.client.post(f"/console/callcenter/agents/{ids[0]}/note", data=note)).status_code == 303
    window = {"startTime": "2026-11-29 00:00:00", "endTime": "2026-11-29 23:59:59", "labelNames": ["angry"]}
    who = await principal(services, account)
    found = await Records(services).query(who, Page(1, 10, window))
    assert [(r["callId"], r["remark"]) for r in found["records"]] == [("call-1", "wants a refund")]
    bad = admin.form(account=str(account.account.id), call_id="call-1", note="", labels=["not-a-tag"])
    assert (await admin.client.post(f"/console/callcenter/agents/{ids[0]}/note", data=bad)).status_code == 422
    wrong = admin.form(account=str(account.account.id), state="dancing")
    assert (await admin.client.post(f"/console/callcenter/agents/{ids[0]}/state", data=wrong)).status_code == 422


async def test_account_users_see_only_their_own_call_center(services: Services, browser: Browser) -> None:
    mine, theirs = await new_account(services, "mine"), await new_account(services, "theirs")
    _, my_agents = await call_center(services, mine)
    _, their_agents = await call_center(services, theirs)
    await make_user(services, "admin@example.test")
    await make_user(services, "user@example.test", "account", mine.account.id)
    user = await session_of(browser, "user@example.test")
    board = await user.client.get(f"/console/callcenter?account={theirs.account.id}")
    assert board.status_code == 200 and f"/callcenter/agents/{my_agents[0]}?account={mine.account.id}" in board.text
    assert f"agents/{their_agents[0]}?" not in board.text
    assert (await user.client.get(f"/console/callcenter/agents/{their_agents[0]}")).status_code == 404
    form = user.form(account=str(theirs.account.id), state="break")
    assert (await user.client.post(f"/console/callcenter/agents/{their_agents[0]}/state", data=form)).status_code == 404
