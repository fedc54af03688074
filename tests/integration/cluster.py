"""A harness of real Switchboard processes for crash and multi-process tests: start, SIGKILL, restart, burst,
then check the invariants from the database."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from switchboard.auth.signature import sign
from switchboard.settings import async_database_url
from switchboard.store.database import Database
from switchboard.store.tables import accounts, ledger, messages, pushes
from tests.integration.server import BIN, cli, free_port


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        out = self.log.open("ab")
        self.popen = subprocess.Popen([str(BIN), *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()

    def wait_healthy(self, timeout: float = 30) -> None:
        if self.port is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become healthy:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Cluster:
    env: dict[str, str]
    tmp: Path
    procs: list[Proc] = field(default_factory=list)

    def add(self, name: str, *args: str, http: bool = False, node: int = 0) -> Proc:
        port = free_port() if http else None
        full = [*args, "--port", str(port)] if http else list(args)
        proc = Proc(name, full, {**self.env, "SWITCHBOARD_NODE_ID": str(node)}, self.tmp / f"{name}.log", port)
        self.procs.append(proc)
        return proc

    def start_all(self) -> None:
        for proc in self.procs:
            proc.start()
        for proc in self.procs:
            proc.wait_healthy()

    def stop_all(self) -> None:
        for proc in self.procs:
            proc.stop()

    @property
    def apis(self) -> list[Proc]:
        return [p for p in self.procs if p.port is not None]


@dataclass
class Burst:
    """Clients sending in threads; keeps every msgId the platform acknowledged."""

    key: str
    secret: str
    app_id: str
    urls: Callable[[], list[str]]
    acknowledged: list[str] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, requests: int, numbers_per_request: int, threads: int = 4) -> None:
        counter = iter(range(requests))
        counter_lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(timeout=15) as http:
                while True:
                    with counter_lock:
                        index = next(counter, None)
                    if index is None:
                        return
                    numbers = ",".join(f"91987{index:03d}{i:04d}" for i in range(numbers_per_request))
                    stamp = str(int(time.time()))
                    headers = {"Api-Key": self.key, "Timestamp": stamp, "Sign": sign(self.key, self.secret, stamp)}
                    body = {"appId": self.app_id, "numbers": numbers, "content": f"burst {index}"}
                    for _attempt in range(20):
                        url = random.choice(self.urls())  # noqa: S311
                        try:
                            answer = http.post(f"{url}/v3/sendSms", json=body, headers=headers).json()
                        except (httpx.TransportError, json.JSONDecodeError):
                            with self.lock:
                                self.errors += 1
                            time.sleep(0.2)
                            continue
                        if answer.get("status") == "0":
                            with self.lock:
                                self.acknowledged.extend(a["msgId"] for a in answer["array"])
                        break

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=300)


def setup_account(env: dict[str, str], balance: str = "100000") -> tuple[str, str, str, int]:
    acct = json.loads(cli(env, "account", "create", "--name", "crash", "--balance", balance, "--json"))
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", "0.001")
    cli(env, "app", "update", acct["apps"]["sms"], "--option", "number_limit=0")
    return acct["apiKey"], acct["apiSecret"], acct["apps"]["sms"], int(acct["accountId"])


@dataclass
class Verdict:
    acknowledged: int
    final: int
    lost: int
    not_final: int
    double_charged: int
    resubmitted: int
    pushes_missing: int
    ledger_matches: bool
    states: dict[str, int]

    def line(self) -> str:
        return (
            f"accepted={self.acknowledged} final={self.final} lost={self.lost} not_final={self.not_final} "
            f"double_charged={self.double_charged} reclaimed_after_crash={self.resubmitted} "
            f"pushes_missing={self.pushes_missing} ledger_matches={self.ledger_matches} states={self.states}"
        )


async def inspect(database_url: str, account_id: int, acknowledged: list[str], opening: int) -> Verdict:
    db = Database(async_database_url(database_url))
    try:
        async with db.read() as conn:
            rows = {r.msg_id: r for r in await conn.execute(sa.select(messages))}
            account = (await conn.execute(sa.select(accounts).where(accounts.c.id == account_id))).one()
            entries = list(await conn.execute(sa.select(ledger).where(ledger.c.account_id == account_id)))
            report_pushes: dict[str, int] = {}
            for push in await conn.execute(sa.select(pushes.c.ref).where(pushes.c.kind == "report")):
                report_pushes[push.ref] = report_pushes.get(push.ref, 0) + 1
    finally:
        await db.dispose()
    final_states = {"delivered", "failed", "expired"}
    states: dict[str, int] = {}
    for row in rows.values():
        states[row.status] = states.get(row.status, 0) + 1
    debits = -sum(e.balance_delta + e.gift_delta for e in entries if e.kind == "debit")
    refunds = [e for e in entries if e.kind == "refund"]
    refunded_ids = [e.reference.split()[-1] for e in refunds]
    expected_refunds = sum(r.cost for r in rows.values() if r.status == "failed" and r.carrier is None)
    charged_ok = (
        debits == sum(r.cost for r in rows.values())
        and sum(e.balance_delta + e.gift_delta for e in refunds) == expected_refunds
    )
    return Verdict(
        acknowledged=len(acknowledged),
        final=sum(1 for m in acknowledged if m in rows and rows[m].status in final_states),
        lost=sum(1 for m in acknowledged if m not in rows),
        not_final=sum(1 for r in rows.values() if r.status not in final_states),
        double_charged=(0 if charged_ok else 1) + len(refunded_ids) - len(set(refunded_ids)),
        resubmitted=sum(1 for r in rows.values() if r.attempts > 1 and r.carrier is not None),
        pushes_missing=sum(1 for m, r in rows.items() if r.status in final_states and report_pushes.get(m, 0) != 1),
        ledger_matches=sum(e.balance_delta for e in entries) == account.balance
        and sum(e.balance_delta for e in entries if e.kind in ("topup",)) == opening,
        states=states,
    )


def settle(database_url: str, account_id: int, acknowledged: list[str], opening: int, timeout: float) -> Verdict:
    deadline = time.monotonic() + timeout
    while True:
        verdict = asyncio.run(inspect(database_url, account_id, acknowledged, opening))
        if verdict.not_final == 0 and verdict.pushes_missing == 0 or time.monotonic() > deadline:
            return verdict
        time.sleep(0.5)


def chaos(cluster: Cluster, cycles: int, stop: threading.Event, pick: Callable[[], Proc]) -> threading.Thread:
    """Kill a process at a random moment and start it again, ``cycles`` times."""

    def run() -> None:
        for _ in range(cycles):
            if stop.wait(random.uniform(0.1, 0.6)):  # noqa: S311
                return
            victim = pick()
            victim.kill()
            time.sleep(random.uniform(0.05, 0.3))  # noqa: S311
            victim.start()
            victim.wait_healthy()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def any_of(procs: list[Proc]) -> Callable[[], Proc]:
    return lambda: random.choice(procs)  # noqa: S311


def describe(cluster: Cluster) -> dict[str, Any]:
    return {p.name: p.kills for p in cluster.procs}
