"""Peers for the registrar tests: the SIP port started in-process, phones made through the service, SIPp REGISTER
scenarios (Debian ``sip-tester``) and baresip (Debian ``baresip-core``) as a real softphone."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from switchboard.connectors.voice.sip_server import SipServer
from switchboard.domain.voice.phones import SipAddRequest
from switchboard.domain.voice.registrar import FailureGuard
from switchboard.services.context import Services
from switchboard.services.phones import PhoneService
from switchboard.services.registrar import Registrar
from switchboard.services.tenancy import Tenancy
from switchboard.store import phones as store
from switchboard.store import tenants
from tests.voice.sipp import free_udp_port, require_sipp

Address = tuple[str, int]


@contextlib.asynccontextmanager
async def sip_port(
    services: Services,
    *,
    guard: FailureGuard | None = None,
    algorithms: tuple[str, ...] = ("MD5",),
    shared_prefix: str = "sb:sip",
) -> AsyncIterator[tuple[Address, Registrar, SipServer]]:
    registrar = Registrar(
        services, realm="switchboard.test", guard=guard, algorithms=algorithms, shared_prefix=shared_prefix
    )
    server = SipServer(registrar.handle)
    await server.start("127.0.0.1", 0)
    try:
        yield server.address, registrar, server
    finally:
        await server.stop()


async def make_phones(services: Services, quantity: int = 1, name: str = "acme") -> list[tuple[str, str]]:
    """A new account's voice app with ``quantity`` phones: their (account, password)."""
    new = await Tenancy(services).create_account(name=name, balance="10", currency="USD")
    async with services.db.read() as conn:
        app = await tenants.get_app(conn, new.apps["voice"])
    assert app is not None
    await PhoneService(services).add(app, SipAddRequest(f"grp-{name}", f"desk-{name}", quantity, None))
    async with services.db.read() as conn:
        phones = await store.list_phones(conn, app_id=app.app_id)
    return [(p.account, services.secrets.open(p.password_enc)) for p in phones]


async def contacts(services: Services, account: str) -> list[store.Registration]:
    async with services.db.read() as conn:
        phone = await store.get_phone(conn, account)
        assert phone is not None
        return await store.registrations(conn, [phone.id], now=services.clock.now())


def register(cseq: int, user: str, *, auth: str = "", expires: int = 120) -> str:
    return (
        '<send retrans="500"><![CDATA[\n'
        "REGISTER sip:[remote_ip]:[remote_port] SIP/2.0\n"
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport\n"
        f"From: <sip:{user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]\n"
        f"To: <sip:{user}@[remote_ip]>\n"
        "Call-ID: [call_id]\n"
        f"CSeq: {cseq} REGISTER\n"
        f"Contact: <sip:{user}@[local_ip]:[local_port]>\n"
        f"Max-Forwards: 70\nExpires: {expires}\n{auth}Content-Length: 0\n\n]]></send>\n"
    )


def register_scenario(user: str, password: str, *, then: str, reuse: bool = False) -> str:
    """REGISTER, 401, REGISTER with credentials, expect ``then``; with ``reuse`` a refresh answering the same
    challenge again (SIPp counts nc up, as RFC 2617 allows: accepted)."""
    auth = f"[authentication username={user} password={password}]\n"
    body = register(1, user) + '<recv response="401" auth="true"/>\n' + register(2, user, auth=auth)
    body += f'<recv response="{then}"/>\n'
    if reuse:
        body += register(3, user, auth=auth) + '<recv response="200"/>\n'
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="register">\n{body}</scenario>\n'


async def run_sipp_client(folder: Path, xml: str, target: Address, *, transport: str = "u1") -> None:
    require_sipp()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "register.xml"
    path.write_text(xml)
    command = ["sipp", f"{target[0]}:{target[1]}", "-sf", str(path), "-i", "127.0.0.1", "-p", str(free_udp_port())]
    command += ["-t", transport, "-m", "1", "-timeout", "10s", "-nostdin", "-trace_err"]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    errors = "\n".join(p.read_text(errors="replace")[-1500:] for p in folder.glob("register_*_errors.log"))
    assert process.returncode == 0, (
        f"SIPp failed ({process.returncode}): {err.decode(errors='replace')[-400:]}\n{errors}"
    )


@contextlib.asynccontextmanager
async def baresip(
    folder: Path, account: str, password: str, target: Address, *, transport: str = "udp"
) -> AsyncIterator[None]:
    """baresip registering ``account`` to ``target``; stopped (killed if need be) on exit."""
    if shutil.which("baresip") is None:
        pytest.skip("baresip (Debian package baresip-core) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").write_text(
        "sip_listen 127.0.0.1:0\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule ausine.so\n"
        "module aufile.so\nmodule_app account.so\naudio_source ausine,440\n"
        f"audio_player aufile,{folder / 'heard.wav'}\n"
    )
    (folder / "accounts").write_text(
        f"<sip:{account}@{target[0]}:{target[1]};transport={transport}>;auth_pass={password};regint=120;answermode=auto\n"
    )
    log = (folder / "baresip.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        "baresip", "-s", "-f", str(folder), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()
