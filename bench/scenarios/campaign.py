"""campaign: group-call tasks on ``switchboard serve`` (SQLite, or a throw-away PostgreSQL database).

Per backend: a fresh data folder, one funded account, voice rates, and a ``simulated`` SIP trunk (the built-in
callee on 127.0.0.1, answering at once) limited to ``CPS`` calls/s and 300 calls at once. Then

1. **accept**: one ``group/call/send`` of 200,000 US numbers (source 3, a short TTS text; a sendTime a day
   ahead, so it waits; cancelled afterwards): the time from the request to the answer, as the client sees it.
2. **pace**: a task of ``CPS x seconds`` numbers that calls at once; from the call records, the calls started
   per second (first to last INVITE) over the trunk's CPS (goal: within 5%), the busiest one-second window
   (the pacer keeps an absolute schedule, so a late event loop lets a window hold a few more starts), and
   the time until the task is finished.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.databases import temporary_postgres_database
from bench.errors import BenchError
from bench.procs import ManagedProcess, free_port, run_command, switchboard_executable, wait_healthy
from bench.results import Extra, Measurement
from bench.scenarios.base import Context
from switchboard.auth.signature import sign
from switchboard.settings import async_database_url
from switchboard.store.database import Database
from switchboard.store.voice_tables import voice_calls

CPS = 100
BIG = 200_000
QUICK_BIG = 50_000
SCENARIO = {"default": {"ring": 0, "status": 200}, "suffixes": {"9": {"ring": 0, "status": 486}}}


class Client:
    def __init__(self, base: str, account: dict[str, Any]) -> None:
        self.base = base
        self.key, self.secret = account["apiKey"], account["apiSecret"]
        self.voice_app = account["apps"]["voice"]

    def post(self, path: str, body: dict[str, Any], timeout: float = 120) -> Any:
        stamp = str(int(time.time()))
        headers = {"Api-Key": self.key, "Timestamp": stamp, "Sign": sign(self.key, self.secret, stamp)}
        return httpx.post(f"{self.base}{path}", json=body, headers=headers, timeout=timeout).json()

    def get(self, path: str) -> Any:
        stamp = str(int(time.time()))
        headers = {"Api-Key": self.key, "Timestamp": stamp, "Sign": sign(self.key, self.secret, stamp)}
        return httpx.get(f"{self.base}{path}", headers=headers, timeout=30).json()

    def task(self, name: str, numbers: list[str], **fields: Any) -> dict[str, Any]:
        body = {"appId": self.voice_app, "taskName": name, "numberList": numbers, "source": 3, "text": "Hi"}
        return {**body, "lan": "EN", "loopCount": 1, "maxCalls": 30, **fields}


def _provision(env: dict[str, str], folder: Path) -> dict[str, Any]:
    cli = switchboard_executable()
    account = json.loads(
        run_command([cli, "account", "create", "--name", "bench", "--balance", "1000000", "--json"], env)
    )
    for country in ("US", "IN"):
        run_command([cli, "rate", "set", "--product", "voice", "--country", country, "--price", "0.01"], env)
    scenario = folder / "callee.json"
    scenario.write_text(json.dumps(SCENARIO))
    trunk = [cli, "trunk", "add", "--name", "bench", "--type", "simulated", "--scenario", str(scenario)]
    run_command([*trunk, "--cps", str(CPS), "--max-concurrent", "300"], env)
    return dict(account)


async def _call_starts(database_url: str) -> list[datetime]:
    db = Database(async_database_url(database_url))
    try:
        async with db.read() as conn:
            rows = await conn.execute(sa.select(voice_calls.c.call_at).where(voice_calls.c.call_at.is_not(None)))
            return sorted(r[0] for r in rows)
    finally:
        await db.dispose()


def _pacing(starts: list[datetime]) -> tuple[float | None, float | None]:
    """Calls started per second (first to last) and the most started in any one-second window."""
    if len(starts) < 2:
        return None, None
    span = (starts[-1] - starts[0]).total_seconds()
    rate = (len(starts) - 1) / span if span > 0 else None
    busiest, left = 0, 0
    for right, moment in enumerate(starts):
        while (moment - starts[left]).total_seconds() >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    return rate, float(busiest)


def _wait_finished(client: Client, job_id: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        detail = client.get(f"/v3/voice/group/call/detail/{job_id}")
        if detail.get("data", {}).get("status") == 2:
            return time.monotonic() - started
        time.sleep(0.5)
    raise BenchError(f"campaign: task {job_id} not finished after {timeout:.0f} s")


class CampaignScenario:
    name = "campaign"
    description = "group-call tasks: accepting 200,000 numbers, and calls started per second against the trunk's CPS"

    def run(self, ctx: Context) -> None:
        for backend in ctx.config.backends:
            try:
                ctx.record(self._backend(ctx, backend))
            except BenchError as exc:
                ctx.fail(f"campaign {backend}", exc)

    def _backend(self, ctx: Context, backend: str) -> Measurement:
        quick = ctx.config.quick
        big = QUICK_BIG if quick else BIG
        seconds = 3.0 if quick else min(ctx.config.seconds, 10.0)
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sb-bench-campaign-{backend}-")))
            database_url = stack.enter_context(temporary_postgres_database()) if backend == "postgres" else None
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")},
                "SWITCHBOARD_DATA_DIR": str(folder),
                "SWITCHBOARD_MAX_CALLS_PER_ACCOUNT": "0",
                "SWITCHBOARD_WORKER_POLL": "0.1",
                "SWITCHBOARD_LOG_LEVEL": "warning",
                **({"SWITCHBOARD_DATABASE_URL": database_url} if database_url else {}),
            }
            ctx.step(f"campaign {backend}: provisioning (account, voice rates, simulated trunk at {CPS} cps)")
            account = _provision(env, folder)
            port = free_port()
            cli = switchboard_executable()
            server = stack.enter_context(
                ManagedProcess(
                    [cli, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, log=folder / "s.log"
                )
            )
            wait_healthy(f"http://127.0.0.1:{port}/health", server)
            client = Client(f"http://127.0.0.1:{port}", account)
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
            numbers = [f"1202{i:07d}" for i in range(big)]
            ctx.step(f"campaign {backend}: accepting a task of {big:,} numbers")
            started = time.perf_counter()
            answer = client.post("/v3/voice/group/call/send", client.task("big", numbers, sendTime=tomorrow))
            accept_s = time.perf_counter() - started
            if answer.get("code") != "0":
                raise BenchError(f"the {big:,}-number task was refused: {answer}")
            client.post("/v3/voice/group/call/cancel", {"jobIdList": [answer["data"]]})
            count = int(CPS * seconds)
            ctx.step(f"campaign {backend}: a task of {count:,} numbers at {CPS} cps")
            paced = client.post(
                "/v3/voice/group/call/send", client.task("paced", [f"9198{i:08d}" for i in range(count)])
            )
            if paced.get("code") != "0":
                raise BenchError(f"the paced task was refused: {paced}")
            run_s = _wait_finished(client, int(paced["data"]), timeout=seconds * 6 + 60)
            url = database_url or f"sqlite:///{folder / 'switchboard.db'}"
            rate, busiest = _pacing(asyncio.run(_call_starts(url)))
        return self._measurement(backend, big, accept_s, count, rate, busiest, run_s)

    @staticmethod
    def _measurement(
        backend: str, big: int, accept_s: float, count: int, rate: float | None, busiest: float | None, run_s: float
    ) -> Measurement:
        within = rate is not None and abs(rate - CPS) / CPS <= 0.05
        extra = [
            Extra(f"accept a {big:,}-number task", accept_s, f"{accept_s:.2f} s (goal < 5 s)"),
            Extra(
                "calls started/s", rate, "n/a" if rate is None else f"{rate:.1f} (trunk {CPS} cps: {rate / CPS:.1%})"
            ),
            Extra("busiest second", busiest, "n/a" if busiest is None else f"{busiest:.0f} calls"),
            Extra("calls started/s within 5% of CPS", 1.0 if within else 0.0, "yes" if within else "no"),
            Extra(f"task of {count:,} numbers finished in", run_s, f"{run_s:.1f} s"),
        ]
        data = {"cps": CPS, "accept_s": accept_s, "numbers": big, "paced_numbers": count, "rate": rate}
        return Measurement("campaign", backend, "", 1, None, extra=extra, data={**data, "busiest": busiest})
