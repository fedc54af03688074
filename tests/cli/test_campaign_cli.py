"""The operator's campaign commands (on the CLI's own SQLite): list tasks with their progress, show one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from switchboard.auth.authenticate import Principal
from switchboard.cli import app
from switchboard.services.campaigns import CampaignService
from switchboard.services.context import Services
from switchboard.settings import Settings
from switchboard.store import tenants

runner = CliRunner()


def sb(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + (result.stderr or "")


async def a_task(data_dir: Path, account: dict[str, str]) -> int:
    services = Services.build(Settings(data_dir=data_dir))
    try:
        async with services.db.read() as conn:
            key = await tenants.get_key(conn, account["apiKey"])
            acct = await tenants.get_account(conn, int(account["accountId"]))
            voice_app = await tenants.get_app(conn, account["apps"]["voice"])
        assert key and acct and voice_app
        body = {"taskName": "cli task", "numberList": ["919876543210"], "source": 3, "text": "Hi", "lan": "EN"}
        return await CampaignService(services).send(Principal(key, acct, voice_app), {**body, "maxCalls": 30})
    finally:
        await services.close()


def test_campaign_list_and_show(tmp_path: Path) -> None:
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}
    code, out = sb(env, "account", "create", "--name", "acme", "--balance", "10", "--json")
    assert code == 0, out
    account = json.loads(out)
    assert sb(env, "rate", "set", "--product", "voice", "--country", "IN", "--price", "0.02")[0] == 0
    job_id = asyncio.run(a_task(tmp_path / "data", account))
    code, out = sb(env, "campaign", "list", "--json")
    assert code == 0, out
    [listed] = json.loads(out)
    assert (listed["jobId"], listed["taskName"], listed["status"], listed["numCnt"]) == (job_id, "cli task", 0, 1)
    code, out = sb(env, "campaign", "show", str(job_id))
    assert code == 0 and json.loads(out)["accountId"] == int(account["accountId"])
    code, out = sb({**env, "COLUMNS": "200"}, "campaign", "list")
    assert code == 0 and str(job_id) in out
    code, out = sb(env, "campaign", "show", "999")
    assert code == 1 and "no task 999" in out
