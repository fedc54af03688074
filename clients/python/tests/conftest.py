"""Fixtures: a fake API behind ``httpx.MockTransport`` (unit tests) and a real ``switchboard serve`` (live)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sdk_testing import API_KEY, API_SECRET, APP_ID, BASE_URL, FakeApi, LiveServer, free_port, switchboard_command
from switchboard_client import AsyncClient, Client


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def client(api: FakeApi) -> Iterator[Client]:
    with Client(API_KEY, API_SECRET, BASE_URL, app_id=APP_ID, transport=httpx.MockTransport(api)) as c:
        yield c


@pytest.fixture
async def aclient(api: FakeApi) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(API_KEY, API_SECRET, BASE_URL, app_id=APP_ID, transport=httpx.MockTransport(api)) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own credentials."""
    for name in list(os.environ):
        if name.startswith(("SWITCHBOARD_", "ONBUKA_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``switchboard serve`` on a free port with a fresh data folder, an account with 10.00 and an SMS price of
    0.01 for every country; stopped at the end of the session."""
    command = switchboard_command()
    if command is None:
        pytest.skip("the switchboard server is not installed (set SDK_TEST_SWITCHBOARD_BIN)")
    data = tmp_path_factory.mktemp("switchboard-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWITCHBOARD_", "ONBUKA_"))}
    env["SWITCHBOARD_DATA_DIR"] = str(data)

    def cli(*args: str) -> str:
        done = subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        assert done.returncode == 0, f"switchboard {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    account = json.loads(cli("account", "create", "--name", "sdk", "--balance", "10", "--json"))
    cli("rate", "set", "--product", "sms", "--country", "*", "--price", "0.01")
    port = free_port()
    log = (data / "server.log").open("wb")
    server = subprocess.Popen([command, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield LiveServer(base_url, account["apiKey"], account["apiSecret"], account["apps"]["sms"])
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
