"""Push URLs aimed at the platform's own network (SSRF): refused when saved and when connecting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.services.pushes import AiohttpPoster, PushFailed
from switchboard.services.tenancy import Tenancy
from tests.conftest import Caller

INTERNAL = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
]


@pytest.mark.parametrize("url", [*INTERNAL, "https://user:pw@customer.example/dlr", "ftp://customer.example/"])
async def test_internal_targets_and_credentials_are_refused_when_saved(
    services: Services, caller: Caller, url: str
) -> None:
    with pytest.raises(OperatorError):
        await Tenancy(services).update_app(caller.apps["sms"], report_url=url)
    app = await Tenancy(services).update_app(caller.apps["sms"], report_url="https://customer.example/dlr")
    assert app.report_url == "https://customer.example/dlr"


async def test_the_operator_may_allow_a_private_network(services: Services, caller: Caller) -> None:
    services.settings.push_allowed_networks = ["10.0.0.0/8"]
    app = await Tenancy(services).update_app(caller.apps["sms"], report_url="http://10.1.2.3/dlr")
    assert app.report_url == "http://10.1.2.3/dlr"
    with pytest.raises(OperatorError):
        await Tenancy(services).update_app(caller.apps["sms"], report_url="http://169.254.169.254/")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[int, list[bytes]]]:
    got: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        got.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield port, got
    await runner.cleanup()


async def _post(poster: AiohttpPoster, url: str) -> str:
    try:
        return str(await poster.post(url, b"{}", {}))
    except PushFailed as exc:
        return str(exc)
    finally:
        await poster.close()


async def test_a_name_resolving_to_loopback_and_a_stored_literal_are_refused_at_connect_time(
    receiver: tuple[int, list[bytes]],
) -> None:
    port, got = receiver
    # "localhost" passes the check at save time (it is a name); the address it resolves to does not.
    assert await _post(AiohttpPoster(), f"http://localhost:{port}/dlr") == "refused: not a public address"
    # A URL stored before the check existed.
    assert await _post(AiohttpPoster(), f"http://127.0.0.1:{port}/dlr") == "refused: not a public address"
    assert got == []
    allowed = AiohttpPoster(allowed_networks=["127.0.0.0/8"])
    assert await _post(allowed, f"http://localhost:{port}/dlr") == "200"
    assert got == [b"{}"]


async def test_attempt_errors_do_not_tell_open_from_closed_ports() -> None:
    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    open_port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    closed_port = open_port  # now closed
    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    open_port = server.sockets[0].getsockname()[1]
    try:
        local = ["127.0.0.0/8"]
        on_open = await _post(AiohttpPoster(allowed_networks=local), f"http://127.0.0.1:{open_port}/")
        on_closed = await _post(AiohttpPoster(allowed_networks=local), f"http://127.0.0.1:{closed_port}/")
    finally:
        server.close()
        await server.wait_closed()
    assert on_open == on_closed == "no HTTP answer"
