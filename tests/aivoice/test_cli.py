"""The AI-voice operator commands: flows authored as YAML/JSON, lines, trying a flow (on the CLI's own SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from switchboard.cli.aivoice import aivoice_app
from switchboard.cli.tenancy import account_app
from switchboard.domain.aivoice.example import REMINDER_YAML

runner = CliRunner()
cli = typer.Typer()
cli.add_typer(aivoice_app, name="aivoice")
cli.add_typer(account_app, name="account")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}


def sb(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_flows_are_versioned_listed_shown_and_refused_when_bad(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = sb(env, "account", "create", "--name", "acme", "--json")
    assert code == 0, out
    account = str(json.loads(out)["accountId"])
    source = tmp_path / "reminder.yaml"
    source.write_text(REMINDER_YAML)
    code, out, _ = sb(env, "aivoice", "flow-set", str(source), "--account", account, "--json")
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, _ = sb(env, "aivoice", "flow-set", str(source), "--account", account, "--json")
    assert json.loads(out)["version"] == 2
    code, out, _ = sb(env, "aivoice", "flow-list", "--account", account, "--json")
    flows = json.loads(out)
    assert [(f["name"], f["version"], f["status"]) for f in flows] == [("Payment reminder", 2, "ENABLE")]
    code, out, _ = sb(env, "aivoice", "flow-show", str(flows[0]["dialogFlowId"]), "--account", account)
    assert "Payment reminder" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "start": "a", "nodes": {"a": {"type": "speak", "text": "hi"}}}))
    code, _, err = sb(env, "aivoice", "flow-set", str(bad), "--account", account)
    assert code == 1 and "speak needs next" in err
    code, out, _ = sb(env, "aivoice", "line-add", "12025550100", "--account", account)
    assert code == 0 and out.startswith("line ")
    code, _, err = sb(env, "aivoice", "line-add", "12025550100", "--account", account)
    assert code == 1 and "exists" in err


def test_try_runs_a_flow_on_real_audio(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "reminder.yaml"
    source.write_text(REMINDER_YAML)
    code, out, _ = sb(env, "aivoice", "try", str(source), "--say", "no thanks", "--var", "name=Ann")
    assert code == 0, out
    assert "intent=no level=E" in out
