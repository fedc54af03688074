"""End to end over SMPP with a peer we did not write: HTTP sendSms to a running ``switchboard serve`` whose carrier
is SMPP -> an SMSC built on node-smpp (``tests/peers/node_smsc``) -> its receipts -> getReport says delivered and a
push reaches a real HTTP receiver; for GSM, Unicode and multipart messages, checking what the SMSC received.

The harness here (the node SMSC process, a ``serve`` wired to it, database invariants) is shared with
``test_smpp_faults.py``. ``npm ci`` installs node-smpp into ``tests/peers/node_smsc`` once when it is missing.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx
import pytest
import sqlalchemy as sa

from switchboard.auth.signature import sign
from switchboard.connectors.sms.receipts import canonical_id
from switchboard.settings import async_database_url
from switchboard.store.database import Database
from switchboard.store.tables import early_receipts, ledger, message_parts, messages, pushes
from tests.integration.cluster import Verdict, inspect
from tests.integration.receiver import Receiver, push_receiver
from tests.integration.server import base_env, cli, free_port, running_server

pytestmark = pytest.mark.integration

NODE_SMSC = Path(__file__).resolve().parents[1] / "peers" / "node_smsc"
FAST = {"SWITCHBOARD_DISPATCH_LEASE": "2", "SWITCHBOARD_WORKER_POLL": "0.1"}
BALANCE = 1000
PRICE = 10_000  # micro-units: 0.01 per segment


# ---------------------------------------------------------------------------------------------- the node SMSC


@pytest.fixture(scope="session")
def node_smsc_script() -> Path:
    """smsc.js, with node-smpp installed next to it (``npm ci`` once, when node_modules is missing)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the independent SMSC (node-smpp) needs Node.js: {' and '.join(missing)} not found on PATH")
    lock = Path(tempfile.gettempdir()) / "switchboard-node-smsc.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one install at a time (xdist workers, concurrent runs)
        if not (NODE_SMSC / "node_modules" / "smpp" / "package.json").exists():
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=NODE_SMSC,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, f"npm ci in {NODE_SMSC} failed:\n{result.stdout}\n{result.stderr}"
    return NODE_SMSC / "smsc.js"


@dataclass
class NodeSmsc:
    """A running smsc.js on ``port`` (0: any); ``options`` become its SMSC_* environment (``throttle_every=5`` ->
    SMSC_THROTTLE_EVERY)."""

    script: Path
    record: Path
    log: Path
    options: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        settings = {f"SMSC_{name.upper()}": str(value) for name, value in self.options.items()}
        env = {**os.environ, **settings, "SMSC_PORT": str(self.port), "SMSC_RECORD": str(self.record)}
        with self.log.open("ab") as err:
            self.popen = subprocess.Popen(["node", str(self.script)], env=env, stdout=subprocess.PIPE, stderr=err)
        assert self.popen.stdout is not None
        ready, _, _ = select.select([self.popen.stdout], [], [], 15)
        line = self.popen.stdout.readline().decode() if ready else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the node SMSC did not start: {line!r}\n{self.log.read_text()}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.popen is not None and self.popen.stdout is not None:
            self.popen.stdout.close()

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        """What the SMSC recorded (complete lines only), optionally of one event kind."""
        if not self.record.exists():
            return []
        lines = self.record.read_text().splitlines(keepends=True)
        rows = [json.loads(line) for line in lines if line.endswith("\n")]
        return [r for r in rows if event is None or r["event"] == event]

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.records("submit") if r["status"] == 0]


# ---------------------------------------------------------------------------------------------- the platform


@dataclass(frozen=True)
class Tenant:
    """A data folder prepared once per session: an account, its rate, the SMPP carrier ``smsc`` at ``smsc_port`` and
    the session's push receiver as the app's report URL. Every test copies it (each CLI call costs a second)."""

    data_dir: Path
    key: str
    secret: str
    app_id: str
    account_id: int
    smsc_port: int
    receiver: Receiver


_SHARED: dict[str, Any] = {"users": 0}


@pytest.fixture(scope="session")
def tenant_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenant]:
    # test_smpp_faults.py imports this fixture, which makes pytest hold a second session fixture of the same
    # function: both hand out the one tenant made here, and the last to finish stops its receiver.
    if "tenant" not in _SHARED:
        _SHARED["stack"] = ExitStack()
        # receiver.py's server listens with http.server's backlog of 5: a burst of pushes overflows it and they fail
        # with connection errors (then are retried 10 s later). The backlog is set when it listens, in __init__.
        with patch.object(ThreadingHTTPServer, "request_queue_size", 128):
            receiver = _SHARED["stack"].enter_context(push_receiver())
        _SHARED["tenant"] = _prepare_tenant(tmp_path_factory.mktemp("smpp_tenant") / "data", receiver)
    _SHARED["users"] += 1
    try:
        yield _SHARED["tenant"]
    finally:
        _SHARED["users"] -= 1
        if not _SHARED["users"]:
            del _SHARED["tenant"]
            _SHARED.pop("stack").close()


def _prepare_tenant(data: Path, receiver: Receiver) -> Tenant:
    env = base_env(data)
    acct = json.loads(cli(env, "account", "create", "--name", "smpp", "--balance", str(BALANCE), "--json"))
    app_id, port = acct["apps"]["sms"], free_port()
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", f"{PRICE / 10**6:.2f}")
    cli(env, "carrier", "add", "--name", "smsc", "--type", "smpp", "--host", "127.0.0.1", "--port", str(port),
        "--system-id", "x", "--password", "y")  # fmt: skip
    cli(env, "app", "update", app_id, "--report-url", f"{receiver.url}/dlr", "--option", "number_limit=0")
    return Tenant(data, acct["apiKey"], acct["apiSecret"], app_id, int(acct["accountId"]), port, receiver)


@dataclass
class Platform:
    """A ``serve`` whose only carrier is the node SMSC, with a push receiver as the app's report URL."""

    base: str
    env: dict[str, str]
    tenant: Tenant
    smsc: NodeSmsc
    receiver: Receiver
    log: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{Path(self.env['SWITCHBOARD_DATA_DIR']) / 'switchboard.db'}"

    def headers(self) -> dict[str, str]:
        stamp = str(int(time.time()))
        key, secret = self.tenant.key, self.tenant.secret
        return {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp}

    def send(self, content: str, numbers: list[str], sender: str | None = None) -> list[str]:
        body = {"appId": self.tenant.app_id, "numbers": ",".join(numbers), "content": content}
        if sender:
            body["senderId"] = sender
        answer = httpx.post(f"{self.base}/v3/sendSms", headers=self.headers(), json=body, timeout=10).json()
        assert answer["status"] == "0", answer
        return [row["msgId"] for row in answer["array"]]

    def report(self, ids: list[str]) -> dict[str, Any]:
        params = {"appId": self.tenant.app_id, "msgIds": ",".join(ids)}
        return dict(httpx.get(f"{self.base}/v3/getReport", params=params, headers=self.headers(), timeout=10).json())

    def metrics(self) -> dict[str, float]:
        """``/metrics`` samples as ``name{labels}`` -> value."""
        text = httpx.get(f"{self.base}/metrics", timeout=10).text
        samples = (re.match(r"^(\S+)\s+(\S+)$", line) for line in text.splitlines() if not line.startswith("#"))
        return {m.group(1): float(m.group(2)) for m in samples if m}

    def receipts_counted(self) -> dict[str, int]:
        found = self.metrics()
        return {
            r: int(found.get(f'switchboard_receipts_total{{result="{r}"}}', 0))
            for r in ("applied", "duplicate", "unknown")
        }

    def rows(self, table: sa.Table) -> list[dict[str, Any]]:
        return asyncio.run(_rows(self.database_url, table))

    def verdict(self, ids: list[str]) -> Verdict:
        return asyncio.run(inspect(self.database_url, self.tenant.account_id, ids, BALANCE * 10**6))

    def settle(self, ids: list[str], timeout: float = 30.0) -> Verdict:
        """Wait until every message is final, pushed to the receiver and its push recorded as delivered (the receiver
        has a push a moment before ``serve`` records its answer); the verdict then."""
        deadline = time.monotonic() + timeout
        while True:
            verdict = self.verdict(ids)
            pushed = {p.json()["msgid"] for p in self.receiver.received}
            if verdict.final == len(ids) and verdict.not_final == 0 and pushed >= set(ids):
                recorded = {p["ref"] for p in self.rows(pushes) if p["status"] == "delivered"}
                if recorded >= set(ids):
                    return verdict
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled in {timeout}s: {verdict.line()} pushed={len(pushed)}\n{self.tail()}")
            time.sleep(0.2)

    def pushes_by_msgid(self) -> dict[str, dict[str, Any]]:
        return {p.json()["msgid"]: p.json() for p in self.receiver.received}

    def tail(self) -> str:
        return (
            f"--- serve log ---\n{self.log.read_text()[-4000:]}\n--- smsc ---\n{self.smsc.record.read_text()[-3000:]}"
        )


async def _rows(database_url: str, table: sa.Table) -> list[dict[str, Any]]:
    db = Database(async_database_url(database_url))
    try:
        async with db.read() as conn:
            return [dict(r._mapping) for r in await conn.execute(sa.select(table))]
    finally:
        await db.dispose()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.1)


@contextmanager
def smpp_platform(
    tmp_path: Path,
    script: Path,
    tenant: Tenant,
    *,
    smsc: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    fail_first: int = 0,
) -> Iterator[Platform]:
    """Start the node SMSC (``smsc`` options) on the carrier's port and ``serve`` (``env`` added to its environment)
    on a copy of the tenant's data; the receiver answers 500 to the next ``fail_first`` pushes. Stops both after."""
    data = tmp_path / "data"
    shutil.copytree(tenant.data_dir, data)
    environment = base_env(data, **FAST, **(env or {}))
    receiver = tenant.receiver
    receiver.received.clear()
    receiver.calls, receiver.fail_first = 0, fail_first
    with ExitStack() as stack:
        node = NodeSmsc(script, tmp_path / "smsc.jsonl", tmp_path / "smsc.log", dict(smsc or {}), tenant.smsc_port)
        node.start()
        stack.callback(node.stop)
        log = tmp_path / "serve.log"
        base = stack.enter_context(running_server(environment, log=log))
        platform = Platform(base, environment, tenant, node, receiver, log)
        wait_for(lambda: node.records("bind"), what="the SMPP bind")
        yield platform


def assert_consistent(platform: Platform, ids: list[str], verdict: Verdict) -> None:
    """Nothing lost, every message final once, charged once, one push each, the ledger equals the balance."""
    line = verdict.line()
    assert verdict.acknowledged == len(ids) > 0, line
    assert (verdict.lost, verdict.not_final, verdict.double_charged, verdict.pushes_missing) == (0, 0, 0, 0), line
    assert verdict.final == verdict.acknowledged and verdict.ledger_matches, line
    pushed = Counter(p.json()["msgid"] for p in platform.receiver.received)
    assert set(pushed) == set(ids) and set(pushed.values()) == {1}, pushed
    debits = [e for e in platform.rows(ledger) if e["kind"] == "debit"]
    assert len(debits) == len({e["reference"] for e in debits}), "a request was debited twice"


# ---------------------------------------------------------------------------------------------- the test


GSM = "Hello GSM € {ok} [x] ~^|\\ @£$¥"
UNICODE = "你好，世界 ✓ Привет"
LONG_GSM = "Long GSM message. " + "0123456789" * 20  # 218 septets: 2 parts
LONG_UCS2 = "Съешь же ещё этих мягких французских булок, да выпей чаю. Съешь же ещё этих булок!"  # 81 units: 2 parts


def test_gsm_unicode_and_multipart_reach_the_node_smsc_and_come_back_delivered(
    tmp_path: Path, node_smsc_script: Path, tenant_template: Tenant
) -> None:
    cases = [  # content, number, sender, data_coding, parts
        (GSM, "919876500001", "ACME", 0, 1),
        (UNICODE, "919876500002", "447700900123", 8, 1),
        (LONG_GSM, "919876500003", None, 0, 2),
        (LONG_UCS2, "919876500004", None, 8, 2),
    ]
    with smpp_platform(tmp_path, node_smsc_script, tenant_template) as platform:
        ids = [platform.send(content, [number], sender)[0] for content, number, sender, _dc, _n in cases]
        verdict = platform.settle(ids)
        report = platform.report(ids)
        counted = platform.receipts_counted()
        assert_consistent(platform, ids, verdict)

    assert verdict.states == {"delivered": 4}
    assert (report["status"], report["success"], report["sending"]) == ("0", "4", "0")
    assert {row["status"] for row in report["array"]} == {"0"}
    # Each part's receipt counted once: applied, or held as unknown when it outran the recording of its submit.
    assert counted["applied"] + counted["unknown"] == 6 and counted["duplicate"] == 0

    # What the SMSC received, as node-smpp decoded it.
    submits = platform.smsc.accepted()
    assert len(submits) == 6
    by_number: dict[str, list[dict[str, Any]]] = {}
    for submit in submits:
        by_number.setdefault(submit["destination_addr"], []).append(submit)
    for content, number, sender, data_coding, parts in cases:
        got = by_number[number]
        assert len(got) == parts
        assert {s["data_coding"] for s in got} == {data_coding}
        assert {s["registered_delivery"] for s in got} == {1}
        assert {(s["dest_addr_ton"], s["dest_addr_npi"]) for s in got} == {(1, 1)}
        if parts == 1:
            assert (got[0]["esm_class"], got[0]["udh"], got[0]["text"]) == (0, [], content)
        else:
            udhs = [bytes.fromhex(s["udh"][0]) for s in got]
            assert {s["esm_class"] for s in got} == {0x40} and all(len(s["udh"]) == 1 for s in got)
            assert [u[:2] for u in udhs] == [b"\x00\x03"] * parts  # IE 0 (8-bit reference), length 3
            assert len({u[2] for u in udhs}) == 1 and [u[3] for u in udhs] == [parts] * parts
            ordered = sorted(got, key=lambda s: bytes.fromhex(s["udh"][0])[4])
            assert [bytes.fromhex(s["udh"][0])[4] for s in ordered] == list(range(1, parts + 1))
            assert "".join(s["text"] for s in ordered) == content
        if sender == "ACME":
            assert (got[0]["source_addr"], got[0]["source_addr_ton"], got[0]["source_addr_npi"]) == ("ACME", 5, 0)
        elif sender:
            assert (got[0]["source_addr"], got[0]["source_addr_ton"], got[0]["source_addr_npi"]) == (sender, 1, 1)

    # Receipts: one acknowledged deliver_sm per part; the SMSC's upper-case hex ids matched our parts.
    receipts = platform.smsc.records("receipt")
    assert sorted(r["message_id"] for r in receipts) == sorted(s["message_id"] for s in submits)
    assert {r["status"] for r in receipts} == {0}
    keys = {p["carrier_key"] for p in platform.rows(message_parts)}
    assert keys == {canonical_id(s["message_id"]) for s in submits}
    assert {p["state"] for p in platform.rows(message_parts)} == {"delivered"}

    # The pushes: delivered, charged per segment.
    pushed = platform.pushes_by_msgid()
    for msg_id, (_content, number, _sender, _dc, parts) in zip(ids, cases, strict=True):
        body = pushed[msg_id]
        assert (body["status"], body["reason"], body["mobile"]) == (0, "0", number)
        assert body["pricedetail"]["chargeCnt"] == parts
        assert body["pricedetail"]["pay"] == f"{parts * PRICE / 10**6:.6f}"
    assert {p["status"] for p in platform.rows(pushes)} == {"delivered"}
    assert platform.rows(early_receipts) == []
    assert {m["carrier"] for m in platform.rows(messages)} == {"smsc"}
