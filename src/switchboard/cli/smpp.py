"""``switchboard smpp-account ...`` (SMPP credentials of customers) and ``switchboard smpp-server``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer
from rich.table import Table

from switchboard.cli.common import console, print_json, run, settings
from switchboard.services.context import Services
from switchboard.smppd.accounts import DEFAULT_MAX_BINDS, DEFAULT_THROUGHPUT, SmppAccounts, account_json
from switchboard.store.smpp import SmppAccount

smpp_account_app = typer.Typer(
    help="SMPP accounts of customers: system_id, password, app, limits.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AllowIp = Annotated[
    list[str] | None,
    typer.Option("--allow-ip", help="IP address or CIDR binds may come from (repeat, or comma-separate)."),
]


def _show(account: SmppAccount, as_json: bool, password: str | None = None) -> None:
    data = account_json(account)
    if password is not None:
        data["password"] = password
    if as_json:
        print_json(data)
        return
    console.print(data)
    if password is not None:
        console.print("The password is shown only now; keep it.")


@smpp_account_app.command("create")
def create(
    system_id: Annotated[str, typer.Argument(help="The system_id the customer binds with (1-15 characters).")],
    app: Annotated[str, typer.Option("--app", help="The SMS appId the account sends through.")],
    password: Annotated[str | None, typer.Option(help="Password (1-8 characters); generated when omitted.")] = None,
    allow_ip: AllowIp = None,
    max_binds: Annotated[int, typer.Option("--max-binds", help="Simultaneous binds allowed.")] = DEFAULT_MAX_BINDS,
    throughput: Annotated[int, typer.Option(help="Submits per second (0: unlimited).")] = DEFAULT_THROUGHPUT,
    as_json: JsonFlag = False,
) -> None:
    """Create SMPP credentials bound to an SMS app; the password is printed once."""

    async def action(s: Services) -> None:
        new = await SmppAccounts(s).create(
            system_id, app, password=password, allow_ips=allow_ip, max_binds=max_binds, throughput=throughput
        )
        _show(new.account, as_json, new.password)

    run(action)


@smpp_account_app.command("update")
def update(
    system_id: str,
    password: Annotated[str | None, typer.Option(help="New password (1-8 characters).")] = None,
    allow_ip: AllowIp = None,
    max_binds: Annotated[int | None, typer.Option("--max-binds")] = None,
    throughput: Annotated[int | None, typer.Option()] = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Allow or refuse binds.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change an SMPP account (an empty --allow-ip '' clears the allow-list)."""

    async def action(s: Services) -> None:
        account = await SmppAccounts(s).update(
            system_id,
            password=password,
            allow_ips=allow_ip,
            max_binds=max_binds,
            throughput=throughput,
            enabled=enable,
        )
        _show(account, as_json)

    run(action)


@smpp_account_app.command("remove")
def remove(system_id: str) -> None:
    """Delete an SMPP account (binds already up stay until they end)."""

    async def action(s: Services) -> None:
        await SmppAccounts(s).remove(system_id)
        console.print(f"removed {system_id}")

    run(action)


@smpp_account_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """All SMPP accounts."""

    async def action(s: Services) -> None:
        accounts = await SmppAccounts(s).all()
        if as_json:
            print_json([account_json(a) for a in accounts])
            return
        table = Table("system_id", "app", "allowed IPs", "max binds", "throughput", "enabled")
        for a in accounts:
            table.add_row(
                a.system_id, a.app_id, ",".join(a.allowed_ips) or "any", str(a.max_binds), str(a.throughput),
                str(a.enabled),
            )  # fmt: skip
        console.print(table)

    run(action)


def smpp_server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SMPP port (TCP).")] = 2775,
    tls_port: Annotated[int | None, typer.Option("--tls-port", help="SMPP over TLS port (needs --tls-cert).")] = None,
    tls_cert: Annotated[str | None, typer.Option("--tls-cert", help="PEM certificate chain.")] = None,
    tls_key: Annotated[str | None, typer.Option("--tls-key", help="PEM private key (else in --tls-cert).")] = None,
    window: Annotated[int, typer.Option(help="Submits in progress per bind before ESME_RTHROTTLED.")] = 64,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", help="Seconds without a PDU before unbind.")] = 120,
) -> None:
    """Run the customer-facing SMPP 3.4 server (Ctrl-C stops it)."""
    from switchboard.smppd.server import SmppServer, SmppServerConfig

    cfg = settings()
    logging.basicConfig(level=cfg.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = SmppServerConfig(
        host=host,
        port=port,
        tls_port=tls_port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        window=window,
        idle_timeout=idle_timeout,
    )

    async def action(s: Services) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        async with SmppServer(s, config) as server:
            typer.echo(f"SMPP server on {host} {server.ports} (Ctrl-C to stop)")
            await stop.wait()

    run(action, settings_=cfg)
