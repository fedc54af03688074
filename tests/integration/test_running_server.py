"""Against a running ``switchboard serve``: the acceptance checks of authentication and getBalance."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.server import base_env, cli, running_server

pytestmark = pytest.mark.integration


def headers(key: str, secret: str, ts: int | None = None) -> dict[str, str]:
    stamp = str(ts if ts is not None else int(time.time()))
    return {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp}


def test_balance_and_every_authentication_failure_over_real_http(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    acct = json.loads(cli(env, "account", "create", "--name", "acme", "--balance", "99.99", "--json"))
    key, secret = acct["apiKey"], acct["apiSecret"]
    with running_server(env, log=tmp_path / "serve.log") as base:
        url = f"{base}/v3/getBalance"

        def get(hdrs: dict[str, str]) -> dict[str, str]:
            response = httpx.get(url, headers=hdrs, timeout=10)
            assert response.status_code == 200
            return dict(response.json())

        assert get(headers(key, secret)) == {
            "status": "0",
            "reason": "success",
            "balance": "99.990000",
            "gift": "0.000000",
            "credit": "0.000000",
        }
        now = int(time.time())
        assert get(headers(key, "wrong")) == {"status": "-1", "reason": "Authentication error"}
        assert get(headers("unknown", secret))["status"] == "-1"
        assert get({k: v for k, v in headers(key, secret).items() if k != "Sign"})["status"] == "-1"
        assert get(headers(key, secret, now - 31 * 60)) == {"status": "-16", "reason": "Timestamp expires"}
        assert get(headers(key, secret, now + 31 * 60))["status"] == "-16"

        cli(env, "account", "lock", str(acct["accountId"]))
        assert get(headers(key, secret)) == {"status": "-13", "reason": "Users has been locked"}
        cli(env, "account", "unlock", str(acct["accountId"]))

        cli(env, "key", "disable", key)
        assert get(headers(key, secret))["status"] == "-1"
        cli(env, "key", "enable", key)

        cli(env, "key", "allow-ip", key, "10.9.8.0/24")
        assert get(headers(key, secret)) == {"status": "-2", "reason": "IP access limited"}
        cli(env, "key", "allow-ip", key, "127.0.0.1")
        assert get(headers(key, secret))["status"] == "0"


def test_serve_demo_prints_a_request_that_works_when_pasted(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    log = tmp_path / "serve.log"
    with running_server(env, "--demo", log=log) as base:
        text = log.read_text()
        assert f"{base}/openapi.json" in text and f"{base}/health" in text
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Try it"))
        block = lines[start + 1 : lines.index("", start)]
        snippet = "\n".join(line.strip() for line in block)
        result = subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, timeout=30, check=True)
        decoder, position, answers = json.JSONDecoder(), 0, []
        while position < len(result.stdout):
            answer, position = decoder.raw_decode(result.stdout, position)
            answers.append(answer)
        assert answers[0]["balance"] == "100.000000"
        assert (answers[1]["status"], answers[1]["success"]) == ("0", "1")
    first_key = re.search(r"apiKey\s+(\w+)", text)
    with running_server(env, "--demo", log=log):
        again = re.search(r"apiKey\s+(\w+)", log.read_text())
    assert first_key and again and first_key.group(1) == again.group(1)
