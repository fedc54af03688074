"""Operator CLI for rates, words, templates and scheduled messages."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_tenancy_cli import env, sb  # noqa: F401  (env is a fixture)


def test_rate_set_list_import_and_remove(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    code, _, err = sb(env, "rate", "set", "--product", "sms", "--country", "in", "--price", "0.0123")
    assert code == 0 and "running servers apply this within 2 s" in err
    assert sb(env, "rate", "set", "--product", "sms", "--country", "IN", "--price", "0.02")[0] == 0
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text("product,country,price,currency,prefix\nsms,*,0.01,USD,\nsms,CN,0.03,USD,86138\n")
    code, out, _ = sb(env, "rate", "import", str(csv_file))
    assert code == 0 and "2 rates imported" in out
    rates = json.loads(sb(env, "rate", "list", "--json")[1])
    assert {(r["country"], r["prefix"], r["price"]) for r in rates} == {
        ("IN", "", "0.020000"),
        ("*", "", "0.010000"),
        ("CN", "86138", "0.030000"),
    }
    assert sb(env, "rate", "remove", "--product", "sms", "--country", "CN", "--prefix", "86138")[0] == 0
    assert len(json.loads(sb(env, "rate", "list", "--json")[1])) == 2


def test_a_bad_csv_line_imports_nothing(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text("product,country,price\nsms,IN,0.01\nsms,XYZ,0.01\n")
    code, _, err = sb(env, "rate", "import", str(csv_file))
    assert code == 1 and "country" in err
    assert json.loads(sb(env, "rate", "list", "--json")[1]) == []


def test_words_add_list_remove(env: dict[str, str]) -> None:  # noqa: F811
    account_id = str(json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["accountId"])
    sb(env, "words", "add", "loan")
    sb(env, "words", "add", "casino", "--account", account_id)
    assert (
        json.loads(sb(env, "words", "list", "--json")[1])
        == [
            {"word": "loan", "account": None},
            {"word": "casino", "account": int(account_id)},
        ]
        or len(json.loads(sb(env, "words", "list", "--json")[1])) == 2
    )
    code, _, err = sb(env, "words", "remove", "loan")
    assert code == 0 and "within 2 s" in err
    assert sb(env, "words", "remove", "loan")[0] == 1


def test_template_add_approve_list(env: dict[str, str]) -> None:  # noqa: F811
    app_id = json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["apps"]["sms"]
    assert sb(env, "template", "add", "--app", app_id, "--content", "Code {code}")[0] == 0
    assert sb(env, "template", "approve", "1")[0] == 0
    assert json.loads(sb(env, "template", "list", "--app", app_id, "--json")[1]) == [
        {"id": 1, "content": "Code {code}", "approved": True}
    ]
    assert sb(env, "app", "update", app_id, "--option", "templates_required=true", "--json")[0] == 0
    shown = json.loads(sb(env, "app", "show", app_id, "--json")[1])
    assert shown["options"] == {"templates_required": True}


def test_cancelling_an_unknown_message_fails(env: dict[str, str]) -> None:  # noqa: F811
    code, _, err = sb(env, "sms", "cancel", "2611291200000000001")
    assert code == 1 and "not scheduled" in err


def test_unknown_or_mistyped_app_options_are_refused(env: dict[str, str]) -> None:  # noqa: F811
    app_id = json.loads(sb(env, "account", "create", "--name", "a", "--json")[1])["apps"]["sms"]
    assert "no option" in sb(env, "app", "update", app_id, "--option", "templates_requird=true")[2]
    assert "boolean" in sb(env, "app", "update", app_id, "--option", "strict_numbers=5")[2]
    assert "integer" in sb(env, "app", "update", app_id, "--option", "number_limit=yes")[2]
    assert sb(env, "app", "update", app_id, "--option", "number_limit=0")[0] == 0
