"""Forwarding headers from a same-host peer: they must not choose the client address of a running server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.server import base_env, cli, running_server

pytestmark = pytest.mark.integration


def _balance(base: str, key: str, secret: str, forwarded_for: str) -> str:
    stamp = str(int(time.time()))
    headers = {"Api-Key": key, "Sign": sign(key, secret, stamp), "Timestamp": stamp, "X-Forwarded-For": forwarded_for}
    answer = httpx.get(f"{base}/v3/getBalance", headers=headers, timeout=10)
    assert answer.status_code == 200
    status = str(answer.json()["status"])
    assert "server" not in answer.headers, status  # no product banner either
    return status


def test_x_forwarded_for_from_loopback_is_not_trusted_unless_listed(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    acct = json.loads(cli(env, "account", "create", "--name", "acme", "--balance", "1", "--json"))
    key, secret = acct["apiKey"], acct["apiSecret"]
    cli(env, "key", "allow-ip", key, "10.9.8.0/24")
    # A same-host TCP proxy or tunnel connects from 127.0.0.1 and says the client is an allowed address.
    with running_server(env, log=tmp_path / "serve.log") as base:
        assert _balance(base, key, secret, "10.9.8.7") == "-2"
    # The operator lists the proxy: now its header names the client.
    trusted = {**env, "SWITCHBOARD_TRUSTED_PROXIES": "127.0.0.1"}
    with running_server(trusted, log=tmp_path / "serve2.log") as base:
        assert _balance(base, key, secret, "10.9.8.7") == "0"
        assert _balance(base, key, secret, "192.0.2.1") == "-2"
