"""Kannel (bearerbox + smsbox, a peer we did not write) with our SMPP server as its SMSC: a message sent through
Kannel's sendsms interface becomes a platform message (msgId answered to Kannel), and the receipt we send back
is matched by Kannel to its submit (its dlr-url is called with the final status)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa

from switchboard.services.context import Services
from switchboard.smppd.server import SmppServer
from switchboard.store.tables import messages
from tests.integration.server import free_port
from tests.smppd.conftest import PASSWORD, SYSTEM_ID, smpp_account, smpp_server  # noqa: F401 (fixtures)
from tests.smppd.test_receipts import finish

pytestmark = pytest.mark.integration


@contextmanager
def dlr_receiver() -> Iterator[tuple[int, list[dict[str, list[str]]]]]:
    calls: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            calls.append(parse_qs(urlparse(self.path).query))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], calls
    finally:
        server.shutdown()
        server.server_close()


def kannel_conf(folder: Path, smpp_port: int, sendsms_port: int) -> Path:
    admin, box = free_port(), free_port()
    conf = folder / "kannel.conf"
    conf.write_text(
        f"""group = core
admin-port = {admin}
admin-password = secret
smsbox-port = {box}
log-file = "{folder / "bearerbox.log"}"
log-level = 1
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = switchboard
host = 127.0.0.1
port = {smpp_port}
transceiver-mode = true
smsc-username = {SYSTEM_ID}
smsc-password = {PASSWORD}
system-type = ""
enquire-link-interval = 30
msg-id-type = 0x00

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box}
sendsms-port = {sendsms_port}
log-file = "{folder / "smsbox.log"}"
log-level = 1

group = sendsms-user
username = tester
password = secret
max-messages = 3
concatenation = true
"""
    )
    return conf


async def test_kannel_sends_through_us_and_matches_our_receipt(
    smpp_server: SmppServer,  # noqa: F811 (the fixture imported above)
    services: Services,
    tmp_path: Path,
    backend: str,
) -> None:
    if backend != "sqlite":
        pytest.skip("one engine is enough for this peer")
    if shutil.which("bearerbox") is None or shutil.which("smsbox") is None:
        pytest.skip("Kannel (Debian package kannel) is not installed")
    sendsms = free_port()
    conf = kannel_conf(tmp_path, smpp_server.ports["tcp"], sendsms)
    bearerbox = subprocess.Popen(["bearerbox", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    smsbox = None
    try:
        async with asyncio.timeout(20):
            while not smpp_server.receivers(SYSTEM_ID):
                await asyncio.sleep(0.1)
        smsbox = subprocess.Popen(["smsbox", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with dlr_receiver() as (dlr_port, calls):
            params = {
                "username": "tester",
                "password": "secret",
                "to": "919876543210",
                "from": "Kannel",
                "text": "Hello from Kannel",
                "dlr-mask": "3",
                "dlr-url": f"http://127.0.0.1:{dlr_port}/dlr?status=%d&reply=%A",
            }
            async with httpx.AsyncClient() as http:
                for _ in range(100):
                    try:
                        answer = await http.get(f"http://127.0.0.1:{sendsms}/cgi-bin/sendsms", params=params)
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
            assert answer.status_code == 202, answer.text
            async with asyncio.timeout(20):
                while True:
                    async with services.db.read() as conn:
                        rows = list(await conn.execute(sa.select(messages)))
                    if rows:
                        break
                    await asyncio.sleep(0.1)
            [row] = rows
            assert row.content == "Hello from Kannel" and row.number == "919876543210"
            await finish(services, row.msg_id, "delivered")
            smpp_server.wake()
            async with asyncio.timeout(20):
                while not any(c.get("status") == ["1"] for c in calls):
                    await asyncio.sleep(0.1)
        delivered = [c for c in calls if c.get("status") == ["1"]]
        assert f"id:{row.msg_id} " in delivered[0]["reply"][0]
    finally:
        for process in (smsbox, bearerbox):
            if process is not None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
