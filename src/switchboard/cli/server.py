"""Commands that run the platform: ``serve`` (everything in one process) and ``migrate``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from switchboard.app import create_app
from switchboard.cli.common import console, fail, run, settings
from switchboard.services.context import Services
from switchboard.services.demo import banner, ensure_demo
from switchboard.settings import Settings
from switchboard.store import migrate as store_migrate
from switchboard.workers.runner import ROLES, Workers


def http_server(app: FastAPI, cfg: Settings) -> uvicorn.Server:
    """uvicorn over the app, trusting forwarding headers (X-Forwarded-For, X-Forwarded-Proto) only from the
    proxies in ``SWITCHBOARD_TRUSTED_PROXIES``: uvicorn's own default trusts 127.0.0.1 (or FORWARDED_ALLOW_IPS),
    which let anything on the host (a TCP proxy, a tunnel) choose the client address allow-lists and brute-force
    guards see."""
    trusted = [str(proxy) for proxy in cfg.trusted_proxies]
    config = uvicorn.Config(
        app,
        host=cfg.host,
        port=cfg.port,
        log_level=cfg.log_level,
        access_log=False,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
        server_header=False,
    )
    return uvicorn.Server(config)


@contextlib.asynccontextmanager
async def serve_smpp(services: Services, cfg: Settings) -> AsyncIterator[None]:
    """The customer-facing SMPP server for the lifetime of ``serve``, when SWITCHBOARD_SMPP_PORT is set."""
    if cfg.smpp_port is None:
        yield
        return
    from switchboard.smppd.server import SmppServer, SmppServerConfig

    config = SmppServerConfig(
        host=cfg.host,
        port=cfg.smpp_port,
        tls_port=cfg.smpp_tls_port,
        tls_cert=cfg.smpp_tls_cert,
        tls_key=cfg.smpp_tls_key,
    )
    async with SmppServer(services, config):
        yield


async def demo_call_center(services: Services, account_id: int, app_id: str) -> None:
    """The sandbox's call center: a demo group whose queue simulated callers and agents keep busy."""
    from switchboard.services.callcenter.sandbox import Sandbox, ensure_group

    group_id = await ensure_group(services, account_id, app_id)
    await Sandbox(services, account_id, group_id).run()


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database URL.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Create (once) and print a demo account.")] = False,
) -> None:
    """Run everything in one process: API, workers and the simulated carrier."""
    cfg = settings(host=host, port=port, database_url=database_url)
    logging.basicConfig(level=cfg.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def action(s: Services) -> None:
        await s.start()  # claims the node id first: a clash is refused before anything listens
        base_url = f"http://{cfg.host}:{cfg.port}"
        sandbox: asyncio.Task[None] | None = None
        if demo:
            credentials = await ensure_demo(s)
            sys.stdout.write(banner(credentials, base_url))
            sys.stdout.flush()
            sandbox = asyncio.create_task(demo_call_center(s, credentials.account_id, credentials.apps["cc"]))
        app = create_app(cfg, services=s, run_migrations=False, worker_roles=list(ROLES))
        server = http_server(app, cfg)
        try:
            async with serve_smpp(s, cfg):
                await server.serve()
        finally:
            if sandbox is not None:
                sandbox.cancel()

    run(action, settings_=cfg)


def migrate(
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database URL.")] = None,
) -> None:
    """Bring the database schema up to date."""
    cfg = settings(database_url=database_url)

    async def action(s: Services) -> None:
        console.print(f"schema at revision {', '.join(sorted(await store_migrate.current_revisions(s.db)))}")

    run(action, settings_=cfg)


def api(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database URL.")] = None,
) -> None:
    """Run the stateless HTTP API alone (production mode: run N copies behind a load balancer)."""
    cfg = settings(host=host, port=port, database_url=database_url)
    logging.basicConfig(level=cfg.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def action(s: Services) -> None:
        await s.start()  # claims the node id first: a clash is refused before anything listens
        app = create_app(cfg, services=s, run_migrations=False)
        server = http_server(app, cfg)
        await server.serve()

    run(action, settings_=cfg)


def worker(
    role: Annotated[list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)}; repeat for several.")],
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database URL.")] = None,
) -> None:
    """Run worker roles without the API (production mode: N copies of each role)."""
    cfg = settings(database_url=database_url)
    logging.basicConfig(level=cfg.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    unknown = sorted(set(role) - set(ROLES))
    if unknown:
        fail(f"unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}")

    async def action(s: Services) -> None:
        await s.start()
        workers = Workers(s, role)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await workers.start()
        await stop.wait()
        await workers.stop()

    run(action, settings_=cfg)
