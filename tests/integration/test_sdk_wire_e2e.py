"""On a running ``serve`` (dispatcher and simulator live): requests shaped as the vendor's Java SDK sends them.
getReport asked at once after each sendSms never answers "not found" for the msgIds just issued, while the
dispatcher picks them up concurrently; an OTP code is sent and verified without appId."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.server import base_env, cli, running_server

pytestmark = pytest.mark.integration
ROUNDS = 20


def sdk_headers(key: str, secret: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "accept": "*/*",
        "user-agent": "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)",
        "Content-Type": "application/json;charset=utf-8",
        "Sign": sign(key, secret, stamp),
        "Timestamp": stamp,
        "Api-Key": key,
        "origin": "java-sdk",
    }


def sdk_body(fields: dict[str, Any]) -> str:
    return json.dumps(fields, separators=(",", ":")).replace("/", "\\/")


def test_reports_right_after_sending_and_otp_without_app_id(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = base_env(data)
    acct = json.loads(cli(env, "account", "create", "--name", "sdk", "--balance", "10", "--json"))
    key, secret, app_id = acct["apiKey"], acct["apiSecret"], acct["apps"]["sms"]
    cli(env, "rate", "set", "--product", "sms", "--country", "*", "--price", "0.001")
    template = cli(env, "otp", "template-add", "--app", app_id, "--content", "Your code is {code}")
    template_id = int(re.findall(r"\d+", template)[-1])
    with running_server(env, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base, timeout=10) as http:
        seen: dict[str, int] = {}
        for index in range(ROUNDS):
            numbers = f"9198765432{index:02d},9198765433{index:02d}"
            send = {"appId": app_id, "numbers": numbers, "content": "hi", "senderId": None}
            sent = http.post("/v3/sendSms", content=sdk_body(send), headers=sdk_headers(key, secret)).json()
            assert sent["status"] == "0", sent
            ids = [a["msgId"] for a in sent["array"]]
            url = httpx.URL("/v3/getReport", query=f"appId={app_id}&msgIds={','.join(ids)}".encode())
            report = http.get(url, headers=sdk_headers(key, secret)).json()
            assert report["status"] == "0" and report["nofound"] == "0", report
            assert sum(int(report[k]) for k in ("success", "fail", "sending")) == 2
            for item in report["array"]:
                seen[item["status"]] = seen.get(item["status"], 0) + 1
        assert sum(seen.values()) == 2 * ROUNDS
        otp = {"appId": app_id, "templateId": template_id, "flowId": None, "to": "919876543210", "channel": None}
        answer = http.post(
            "/v3/otp/verification/send", content=sdk_body({**otp, "orderId": None}), headers=sdk_headers(key, secret)
        ).json()
        assert answer["status"] == "0", answer
        vid = answer["data"]["verificationId"]
        with sqlite3.connect(data / "switchboard.db") as db:
            (content,) = db.execute("select content from messages order by id desc limit 1").fetchone()
        code = re.search(r"(\d{6})$", content)
        assert code
        verify = {"verificationId": vid, "code": code.group(1)}
        verified = http.post(
            "/v3/otp/verification/verify", content=sdk_body(verify), headers=sdk_headers(key, secret)
        ).json()
        assert verified["status"] == "0" and verified["data"]["verified"] is True, verified
        record = http.get(f"/v3/otp/verification/record/{vid}", headers=sdk_headers(key, secret)).json()
        assert record["data"]["status"] == "verified"
