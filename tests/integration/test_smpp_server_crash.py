"""kill -9 of ``switchboard smpp-server`` while 1,000 messages with receipts are in flight (smpplib as the ESME,
set up with the operator's CLI): after the restart every receipt reaches the client, and nothing is charged twice.
A receipt whose deliver_sm_resp was read but not yet committed is in the node's ack journal and is not sent
again; repeats are bounded by what the client handled whose response the killed process had not read (counted)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from switchboard.settings import async_database_url
from switchboard.smppd.ack_journal import AckJournal
from switchboard.store.database import Database
from switchboard.store.smpp_tables import smpp_receipts
from switchboard.store.tables import ledger, messages
from tests.integration.server import BIN, base_env, cli, free_port
from tests.smppd.esme import Esme, message_id

pytestmark = pytest.mark.integration

MESSAGES = 1000
PRICE = 10_000
WINDOW = 30


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen([str(BIN), "smpp-server", "--port", str(port)], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            import socket

            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(log.read_text())


def submit_all(esme: Esme) -> list[str]:
    esme.bind()
    for i in range(MESSAGES):
        esme.submit(
            f"9198765{i:05d}", f"crash test {i}".encode(), registered_delivery=1
        )  # a number per message: the default per-number limit is 50 an hour
        if i % WINDOW == WINDOW - 1:  # at most 2 x WINDOW outstanding: under the server's window of 64
            done = i + 1 - WINDOW
            esme.read_until(lambda: len(esme.sent) + len(esme.errors) >= done, timeout=30)  # noqa: B023
    esme.read_until(lambda: len(esme.sent) + len(esme.errors) == MESSAGES, timeout=60)
    assert not esme.errors, [p.status for p in esme.errors]
    return [message_id(p) for p in esme.sent]


@pytest.mark.parametrize("window", [pytest.param(8, id="window-8"), pytest.param(1, id="window-1")])
async def test_kill_9_with_1000_receipts_in_flight(tmp_path: Path, window: int) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    env = base_env(tmp_path / "data", SWITCHBOARD_DATABASE_URL=url, SWITCHBOARD_SMPP_RECEIPT_WINDOW=str(window))
    new = json.loads(cli(env, "account", "create", "--name", "wholesale", "--balance", "1000", "--json"))
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", "0.01")
    cli(env, "smpp-account", "create", "crash", "--app", new["apps"]["sms"], "--password", "pw", "--throughput", "0")
    port, log = free_port(), tmp_path / "smpp.log"
    proc = start(env, port, log)
    esme = Esme(port, "crash", "pw")
    db = Database(async_database_url(url))
    try:
        ids = await asyncio.to_thread(submit_all, esme)
        assert len(set(ids)) == MESSAGES
        async with db.write() as conn:  # the carrier's receipts arrive: every message becomes final
            await conn.execute(messages.update().values(status="delivered", final_at=datetime.now(UTC)))
        await asyncio.to_thread(esme.read_until, lambda: len(esme.received) >= MESSAGES // 4, 60)
        os.kill(proc.pid, signal.SIGKILL)  # mid-delivery
        proc.wait(10)
        before_kill = len(esme.received)
        journaled = set(AckJournal(tmp_path / "data" / "smpp-acks-00.log").read())
        await asyncio.to_thread(esme.close)
        async with db.read() as conn:
            recorded_ids = set(
                (await conn.execute(sa.select(smpp_receipts.c.msg_id).where(smpp_receipts.c.status == "sent")))
                .scalars()
                .all()
            )
        recorded = len(recorded_ids)
        saved = len(journaled - recorded_ids)  # acknowledged, not yet committed: the journal keeps them
        proc = start(env, port, log)
        await asyncio.to_thread(esme.bind, "receiver")
        await asyncio.to_thread(esme.read_until, lambda: len({_rid(p) for p in esme.received}) == MESSAGES, 120)
        await asyncio.sleep(1.0)  # nothing more arrives
        await asyncio.to_thread(esme.client.poll)
    finally:
        await asyncio.to_thread(esme.close)
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    seen = Counter(_rid(p) for p in esme.received)
    repeats = sum(n - 1 for n in seen.values())
    assert set(seen) == set(ids), "every receipt reached the client"
    assert repeats <= before_kill - recorded - saved, "only receipts handled but not acknowledged to us repeat"
    assert repeats <= window, "at most the deliver_sm outstanding at the kill repeat"
    async with db.read() as conn:
        n_messages = (await conn.execute(sa.select(sa.func.count()).select_from(messages))).scalar_one()
        debits = (
            await conn.execute(
                sa.select(sa.func.sum(ledger.c.balance_delta + ledger.c.gift_delta)).where(ledger.c.kind == "debit")
            )
        ).scalar()
        statuses = dict(
            (
                await conn.execute(sa.select(smpp_receipts.c.status, sa.func.count()).group_by(smpp_receipts.c.status))
            ).all()
        )
    await db.dispose()
    assert n_messages == MESSAGES and statuses == {"sent": MESSAGES}
    assert -debits == MESSAGES * PRICE, "nothing charged twice"
    print(  # noqa: T201 (the figure the docs quote)
        f"kill -9 (receipt window {window}): {before_kill} receipts before the kill, {recorded} recorded, {saved} more in the ack journal, "
        f"{repeats} repeated after restart"
    )


def _rid(pdu: object) -> str:
    value = pdu.receipted_message_id  # type: ignore[attr-defined]
    return value.rstrip(b"\x00").decode() if isinstance(value, bytes) else str(value)
