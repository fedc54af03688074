"""``switchboard serve`` with SWITCHBOARD_SMPP_PORT set: smpplib submits over SMPP, the platform sends through its
(simulated) carrier, and the receipts come back to the ESME over the same bind; getReport over HTTP finds the
msgIds the SMPP answers gave."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.server import base_env, cli, free_port, running_server
from tests.smppd.esme import Esme, message_id

pytestmark = pytest.mark.integration


def test_serve_runs_the_smpp_server_end_to_end(tmp_path: Path) -> None:
    smpp_port = free_port()
    env = base_env(tmp_path / "data", SWITCHBOARD_SMPP_PORT=str(smpp_port))
    new = json.loads(cli(env, "account", "create", "--name", "wholesale", "--balance", "10", "--json"))
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", "0.01")
    cli(env, "smpp-account", "create", "whole", "--app", new["apps"]["sms"], "--password", "pw")
    listed = json.loads(cli(env, "smpp-account", "list", "--json"))
    assert [a["systemId"] for a in listed] == ["whole"]
    with running_server(env, log=tmp_path / "serve.log") as base:
        esme = Esme(smpp_port, "whole", "pw")
        try:
            esme.bind()
            esme.submit("919876543210", b"Hello over SMPP", registered_delivery=1)
            esme.submit("919876543211", "Grüße, 你好".encode("utf-16-be"), data_coding=8, registered_delivery=1)
            esme.submit_text("919876543212", "A long one, in two parts with a UDH. " * 6, registered_delivery=1)
            esme.read_until(lambda: len(esme.sent) == 4 and len(esme.received) == 3, timeout=30)
        finally:
            esme.close()
        ids = sorted({message_id(p) for p in esme.sent})
        receipts = sorted(p.receipted_message_id.rstrip(b"\x00").decode() for p in esme.received)
        assert len(ids) == 3 and receipts == ids
        assert all(b"stat:DELIVRD" in p.short_message and p.message_state == 2 for p in esme.received)
        stamp = str(int(time.time()))
        headers = {"Api-Key": new["apiKey"], "Sign": sign(new["apiKey"], new["apiSecret"], stamp), "Timestamp": stamp}
        report = httpx.get(
            f"{base}/v3/getReport",
            params={"appId": new["apps"]["sms"], "msgIds": ",".join(ids)},
            headers=headers,
            timeout=10,
        ).json()
        assert report["status"] == "0", report
        assert sorted(r["msgId"] for r in report["array"]) == ids
