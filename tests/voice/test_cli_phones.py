"""The ``phone`` operator commands on the CLI's own SQLite: add, list with registration state, show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchboard.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}


def sb(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_phones_add_list_show(env: dict[str, str]) -> None:
    code, out, _ = sb(env, "account", "create", "--name", "demo", "--json")
    assert code == 0, out
    voice_app = json.loads(out)["apps"]["voice"]
    code, out, _ = sb(env, "phone", "add", "--app", voice_app, "--group", "sales", "--name", "desk", "--quantity", "2")
    assert code == 0, out
    added = json.loads(out)
    assert len(added) == 2 and all(len(p["password"]) == 16 and not p["registered"] for p in added)
    code, out, _ = sb(env, "phone", "list", "--json")
    listed = json.loads(out)
    assert [p["account"] for p in listed] == [p["account"] for p in added]
    assert all("password" not in p for p in listed)
    code, out, _ = sb(env, "phone", "show", added[0]["account"], "--password")
    assert code == 0 and json.loads(out)["password"] == added[0]["password"]
    code, _, err = sb(env, "phone", "add", "--app", voice_app, "--group", "sales", "--name", "other")
    assert code == 1 and "already used" in err
    code, _, err = sb(env, "phone", "add", "--app", voice_app, "--group", "big1", "--name", "big1", "--quantity", "51")
    assert code == 1 and "at most 50" in err
    code, _, err = sb(env, "phone", "show", "0000000000")
    assert code == 1 and "no phone" in err
