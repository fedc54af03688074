"""What `make run` promises for voice: a sendCode request to a running `serve --demo` places a real SIP call to
the built-in simulated callee, the record ends with terminationCode "200", and the call push arrives."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.auth.signature import sign
from tests.integration.receiver import push_receiver
from tests.integration.server import base_env, cli, running_server

pytestmark = pytest.mark.integration


def test_a_send_code_on_the_demo_places_a_sip_call_and_pushes_its_record(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    log = tmp_path / "serve.log"
    with push_receiver() as receiver, running_server(env, "--demo", log=log) as base:
        text = log.read_text()
        key = re.search(r"apiKey\s+(\w+)", text)
        secret = re.search(r"apiSecret\s+(\w+)", text)
        voice_app = re.search(r"voice\s+appId\s+(\w+)", text)
        assert key and secret and voice_app, text
        cli(env, "app", "update", voice_app.group(1), "--call-url", f"{receiver.url}/calls")

        def post(path: str, body: dict[str, Any]) -> Any:
            stamp = str(int(time.time()))
            headers = {"Api-Key": key.group(1), "Timestamp": stamp, "Sign": sign(key.group(1), secret.group(1), stamp)}
            return httpx.post(f"{base}{path}", json=body, headers=headers, timeout=30).json()

        answer = post(
            "/v3/voice/sendCode",
            {"appId": voice_app.group(1), "callee": "919876543210", "text": "Your code is 1 2 3 4", "language": "EN"},
        )
        assert answer["status"] == "0", answer
        voice_id = answer["data"]
        deadline = time.monotonic() + 45
        record: dict[str, Any] = {}
        while time.monotonic() < deadline:
            stamp = str(int(time.time()))
            headers = {"Api-Key": key.group(1), "Timestamp": stamp, "Sign": sign(key.group(1), secret.group(1), stamp)}
            record = httpx.get(f"{base}/v3/voice/recordGroup/{voice_id}", headers=headers, timeout=10).json()
            if record.get("status") == "0" and record["data"].get("terminationCode") and receiver.received:
                break
            time.sleep(0.3)
    assert record["data"]["terminationCode"] == "200", record
    pushed = [p.json() for p in receiver.received]
    assert any(str(p.get("voiceId")) == str(voice_id) for p in pushed), pushed
