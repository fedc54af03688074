"""The operator CLI: JSON output shapes, refusals as one-line errors with exit 1, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchboard.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data"), "SWITCHBOARD_DATABASE_URL": ""}


def sb(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={k: v for k, v in env.items() if v})
    return result.exit_code, result.stdout, result.stderr


def test_account_create_json_prints_exactly_one_object(env: dict[str, str]) -> None:
    code, out, _ = sb(env, "account", "create", "--name", "acme", "--balance", "100", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"accountId", "apiKey", "apiSecret", "apps"}
    assert set(data["apps"]) == {"sms", "voice", "aivoice", "cc"}
    assert all(len(app_id) == 8 for app_id in data["apps"].values())


def test_the_master_key_is_generated_into_the_data_folder_once(env: dict[str, str], tmp_path: Path) -> None:
    sb(env, "account", "create", "--name", "a", "--json")
    key_file = tmp_path / "data" / "master.key"
    first = key_file.read_bytes()
    sb(env, "account", "create", "--name", "b", "--json")
    assert key_file.read_bytes() == first
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_topup_lock_unlock_and_show(env: dict[str, str]) -> None:
    account_id = str(json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["accountId"])
    assert (
        json.loads(sb(env, "account", "topup", account_id, "--amount", "10.25", "--json")[1])["balance"] == "10.250000"
    )
    assert json.loads(sb(env, "account", "lock", account_id, "--json")[1])["locked"] is True
    assert json.loads(sb(env, "account", "unlock", account_id, "--json")[1])["locked"] is False
    shown = json.loads(sb(env, "account", "show", account_id, "--json")[1])
    assert len(shown["keys"]) == 1 and len(shown["apps"]) == 4
    assert "apiSecret" not in json.dumps(shown["keys"])


def test_key_create_disable_enable_and_allow_ip(env: dict[str, str]) -> None:
    account_id = str(json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["accountId"])
    key = json.loads(sb(env, "key", "create", "--account", account_id, "--allow-ip", "10.0.0.0/8", "--json")[1])
    assert set(key) == {"apiKey", "apiSecret"}
    assert json.loads(sb(env, "key", "disable", key["apiKey"], "--json")[1])["enabled"] is False
    assert json.loads(sb(env, "key", "enable", key["apiKey"], "--json")[1])["enabled"] is True
    updated = json.loads(sb(env, "key", "allow-ip", key["apiKey"], "1.2.3.4", "192.168.0.0/16", "--json")[1])
    assert updated["allowedIps"] == ["1.2.3.4/32", "192.168.0.0/16"]


def test_app_create_update_and_show(env: dict[str, str]) -> None:
    account_id = str(json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["accountId"])
    created = json.loads(sb(env, "app", "create", "--account", account_id, "--product", "voice", "--json")[1])
    assert created["product"] == "voice"
    code, out, _ = sb(env, "app", "update", created["appId"], "--report-url", "https://example.test/dlr", "--json")
    assert code == 0 and json.loads(out)["reportUrl"] == "https://example.test/dlr"
    assert json.loads(sb(env, "app", "show", created["appId"], "--json")[1])["reportUrl"] == "https://example.test/dlr"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["account", "topup", "999", "--amount", "1"], "no account 999", id="unknown-account"),
        pytest.param(["account", "topup", "1", "--amount", "-3"], "must be positive", id="negative-topup"),
        pytest.param(["account", "create", "--name", "x", "--allow-ip", "nope"], "CIDR", id="bad-cidr"),
        pytest.param(["app", "create", "--account", "1", "--product", "fax"], "product must be", id="bad-product"),
        pytest.param(["app", "update", "zzzzzzzz", "--report-url", "https://a.test/x"], "no app", id="unknown-app"),
        pytest.param(["app", "update", "zzzzzzzz", "--report-url", "x"], "http(s) URL", id="bad-url"),
        pytest.param(["key", "disable", "nokey"], "no API key", id="unknown-key"),
    ],
)
def test_bad_arguments_print_one_line_and_exit_non_zero(env: dict[str, str], args: list[str], message: str) -> None:
    sb(env, "account", "create", "--name", "first", "--json")
    code, out, err = sb(env, *args)
    assert code == 1
    assert err.strip().startswith("error:") and message in err and len(err.strip().splitlines()) == 1
    listed = json.loads(sb(env, "account", "list", "--json")[1])
    assert [a["name"] for a in listed] == ["first"]


def test_a_bad_cidr_on_account_create_creates_no_account(env: dict[str, str]) -> None:
    sb(env, "account", "create", "--name", "x", "--allow-ip", "10.0.0.0/33")
    assert json.loads(sb(env, "account", "list", "--json")[1]) == []
