"""End to end on a running ``serve``: send over HTTP, the built-in simulator delivers, the report query and a
signed push to a real HTTP receiver follow, for GSM, Unicode and multipart messages."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.receiver import push_receiver
from tests.integration.server import base_env, cli, running_server

pytestmark = pytest.mark.integration


def headers(key: str, secret: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp}


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_sent_messages_are_delivered_reported_and_pushed(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    acct = json.loads(cli(env, "account", "create", "--name", "e2e", "--balance", "10", "--json"))
    key, secret, app_id = acct["apiKey"], acct["apiSecret"], acct["apps"]["sms"]
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", "0.01")
    with push_receiver(fail_first=1) as receiver, running_server(env, log=tmp_path / "serve.log") as base:
        cli(env, "app", "update", app_id, "--report-url", f"{receiver.url}/dlr")
        contents = ["Hello GSM €", "你好，世界", "long " * 60]
        ids = []
        for content in contents:
            answer = httpx.post(
                f"{base}/v3/sendSms",
                headers=headers(key, secret),
                timeout=10,
                json={"appId": app_id, "numbers": "919876543210", "content": content},
            ).json()
            assert answer["status"] == "0", answer
            ids.append(answer["array"][0]["msgId"])

        def report() -> dict[str, Any]:
            return dict(
                httpx.get(
                    f"{base}/v3/getReport",
                    params={"appId": app_id, "msgIds": ",".join(ids)},
                    headers=headers(key, secret),
                    timeout=10,
                ).json()
            )

        wait_for(lambda: report()["success"] == "3")
        wait_for(lambda: len(receiver.received) == 3, timeout=40)  # the first attempt got a 500 and is retried
    pushes = {p.json()["msgid"]: p for p in receiver.received}
    assert set(pushes) == set(ids)
    charge_counts = [pushes[i].json()["pricedetail"]["chargeCnt"] for i in ids]
    assert charge_counts == [1, 1, 2]
    for push in pushes.values():
        stamp, digest = (part.split("=", 1)[1] for part in push.headers["X-Switchboard-Signature"].split(","))
        assert digest == hmac.new(secret.encode(), f"{stamp}.".encode() + push.body, hashlib.sha256).hexdigest()
    listed = json.loads(cli(env, "push", "list", "--json"))
    assert sorted(p["attempts"] for p in listed) == [1, 1, 2] and {p["status"] for p in listed} == {"delivered"}
    assert json.loads(cli(env, "push", "list", "--failed", "--json")) == []
