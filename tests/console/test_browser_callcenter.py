"""End to end in headless Chromium against a real ``switchboard serve``: a customer builds a call center through
the signed API (a group with tags, three agents); the operator opens an agent's workstation, puts the agent
ready, and the live wall board follows.

Writes the screenshots that ``docs/callcenter.md`` shows (docs/screenshots/callcenter-board.png,
callcenter-agent.png).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from switchboard.auth.signature import sign
from tests.console.test_browser import EMAIL, PASSWORD, SCREENSHOTS, page, pytestmark  # noqa: F401
from tests.integration.server import base_env, cli, running_server


def cc_post(base: str, new: dict[str, Any], path: str, body: dict[str, Any]) -> Any:
    stamp = str(int(time.time()))
    key, secret = new["apiKey"], new["apiSecret"]
    headers = {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp}
    answer = httpx.post(f"{base}/v3/cc{path}", headers=headers, json=body, timeout=10).json()
    assert answer["status"] == "0", answer
    return answer["data"]


def test_an_operator_watches_the_wall_board_while_an_agent_gets_ready(tmp_path: Path, page: Any) -> None:  # noqa: F811
    env = base_env(tmp_path / "data")
    cli(env, "user", "create", "--email", EMAIL, "--password", PASSWORD, "--role", "admin")
    new = json.loads(cli(env, "account", "create", "--name", "Helpdesk", "--balance", "10", "--json"))
    with running_server(env, log=tmp_path / "serve.log") as base:
        cc_post(base, new, "/seatGroup/addGroup", {"appId": new["apps"]["cc"], "groupName": "Support desk"})
        group = cc_post(base, new, "/seatGroup/query", {"current": 1, "size": 10})["records"][0]["voiceGroupId"]
        settings = {"voiceGroupId": group, "labelName": ["refund", "vip"], "displaySwitch": 0, "encryptNumber": 0}
        cc_post(base, new, "/seatGroup/basicSetting", {**settings, "callinStrategy": 1, "wrapUpTime": 10})
        agents = cc_post(base, new, "/seat/addSeatList", {"voiceGroupId": group, "size": 3})

        page.goto(f"{base}/console/")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        page.get_by_role("link", name="Call center", exact=True).click()
        page.get_by_label("Account").select_option(str(new["accountId"]))
        page.get_by_role("button", name="Show").click()
        board = page.locator("section.cc-group")
        board.get_by_text("offline 3").wait_for()

        page.get_by_role("link", name=agents[0]["name"]).click()
        page.locator("h1", has_text=f"Agent {agents[0]['name']}").wait_for()
        assert "refund, vip" in page.inner_text("main")
        page.get_by_role("button", name="idle").click()
        page.locator("#agent-state .badge.idle").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "callcenter-agent.png"), full_page=True)

        page.get_by_role("link", name="Call center", exact=True).click()
        page.get_by_label("Account").select_option(str(new["accountId"]))
        page.get_by_role("button", name="Show").click()
        page.locator("section.cc-group p.stats").get_by_text("idle 1", exact=True).wait_for()
        # another agent gets ready through the workstation's form while the board is open: the board follows
        # on its own within a few seconds (it refreshes itself every 3 s)
        second = agents[1]["keyId"]
        csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
        page.evaluate(
            """([url, token, account]) => fetch(url, {method: "POST", headers: {"Content-Type":
            "application/x-www-form-urlencoded"}, body: `csrf_token=${token}&account=${account}&state=idle`})""",
            [f"{base}/console/callcenter/agents/{second}/state", csrf, str(new["accountId"])],
        )
        page.locator("section.cc-group p.stats").get_by_text("idle 2", exact=True).wait_for(timeout=10_000)
        page.screenshot(path=str(SCREENSHOTS / "callcenter-board.png"), full_page=True)
