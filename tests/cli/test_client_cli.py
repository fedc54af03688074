"""The client commands (balance, sms send/send-file/report) against a fake API behind httpx.MockTransport.

The fake implements what the commands rely on, including the app option ``unique_order_ids`` (a repeated
orderId is answered with its original msgId and not sent again), so send-file's exactly-once resume can be
checked by counting msgIds per number on the "server".
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import typer
from typer.testing import CliRunner

from switchboard.cli import client as client_cli

KEY, SECRET, APP = "cliKey01", "cliSecret01", "cliApp01"
runner = CliRunner()


class Crash(RuntimeError):
    """The client process dies (here: after the server answered, before the journal was written)."""


class FakeApi:
    def __init__(self, *, unique_order_ids: bool = True) -> None:
        self.unique_order_ids = unique_order_ids
        self.messages: list[dict[str, str]] = []  # every message the server really sent
        self.by_order: dict[str, dict[str, str]] = {}
        self.batches = 0
        self.crash_after: int | None = None  # raise Crash once this many batches were answered
        self.lose_answer_of: set[int] = set()  # batch numbers whose answer is lost (ReadTimeout)
        self.seen: list[tuple[str, dict[str, str], Any]] = []

    def _new(self, number: str, content: str, order_id: str) -> dict[str, str]:
        message = {"msgId": f"2611291200{len(self.messages):09d}", "number": number, "content": content}
        message["orderId"] = order_id
        self.messages.append(message)
        if order_id and self.unique_order_ids:
            self.by_order[order_id] = message
        return message

    def _send(self, groups: list[dict[str, Any]]) -> dict[str, Any]:
        if not groups:
            return {"status": "-8", "reason": "Number is empty"}
        if any(not str(g.get("content") or "").strip() for g in groups):
            return {"status": "-4", "reason": "SMS content is empty"}
        accepted, failed = [], 0
        for group in groups:
            numbers = str(group["numbers"]).split(",")
            orders = str(group.get("orderId") or "").split(",") if group.get("orderId") else [""] * len(numbers)
            for number, order_id in zip(numbers, orders, strict=True):
                if not number.isdigit():
                    failed += 1
                    continue
                message = self.by_order.get(order_id) or self._new(number, group["content"], order_id)
                accepted.append({"msgId": message["msgId"], "number": number, "orderId": order_id})
        return {"status": "0", "reason": "success", "success": str(len(accepted)), "fail": str(failed),
                "array": accepted}  # fmt: skip

    def _report(self, ids: list[str]) -> dict[str, Any]:
        known = {m["msgId"]: m for m in self.messages}
        items = [
            {"msgId": i, "number": known[i]["number"], "receiveTime": "2026-11-29T12:00:01+00:00", "status": "0"}
            for i in ids
            if i in known
        ]
        return {"status": "0", "reason": "success", "success": str(len(items)), "fail": "0", "sending": "0",
                "nofound": str(len(ids) - len(items)), "array": items}  # fmt: skip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        query = dict(parse_qsl(url.query))
        body = json.loads(request.content) if request.content else {}
        self.seen.append((url.path, query, body))
        ts = request.headers.get("Timestamp", "")
        sign = hashlib.md5(f"{KEY}{SECRET}{ts}".encode(), usedforsecurity=False).hexdigest()
        if request.headers.get("Api-Key") != KEY or request.headers.get("Sign") != sign:
            return httpx.Response(200, json={"status": "-1", "reason": "Authentication error"})
        if url.path == "/v3/getBalance":
            answer = {"status": "0", "reason": "success", "balance": "9.990000", "gift": "1.000000", "credit": "0"}
        elif url.path == "/v3/sendSms":
            answer = self._send([body])
        elif url.path == "/v3/sendSms/batch":
            answer = self._send(body["array"])
            self.batches += 1
            if self.batches == self.crash_after:
                raise Crash(f"killed after batch {self.batches}")
            if self.batches in self.lose_answer_of:
                raise httpx.ReadTimeout("answer lost", request=request)
        elif url.path == "/v3/getReport":
            answer = self._report(query["msgIds"].split(","))
        else:
            return httpx.Response(404)
        return httpx.Response(200, json=answer)

    def msg_ids_per_number(self) -> Counter[str]:
        return Counter(m["number"] for m in self.messages)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    fake = FakeApi()
    monkeypatch.setattr(client_cli, "TRANSPORT", httpx.MockTransport(fake))
    for name in ("API_KEY", "API_SECRET", "BASE_URL", "APP_ID"):
        monkeypatch.delenv(f"SWITCHBOARD_{name}", raising=False)
        monkeypatch.delenv(f"ONBUKA_{name}", raising=False)
    monkeypatch.setenv("SWITCHBOARD_PROFILE", str(tmp_path / "no-profile.toml"))
    return fake


@pytest.fixture
def cli() -> typer.Typer:
    root = typer.Typer(no_args_is_help=True)
    sms = typer.Typer(no_args_is_help=True)
    root.add_typer(sms, name="sms")
    client_cli.register(sms, root)
    return root


CREDS = ["--api-key", KEY, "--api-secret", SECRET, "--base-url", "http://sb.test"]


def flat(text: str) -> str:
    """Output without rich's line wrapping."""
    return " ".join(text.split())


def invoke(cli: typer.Typer, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(cli, list(args), env=env)


# --- balance, send, report ---------------------------------------------------------------------------------------


def test_balance(cli: typer.Typer, api: FakeApi) -> None:
    result = invoke(cli, "balance", *CREDS, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"balance": "9.990000", "gift": "1.000000", "credit": "0"}
    text = invoke(cli, "balance", *CREDS)
    assert "9.990000" in flat(text.stdout) and "gift" in flat(text.stdout)


def test_send_and_report(cli: typer.Typer, api: FakeApi) -> None:
    result = invoke(cli, "sms", "send", "--to", "919876543210,919876543211", "--to", "919876543212",
                    "--text", "hello", "--sender", "ACME", "--app", APP, *CREDS, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    assert sent["success"] == 3 and len(sent["messages"]) == 3
    path, _, body = api.seen[-1]
    assert path == "/v3/sendSms"
    assert body == {"appId": APP, "numbers": "919876543210,919876543211,919876543212", "content": "hello",
                    "senderId": "ACME"}  # fmt: skip
    ids = [m["msgId"] for m in sent["messages"]]
    report = invoke(cli, "sms", "report", *ids, "2611290000000000000", "--app", APP, *CREDS, "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    assert (data["success"], data["nofound"]) == (3, 1)
    assert [i["status"] for i in data["items"]] == ["delivered"] * 3
    table = invoke(cli, "sms", "report", ids[0], "--app", APP, *CREDS)
    assert ids[0] in flat(table.stdout) and "delivered" in flat(table.stdout)


def test_refusals_are_one_line_errors_with_exit_1(cli: typer.Typer, api: FakeApi) -> None:
    result = invoke(cli, "sms", "send", "--to", "919876543210", "--text", " ", "--app", APP, *CREDS)
    assert result.exit_code == 1
    assert "sms error -4: SMS content is empty" in flat(result.stderr)
    wrong = invoke(cli, "balance", "--api-key", KEY, "--api-secret", "nope", "--base-url", "http://sb.test")
    assert wrong.exit_code == 1 and "-1" in flat(wrong.stderr)


# --- credentials -------------------------------------------------------------------------------------------------


def test_credentials_from_the_environment(cli: typer.Typer, api: FakeApi) -> None:
    env = {"SWITCHBOARD_API_KEY": KEY, "SWITCHBOARD_API_SECRET": SECRET, "SWITCHBOARD_BASE_URL": "http://sb.test"}
    assert invoke(cli, "balance", env=env).exit_code == 0
    onbuka = {"ONBUKA_API_KEY": KEY, "ONBUKA_API_SECRET": SECRET, "ONBUKA_BASE_URL": "http://sb.test"}
    assert invoke(cli, "balance", env=onbuka).exit_code == 0


def test_missing_credentials_say_where_they_can_come_from(cli: typer.Typer, api: FakeApi) -> None:
    result = invoke(cli, "balance")
    assert result.exit_code == 1
    assert "SWITCHBOARD_API_KEY" in flat(result.stderr) and "--api-key" in flat(result.stderr)


def test_profiles(cli: typer.Typer, api: FakeApi, tmp_path: Path) -> None:
    profile = tmp_path / "client.toml"
    profile.write_text(
        f'[default]\napi_key = "{KEY}"\napi_secret = "{SECRET}"\nbase_url = "http://sb.test"\napp_id = "{APP}"\n\n'
        f'[other]\napi_key = "{KEY}"\napi_secret = "wrong"\nbase_url = "http://sb.test"\napp_id = "otherApp"\n'
    )
    env = {"SWITCHBOARD_PROFILE": str(profile)}
    assert invoke(cli, "balance", env=env).exit_code == 0  # [default]
    assert invoke(cli, "sms", "send", "--to", "919876543210", "--text", "x", env=env).exit_code == 0
    assert api.seen[-1][2]["appId"] == APP
    assert invoke(cli, "balance", "--profile", "other", env=env).exit_code == 1  # its wrong secret is used
    # flags beat the profile, the environment beats [default], and an explicit --profile beats the environment
    assert invoke(cli, "balance", "--profile", "other", "--api-secret", SECRET, env=env).exit_code == 0
    assert invoke(cli, "balance", env={**env, "SWITCHBOARD_API_SECRET": "wrong"}).exit_code == 1
    named = invoke(cli, "sms", "send", "--to", "9198", "--text", "x", "--profile", "other", "--api-secret", SECRET,
                   env={**env, "SWITCHBOARD_APP_ID": "envApp01"})  # fmt: skip
    assert named.exit_code == 0 and api.seen[-1][2]["appId"] == "otherApp"
    missing = invoke(cli, "balance", "--profile", "nope", env=env)
    assert missing.exit_code == 1 and "[nope]" in flat(missing.stderr)


def test_the_default_profile_file_is_under_the_config_home(
    cli: typer.Typer, api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWITCHBOARD_PROFILE")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / ".config" / "switchboard").mkdir(parents=True)
    (tmp_path / ".config" / "switchboard" / "client.toml").write_text(
        f'[default]\napi_key = "{KEY}"\napi_secret = "{SECRET}"\nbase_url = "http://sb.test"\n'
    )
    assert invoke(cli, "balance").exit_code == 0


# --- send-file ---------------------------------------------------------------------------------------------------


def write_csv(path: Path, count: int, first: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "name"])
        for i in range(first, first + count):
            writer.writerow([f"9198{i:08d}", f"n{i}"])
    return path


def send_file(cli: typer.Typer, csv_file: Path, *extra: str) -> Any:
    return invoke(cli, "sms", "send-file", str(csv_file), "--text", "Hi {name}, {{ok}}", "--app", APP, *CREDS, *extra)


def journal_rows(path: Path) -> Iterator[tuple[int, str | None]]:
    for line in path.read_text().splitlines()[1:]:
        entry = json.loads(line)
        yield from ((int(row), msg_id) for row, msg_id in entry["ok"])
        yield from ((int(row), None) for row in entry["failed"])


def test_send_file_killed_halfway_resumes_and_sends_every_number_exactly_once(
    cli: typer.Typer, api: FakeApi, tmp_path: Path
) -> None:
    csv_file = write_csv(tmp_path / "numbers.csv", 20_000)
    api.crash_after = 7  # the 7th chunk is sent and answered, then the process dies before writing its journal line
    first = send_file(cli, csv_file, "--unique-order-ids")
    assert isinstance(first.exception, Crash)
    journal = tmp_path / "numbers.csv.journal"
    assert len(dict(journal_rows(journal))) == 6000
    assert len(api.messages) == 7000

    api.crash_after = None
    second = send_file(cli, csv_file, "--unique-order-ids")
    assert second.exit_code == 0, second.output
    assert "20000 rows: 20000 accepted, 0 failed (6000 were done by an earlier run)" in flat(second.stdout)
    assert "sending" in flat(second.stderr) and "20000/20000" in flat(second.stderr)  # the progress bar
    assert "warning" not in flat(second.stderr)

    per_number = api.msg_ids_per_number()
    assert len(per_number) == 20_000 and set(per_number.values()) == {1}  # every number exactly once
    assert api.batches == 7 + 14  # the lost chunk was asked again (answered from its orderIds), then 13 more
    server = {m["number"]: m["msgId"] for m in api.messages}
    recorded = dict(journal_rows(journal))
    assert all(recorded[i] == server[f"9198{i:08d}"] for i in range(20_000))
    assert {m["content"] for m in api.messages[:2]} == {"Hi n0, {ok}", "Hi n1, {ok}"}

    third = send_file(cli, csv_file, "--unique-order-ids")
    assert third.exit_code == 0 and api.batches == 21  # nothing left to send
    assert "(20000 were done by an earlier run)" in flat(third.stdout)


def test_without_unique_order_ids_a_kill_repeats_that_one_chunk_and_warns(
    cli: typer.Typer, api: FakeApi, tmp_path: Path
) -> None:
    api.unique_order_ids = False
    csv_file = write_csv(tmp_path / "numbers.csv", 3000)
    api.crash_after = 2
    first = send_file(cli, csv_file, "--batch", "500")
    assert isinstance(first.exception, Crash)
    assert "unique_order_ids=true" in flat(first.stderr)  # the warning
    api.crash_after = None
    assert send_file(cli, csv_file, "--batch", "500").exit_code == 0
    counts = Counter(api.msg_ids_per_number().values())
    assert counts == {1: 2500, 2: 500}  # exactly the chunk between the answer and the journal write


def test_a_lost_answer_is_retried_only_when_unique_order_ids_is_confirmed(
    cli: typer.Typer, api: FakeApi, tmp_path: Path
) -> None:
    csv_file = write_csv(tmp_path / "numbers.csv", 300)
    api.lose_answer_of = {2}
    unconfirmed = send_file(cli, csv_file, "--batch", "100")
    assert unconfirmed.exit_code == 1 and "run the same command again" in flat(unconfirmed.stderr)
    assert send_file(cli, csv_file, "--batch", "100").exit_code == 0
    assert set(api.msg_ids_per_number().values()) == {1}

    api.lose_answer_of = {api.batches + 1}
    other = write_csv(tmp_path / "other.csv", 250, first=1000)
    confirmed = send_file(cli, other, "--batch", "100", "--unique-order-ids")
    assert confirmed.exit_code == 0, confirmed.output  # the SDK retried the batch with the same orderIds
    assert set(api.msg_ids_per_number().values()) == {1} and len(api.messages) == 550


def test_failed_rows_are_journaled_and_not_retried(cli: typer.Typer, api: FakeApi, tmp_path: Path) -> None:
    csv_file = tmp_path / "mixed.csv"
    csv_file.write_text("number,name\n919800000001,a\nnot-a-number,b\n919800000002,c\n")
    state = tmp_path / "state.jsonl"
    result = send_file(cli, csv_file, "--state", str(state))
    assert result.exit_code == 0 and "3 rows: 2 accepted, 1 failed" in flat(result.stdout)
    assert dict(journal_rows(state))[1] is None
    batches = api.batches
    assert send_file(cli, csv_file, "--state", str(state)).exit_code == 0 and api.batches == batches


def test_a_torn_last_journal_line_is_dropped_and_that_chunk_resent(
    cli: typer.Typer, api: FakeApi, tmp_path: Path
) -> None:
    csv_file = write_csv(tmp_path / "numbers.csv", 30)
    assert send_file(cli, csv_file, "--batch", "10", "--unique-order-ids").exit_code == 0
    journal = tmp_path / "numbers.csv.journal"
    text = journal.read_text()
    journal.write_text(text[: text.rstrip("\n").rfind("\n") + 1] + '{"ok":[[20,"26')  # the crash cut the last line
    again = send_file(cli, csv_file, "--batch", "10", "--unique-order-ids")
    assert again.exit_code == 0 and "(20 were done by an earlier run)" in flat(again.stdout)
    assert set(api.msg_ids_per_number().values()) == {1}
    assert len(dict(journal_rows(journal))) == 30


def test_a_changed_file_or_text_does_not_resume_a_foreign_journal(
    cli: typer.Typer, api: FakeApi, tmp_path: Path
) -> None:
    csv_file = write_csv(tmp_path / "numbers.csv", 5)
    assert send_file(cli, csv_file).exit_code == 0
    write_csv(csv_file, 6)
    changed = send_file(cli, csv_file)
    assert changed.exit_code == 1 and "belongs to another run" in flat(changed.stderr)
    other_text = invoke(cli, "sms", "send-file", str(csv_file), "--text", "Bye", "--app", APP, *CREDS,
                        "--state", str(tmp_path / "numbers.csv.journal"))  # fmt: skip
    assert other_text.exit_code == 1


@pytest.mark.parametrize(
    ("content", "text", "message"),
    [
        ("phone,name\n1,a\n", "Hi", "no 'number' column"),
        ("number,name\n919800000001,a\n", "Hi {first}", "{first}"),
        ("number,name\n919800000001,a\n,b\n", "Hi", "no number on line(s) 3"),
    ],
)
def test_bad_files_are_refused_before_anything_is_sent(
    cli: typer.Typer, api: FakeApi, tmp_path: Path, content: str, text: str, message: str
) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(content)
    result = invoke(cli, "sms", "send-file", str(csv_file), "--text", text, "--app", APP, *CREDS)
    assert result.exit_code == 1 and message in flat(result.stderr)
    assert api.seen == []


def test_send_file_needs_an_app_and_a_batch_of_at_most_1000(cli: typer.Typer, api: FakeApi, tmp_path: Path) -> None:
    csv_file = write_csv(tmp_path / "numbers.csv", 1)
    no_app = invoke(cli, "sms", "send-file", str(csv_file), "--text", "x", *CREDS)
    assert no_app.exit_code == 1 and "appId" in flat(no_app.stderr)
    assert send_file(cli, csv_file, "--batch", "1001").exit_code == 2


def test_render_placeholders() -> None:
    assert client_cli.render("Hi {name}, {{literal}} {x}", {"name": "Ann", "x": "1"}) == "Hi Ann, {literal} 1"
    assert client_cli.placeholders("{a} {{b}} {c_1}") == {"a", "c_1"}
