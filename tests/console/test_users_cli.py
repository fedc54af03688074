"""``switchboard user ...``: create, list, disable, enable, token; refusals are one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from switchboard.cli.users import user_app

runner = CliRunner()
cli = typer.Typer()
cli.add_typer(user_app, name="user")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}


def sb(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_users_are_created_listed_disabled_and_enabled(env: dict[str, str]) -> None:
    code, out, _ = sb(
        env, "user", "create", "--email", "Ops@Example.test", "--password", "long enough", "--role", "admin"
    )
    assert code == 0 and "user ops@example.test (admin) created" in out
    code, out, _ = sb(env, "user", "list", "--json")
    assert json.loads(out) == [{"email": "ops@example.test", "role": "admin", "accountId": None, "enabled": True}]
    assert sb(env, "user", "disable", "ops@example.test")[0] == 0
    assert json.loads(sb(env, "user", "list", "--json")[1])[0]["enabled"] is False
    assert sb(env, "user", "enable", "ops@example.test")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--role", "account"], "an account user needs --account", id="account-without-account"),
        pytest.param(["--role", "account", "--account", "42"], "no account 42", id="unknown-account"),
        pytest.param(["--role", "boss"], "role must be one of admin, account", id="unknown-role"),
        pytest.param(["--role", "admin", "--password", "short"], "a password is 8 to 1024 characters", id="short"),
    ],
)
def test_refused_users_are_one_line_errors(env: dict[str, str], args: list[str], message: str) -> None:
    base = ["user", "create", "--email", "x@example.test"]
    if "--password" not in args:
        base += ["--password", "long enough"]
    code, out, err = sb(env, *base, *args)
    assert code == 1 and f"error: {message}" in err
    assert json.loads(sb(env, "user", "list", "--json")[1]) == []


def test_a_token_is_printed_once_and_only_its_hash_is_kept(env: dict[str, str], tmp_path: Path) -> None:
    sb(env, "user", "create", "--email", "ops@example.test", "--password", "long enough", "--role", "admin")
    code, out, _ = sb(env, "user", "token", "ops@example.test")
    token = out.strip()
    assert code == 0 and token.startswith("sbt_") and len(token) > 40
    assert token.encode() not in (tmp_path / "data" / "switchboard.db").read_bytes()
    assert sb(env, "user", "token", "nobody@example.test")[0] == 1
