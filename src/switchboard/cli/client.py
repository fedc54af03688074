"""Client commands: use a Switchboard (or any Onbuka v3) API as a customer would, through the Python SDK.

``switchboard balance``, ``switchboard sms send``, ``switchboard sms send-file``, ``switchboard sms report``.
Unlike the operator commands they never touch the database: they call the HTTP API with an API key.

Credentials, per setting: the flag (``--api-key``, ``--api-secret``, ``--base-url``, ``--app``), else the
environment (``SWITCHBOARD_API_KEY``... as in the SDK, ``ONBUKA_*`` too), else the profile file
(``SWITCHBOARD_PROFILE`` or ``~/.config/switchboard/client.toml``), section ``[default]``. An explicit
``--profile NAME`` is a flag too: its section then comes before the environment.

``send-file`` is resumable and, with the app option ``unique_order_ids=true``, exactly-once; see
:func:`send_file` and docs/cli.md.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from switchboard_client import UNSET, Client, SendGroup, SwitchboardError, TransportError
from switchboard_client.config import from_env

from switchboard.cli.common import console, fail, print_json

# Test hook: an httpx transport for every client these commands build (``httpx.MockTransport`` in tests).
TRANSPORT: httpx.BaseTransport | None = None

PROFILE_ENV = "SWITCHBOARD_PROFILE"
PROFILE_KEYS = {"api_key", "api_secret", "base_url", "app_id", "unique_order_ids"}
MAX_BATCH = 1000  # numbers per sendSms/batch request
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")

ApiKeyOpt = Annotated[str | None, typer.Option("--api-key", help="API key (else SWITCHBOARD_API_KEY, profile).")]
ApiSecretOpt = Annotated[
    str | None, typer.Option("--api-secret", help="API secret (else SWITCHBOARD_API_SECRET, profile).")
]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="API URL (else SWITCHBOARD_BASE_URL, profile).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="Profile name in the profile file.")]
AppOpt = Annotated[str | None, typer.Option("--app", help="SMS appId (else SWITCHBOARD_APP_ID, profile app_id).")]
SenderOpt = Annotated[str | None, typer.Option("--sender", help="Sender id (at most 32 characters).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


# --- credentials -------------------------------------------------------------------------------------------------


def profile_path() -> Path:
    configured = os.environ.get(PROFILE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "switchboard" / "client.toml"


def load_profile(name: str | None) -> dict[str, Any]:
    """The profile's settings: ``[NAME]`` when a name is given (it must exist), else ``[default]`` if any."""
    path = profile_path()
    if not path.exists():
        if name:
            fail(f"profile {name!r} asked for, but there is no profile file at {path}")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        fail(f"cannot read the profile file {path}: {exc}")
    section = data.get(name or "default")
    if section is None:
        if name:
            fail(f"no [{name}] profile in {path}")
        return {}
    if not isinstance(section, dict):
        fail(f"[{name or 'default'}] in {path} is not a table")
    unknown = set(section) - PROFILE_KEYS
    if unknown:
        fail(f"unknown setting(s) in [{name or 'default'}] of {path}: {', '.join(sorted(unknown))}")
    return section


@dataclass(frozen=True)
class Credentials:
    api_key: str | None
    api_secret: str | None
    base_url: str | None
    app_id: str | None
    unique_order_ids: bool = False

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        api_secret: str | None,
        base_url: str | None,
        app_id: str | None,
        profile: str | None,
    ) -> Credentials:
        section = load_profile(profile)

        def pick(flag: str | None, setting: str) -> str | None:
            from_profile = section.get(setting)
            from_profile = str(from_profile) if from_profile not in (None, "") else None
            if flag:
                return flag
            if profile:  # an explicit --profile is a flag: it wins over the environment
                return from_profile or from_env(setting)
            return from_env(setting) or from_profile

        return cls(
            pick(api_key, "api_key"),
            pick(api_secret, "api_secret"),
            pick(base_url, "base_url"),
            pick(app_id, "app_id"),
            section.get("unique_order_ids") is True,
        )

    def client(self) -> Client:
        try:
            return Client(self.api_key, self.api_secret, self.base_url, app_id=self.app_id, transport=TRANSPORT)
        except SwitchboardError as exc:
            fail(f"{exc} (or use --api-key/--api-secret, or a profile in {profile_path()})")


def _numbers(values: Sequence[str]) -> list[str]:
    return [n.strip() for value in values for n in value.split(",") if n.strip()]


# --- balance, send, report ---------------------------------------------------------------------------------------


def balance(
    api_key: ApiKeyOpt = None,
    api_secret: ApiSecretOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The account's balance, gift and credit line (through the API)."""
    with Credentials.resolve(api_key, api_secret, base_url, None, profile).client() as client:
        try:
            result = client.balance()
        except SwitchboardError as exc:
            fail(str(exc))
    values = {"balance": str(result.balance), "gift": str(result.gift), "credit": str(result.credit)}
    if as_json:
        print_json(values)
        return
    for name, value in values.items():
        console.print(f"{name:8} {value}", highlight=False)


def sms_send(
    to: Annotated[list[str], typer.Option("--to", help="Number(s), comma-separated or repeated (at most 1000).")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    sender: SenderOpt = None,
    app: AppOpt = None,
    api_key: ApiKeyOpt = None,
    api_secret: ApiSecretOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Send one SMS text to one or more numbers."""
    with Credentials.resolve(api_key, api_secret, base_url, app, profile).client() as client:
        try:
            result = client.send(_numbers(to), text, sender_id=sender or UNSET)
        except SwitchboardError as exc:
            fail(str(exc))
    if as_json:
        messages = [{"msgId": m.msg_id, "number": m.number, "orderId": m.order_id or ""} for m in result.messages]
        print_json({"success": result.success, "fail": result.fail, "messages": messages})
        return
    table = Table("msgId", "number")
    for message in result.messages:
        table.add_row(message.msg_id, message.number)
    console.print(table)
    console.print(f"{result.success} accepted, {result.fail} failed", highlight=False)


def sms_report(
    msg_ids: Annotated[list[str], typer.Argument(help="msgIds (any number; asked 200 at a time).")],
    app: AppOpt = None,
    api_key: ApiKeyOpt = None,
    api_secret: ApiSecretOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Delivery status of messages. Messages still queued are counted as 'nofound'."""
    with Credentials.resolve(api_key, api_secret, base_url, app, profile).client() as client:
        try:
            report = client.get_report(_numbers(msg_ids))
        except SwitchboardError as exc:
            fail(str(exc))
    counts = {"success": report.success, "fail": report.fail, "sending": report.sending, "nofound": report.nofound}
    items = [
        {
            "msgId": i.msg_id,
            "number": i.number,
            "status": i.status,
            "receiveTime": i.receive_time.isoformat() if i.receive_time else "",
        }
        for i in report.items
    ]
    if as_json:
        print_json({**counts, "items": items})
        return
    table = Table("msgId", "number", "status", "receiveTime")
    for item in items:
        table.add_row(item["msgId"], item["number"], item["status"], item["receiveTime"])
    console.print(table)
    console.print(", ".join(f"{v} {k}" for k, v in counts.items()), highlight=False)


# --- send-file ---------------------------------------------------------------------------------------------------


def render(template: str, values: dict[str, str]) -> str:
    """``{name}`` replaced by the row's column ``name``; ``{{`` and ``}}`` are literal braces."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        return token[0] if match.group(1) is None else values[match.group(1)]

    return PLACEHOLDER.sub(one, template)


def placeholders(template: str) -> set[str]:
    return {m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1)}


@dataclass
class CsvFile:
    path: Path
    sha256: str
    rows: list[dict[str, str]]

    @classmethod
    def read(cls, path: Path, template: str) -> CsvFile:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            fail(f"cannot read {path}: {exc}")
        try:
            reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
            columns = [c.strip() for c in reader.fieldnames or []]
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        except (UnicodeDecodeError, csv.Error) as exc:
            fail(f"{path}: not a UTF-8 CSV file: {exc}")
        if "number" not in columns:
            fail(f"{path}: the header has no 'number' column (columns: {', '.join(columns) or 'none'})")
        missing = placeholders(template) - set(columns)
        if missing:
            fail(f"the text uses {', '.join('{' + m + '}' for m in sorted(missing))}, which the CSV does not have")
        empty = [str(i + 2) for i, row in enumerate(rows) if not row.get("number")]
        if empty:
            fail(f"{path}: no number on line(s) {', '.join(empty[:10])}")
        return cls(path, hashlib.sha256(raw).hexdigest(), rows)

    def order_id(self, row: int) -> str:
        """Deterministic per (file content, row): the same row always gets the same orderId."""
        return f"{self.sha256[:24]}-{row}"


@dataclass
class Journal:
    """Append-only JSON lines next to the CSV: a header, then one line per chunk the server answered,
    ``{"ok": [[row, msgId], ...], "failed": [row, ...]}``, written (and fsynced) only after the answer."""

    path: Path
    header: dict[str, Any]
    done: dict[int, str | None] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, header: dict[str, Any]) -> Journal:
        """Start a journal, or read an existing one (after checking it belongs to the same file and options)."""
        journal = cls(path, header)
        data = path.read_bytes() if path.exists() else b""
        *complete, torn = data.split(b"\n")
        if torn:  # a write cut short by a crash: the chunk it described was not recorded, so it is re-sent
            with path.open("r+b") as handle:
                handle.truncate(len(data) - len(torn))
        if not complete:
            journal._append(header)
            return journal
        try:
            entries = [json.loads(line) for line in complete]
        except ValueError:
            fail(f"{path} is damaged or not a send-file journal; remove it or choose another --state file")
        journal._check_header(entries[0])
        if not all(isinstance(entry, dict) for entry in entries):
            fail(f"{path} is damaged or not a send-file journal; remove it or choose another --state file")
        for entry in entries[1:]:
            journal.done.update({int(row): msg_id for row, msg_id in entry.get("ok", [])})
            journal.done.update({int(row): None for row in entry.get("failed", [])})
        return journal

    def _check_header(self, entry: Any) -> None:
        if not isinstance(entry, dict) or entry.get("kind") != "switchboard send-file":
            fail(f"{self.path} is not a send-file journal; remove it or choose another --state file")
        for key in ("sha256", "text", "sender", "app"):
            if entry.get(key) != self.header[key]:
                fail(
                    f"{self.path} belongs to another run ({key} differs: the CSV, --text, --sender or --app "
                    "changed); resuming would send different messages. Remove it to start over."
                )

    def _append(self, entry: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def record(self, accepted: dict[int, str], failed: list[int]) -> None:
        self._append({"ok": sorted(accepted.items()), "failed": failed})
        self.done.update(accepted)
        self.done.update(dict.fromkeys(failed))


def _chunks(rows: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _groups(source: CsvFile, chunk: list[int], template: str, sender: str | None) -> list[SendGroup]:
    by_text: dict[str, list[int]] = {}
    for row in chunk:
        by_text.setdefault(render(template, source.rows[row]), []).append(row)
    return [
        SendGroup(
            numbers=[source.rows[r]["number"] for r in rows],
            content=text,
            sender_id=sender or UNSET,
            order_ids=[source.order_id(r) for r in rows],
        )
        for text, rows in by_text.items()
    ]


def _send_chunks(
    client: Client, source: CsvFile, journal: Journal, template: str, sender: str | None, batch: int, retry: bool
) -> None:
    pending = [row for row in range(len(source.rows)) if row not in journal.done]
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("sending", total=len(source.rows), completed=len(source.rows) - len(pending))
        for chunk in _chunks(pending, batch):
            result = client.send_batch(_groups(source, chunk, template, sender), retry_sends=retry)
            rows_by_order = {source.order_id(r): r for r in chunk}
            accepted = {rows_by_order[m.order_id]: m.msg_id for m in result.messages if m.order_id in rows_by_order}
            journal.record(accepted, [r for r in chunk if r not in accepted])
            progress.advance(task, len(chunk))


def send_file(
    file: Annotated[Path, typer.Argument(help="CSV with a 'number' column and optional variable columns.")],
    text: Annotated[str, typer.Option("--text", help="Template; {column} is replaced per row, {{ }} are braces.")],
    sender: SenderOpt = None,
    app: AppOpt = None,
    batch: Annotated[int, typer.Option("--batch", min=1, max=MAX_BATCH, help="Rows per request.")] = MAX_BATCH,
    state: Annotated[
        Path | None, typer.Option("--state", help="Journal file (default: FILE.journal next to the CSV).")
    ] = None,
    unique_order_ids: Annotated[
        bool,
        typer.Option(
            "--unique-order-ids",
            help="Assert that the app has unique_order_ids=true (exactly-once; also retries lost answers).",
        ),
    ] = False,
    api_key: ApiKeyOpt = None,
    api_secret: ApiSecretOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Send a personalised SMS to every row of a CSV file, resumably.

    Each chunk of rows goes out as one sendSms/batch request with orderIds derived from the file's SHA-256
    and the row number. The journal records a chunk's msgIds only after the server answered; a second run
    skips the rows it lists. If the process dies between the server's answer and the journal write, the next
    run sends that chunk again with the same orderIds, and an app with the option unique_order_ids=true
    answers with the original msgIds instead of sending twice. Without that option that one chunk would be
    sent twice: exactly-once needs it.
    """
    creds = Credentials.resolve(api_key, api_secret, base_url, app, profile)
    if not creds.app_id:
        fail("send-file needs the appId (--app, SWITCHBOARD_APP_ID or app_id in the profile): orderIds are per app")
    source = CsvFile.read(file, text)
    header = {
        "kind": "switchboard send-file",
        "file": file.name,
        "sha256": source.sha256,
        "text": text,
        "sender": sender,
        "app": creds.app_id,
        "rows": len(source.rows),
    }
    journal = Journal.open(state or file.with_name(file.name + ".journal"), header)
    known_unique = unique_order_ids or creds.unique_order_ids
    if not known_unique:
        Console(stderr=True).print(
            f"warning: exactly-once needs the app option unique_order_ids=true on {creds.app_id}, which is not "
            "confirmed (pass --unique-order-ids, or unique_order_ids = true in the profile). Without it, a run "
            "killed between an answer and its journal write sends that one chunk again when resumed. The "
            f"operator turns it on with: switchboard app update {creds.app_id} --option unique_order_ids=true",
            markup=False,
            highlight=False,
        )
    before = len(journal.done)
    with creds.client() as client:
        try:
            _send_chunks(client, source, journal, text, sender, batch, retry=known_unique)
        except TransportError as exc:
            fail(f"{exc}\nthe last chunk's outcome is unknown; run the same command again to resume ({journal.path})")
        except SwitchboardError as exc:
            fail(f"{exc}\nstopped; rows sent so far are in {journal.path}; run the same command again to resume")
    accepted = sum(1 for msg_id in journal.done.values() if msg_id is not None)
    console.print(
        f"{len(source.rows)} rows: {accepted} accepted, {len(journal.done) - accepted} failed "
        f"({before} were done by an earlier run); journal: {journal.path}",
        highlight=False,
        markup=False,
    )


def register(sms_app: typer.Typer, root_app: typer.Typer) -> None:
    """Add ``sms send``, ``sms send-file``, ``sms report`` to the ``sms`` group and ``balance`` to the root."""
    sms_app.command("send")(sms_send)
    sms_app.command("send-file")(send_file)
    sms_app.command("report")(sms_report)
    root_app.command("balance")(balance)
