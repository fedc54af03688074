"""The voice operator commands: trunks, voice routes, calls, the TTS preview (on the CLI's own SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from switchboard.cli.voice import trunk_app, voice_app

runner = CliRunner()
cli = typer.Typer()
cli.add_typer(trunk_app, name="trunk")
cli.add_typer(voice_app, name="voice")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}


def sb(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_trunks_add_list_show_disable(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = sb(
        env,
        "trunk",
        "add",
        "--name",
        "carrier-a",
        "--host",
        "127.0.0.1",
        "--port",
        "5070",
        "--username",
        "u1",
        "--password",
        "secret",
        "--caller-id",
        "1234567",
        "--cps",
        "5",
        "--max-concurrent",
        "20",
    )
    assert code == 0 and "carrier-a" in out
    shown = json.loads(sb(env, "trunk", "show", "carrier-a")[1])
    assert shown == {
        "name": "carrier-a",
        "type": "sip",
        "host": "127.0.0.1",
        "port": 5070,
        "transport": "udp",
        "username": "u1",
        "password": "***",
        "callerId": "1234567",
        "cps": 5,
        "maxConcurrent": 20,
        "enabled": True,
        "config": {},
    }
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"default": {"ring": 0.5}, "prefixes": {"44": {"status": 486}}}))
    assert sb(env, "trunk", "add", "--name", "lab", "--type", "simulated", "--scenario", str(scenario))[0] == 0
    assert sb(env, "trunk", "disable", "carrier-a")[0] == 0
    listed = json.loads(sb(env, "trunk", "list", "--json")[1])
    assert [(t["name"], t["enabled"], t["config"]) for t in listed] == [
        ("carrier-a", False, {}),
        ("lab", True, {"default": {"ring": 0.5}, "prefixes": {"44": {"status": 486}}}),
    ]
    assert sb(env, "trunk", "list")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "bad name"], "trunk name"),
        (["--name", "t", "--transport", "tcp"], "udp"),
        (["--name", "t", "--username", "u"], "both"),
        (["--name", "t", "--cps", "0"], "cps"),
        (["--name", "t", "--type", "pbx"], "type"),
    ],
)
def test_bad_trunks_are_refused_in_one_line(env: dict[str, str], args: list[str], message: str) -> None:
    code, _, err = sb(env, "trunk", "add", *args)
    assert code == 1 and message in err and err.count("\n") == 1
    assert json.loads(sb(env, "trunk", "list", "--json")[1]) == []


def test_a_bad_scenario_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"default": {"status": 100}}))
    code, _, err = sb(env, "trunk", "add", "--name", "lab", "--type", "simulated", "--scenario", str(scenario))
    assert code == 1 and "status" in err


def test_voice_routes(env: dict[str, str]) -> None:
    sb(env, "trunk", "add", "--name", "a")
    sb(env, "trunk", "add", "--name", "b")
    assert sb(env, "voice", "route", "add", "--trunk", "a", "--trunk", "b", "--country", "in")[0] == 0
    assert sb(env, "voice", "route", "add", "--trunk", "b", "--prefix", "1202")[0] == 0
    code, _, err = sb(env, "voice", "route", "add", "--trunk", "nope")
    assert code == 1 and "no trunk nope" in err
    routes = json.loads(sb(env, "voice", "route", "list", "--json")[1])
    assert [(r["country"], r["prefix"], r["trunks"], r["position"]) for r in routes] == [
        ("IN", None, ["a", "b"], 10),
        (None, "1202", ["b"], 20),
    ]
    assert sb(env, "voice", "route", "remove", str(routes[0]["id"]))[0] == 0
    assert sb(env, "voice", "route", "remove", str(routes[0]["id"]))[0] == 1
    assert sb(env, "voice", "route", "list")[0] == 0


def test_calls_list_is_empty_and_an_unknown_call_is_refused(env: dict[str, str]) -> None:
    assert json.loads(sb(env, "voice", "calls", "--json")[1]) == []
    code, _, err = sb(env, "voice", "show", "2611291200000000001")
    assert code == 1 and "no call" in err


def test_say_renders_a_wav_and_refuses_unknown_languages(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "speech.wav"
    code, text, _ = sb(env, "voice", "say", "Your code is 1 2 3 4", "--language", "EN", "--out", str(out))
    assert code == 0 and "EN" in text and out.read_bytes()[:4] == b"RIFF"
    code, _, err = sb(env, "voice", "say", "hello", "--language", "XX", "--out", str(out))
    assert code == 1 and "language" in err
