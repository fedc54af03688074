"""``serve`` opens the SIP port: a phone made with ``phone add`` registers with SIPp (digest auth) and
``phone list`` shows it registered, all through the real processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.integration.server import base_env, cli, running_server
from tests.voice.registrar_peers import register_scenario, run_sipp_client
from tests.voice.sipp import free_udp_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def test_serve_runs_the_registrar(tmp_path: Path) -> None:
    sip = free_udp_port()
    env = base_env(tmp_path / "data", SWITCHBOARD_SIP_PORT=str(sip))
    account = json.loads(cli(env, "account", "create", "--name", "demo", "--json"))
    (phone,) = json.loads(
        cli(env, "phone", "add", "--app", account["apps"]["voice"], "--group", "demo", "--name", "desk")
    )
    log = tmp_path / "serve.log"
    with running_server(env, log=log):
        for _ in range(100):
            if "SIP registrar on" in log.read_text():
                break
            await asyncio.sleep(0.1)
        scenario = register_scenario(phone["account"], phone["password"], then="200")
        await run_sipp_client(tmp_path / "sipp", scenario, ("127.0.0.1", sip))
        (listed,) = json.loads(await asyncio.to_thread(cli, env, "phone", "list", "--json"))
    assert listed["registered"] and listed["contacts"][0]["transport"] == "udp"
    assert f"SIP registrar on 127.0.0.1:{sip}" in log.read_text()
