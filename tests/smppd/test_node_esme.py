"""node-smpp (a peer we did not write) as an ESME: GSM, UCS-2 and a two-part submit, each answered with the
platform's msgId, and each receipt matched by the client to its submit."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.smppd.server import SmppServer
from switchboard.store.tables import messages
from tests.smppd.conftest import PASSWORD, SYSTEM_ID
from tests.smppd.test_receipts import finish

ESME_JS = Path(__file__).resolve().parents[1] / "peers" / "node_smsc" / "esme.js"


async def run_node_esme(port: int, password: str, services: Services | None, server: SmppServer) -> list[Any]:
    """Run esme.js; once its submits are answered, make their messages final (as a carrier receipt does)."""
    if shutil.which("node") is None or not (ESME_JS.parent / "node_modules" / "smpp").exists():
        pytest.skip("node-smpp is not installed (tests/peers/node_smsc: npm ci)")
    env = {**os.environ, "ESME_PORT": str(port), "ESME_SYSTEM_ID": SYSTEM_ID, "ESME_PASSWORD": password}
    process = await asyncio.create_subprocess_exec(
        "node", str(ESME_JS), env=env, stdout=asyncio.subprocess.PIPE, cwd=ESME_JS.parent
    )
    assert process.stdout is not None
    events: list[Any] = []
    try:
        async with asyncio.timeout(30):
            while line := await process.stdout.readline():
                event = json.loads(line)
                events.append(event)
                if "submitted" in event and services is not None:
                    for status, msg_id in event["submitted"]:
                        if status == 0:
                            await finish(services, msg_id, "delivered")
                    server.wake()
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return events


async def test_node_smpp_submits_and_matches_its_receipts(smpp_server: SmppServer, services: Services) -> None:
    events = await run_node_esme(smpp_server.ports["tcp"], PASSWORD, services, smpp_server)
    assert events[0] == {"bind": 0}
    [submitted] = [e["submitted"] for e in events if "submitted" in e]
    assert [status for status, _ in submitted] == [0, 0, 0, 0]
    ids = [msg_id for _, msg_id in submitted]
    assert ids[2] == ids[3], "both parts of the long message answer with its msgId"
    async with services.db.read() as conn:
        rows = {r.msg_id: r for r in await conn.execute(sa.select(messages))}
    assert set(rows) == set(ids)
    assert rows[ids[0]].content == "Hello from node-smpp"
    assert rows[ids[1]].content == "Привет from node-smpp" and rows[ids[1]].encoding == "ucs2"
    assert rows[ids[2]].segments == 2 and rows[ids[2]].content.startswith("node-smpp sends this long text")
    receipts = [e["deliver"] for e in events if "deliver" in e]
    assert sorted(r["receipted_message_id"] for r in receipts) == sorted(set(ids))
    assert all(r["message_state"] == 2 and "stat:DELIVRD" in r["text"] and r["esm_class"] == 4 for r in receipts)
    for receipt in receipts:
        assert receipt["text"].startswith(f"id:{receipt['receipted_message_id']} ")


async def test_node_smpp_with_a_wrong_password_is_refused(smpp_server: SmppServer) -> None:
    events = await run_node_esme(smpp_server.ports["tcp"], "nope", None, smpp_server)
    assert events == [{"bind": 0x0E}]
