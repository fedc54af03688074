"""The ``sip`` worker role: the platform's SIP port (registrar for the phones of voice apps) on UDP and TCP.

``serve`` runs it with the other roles; in production run it as ``switchboard worker --role sip`` on the
host that owns the SIP address (docs/voice.md, docs/deploy.md). A port that cannot be bound is logged and
the role stays idle: the rest of the platform keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from switchboard.connectors.voice.sip_server import SipServer
from switchboard.services.context import Services
from switchboard.services.inbound_calls import InboundCalls
from switchboard.services.registrar import Registrar
from switchboard.services.sip_keepalive import KeepAlive

log = logging.getLogger("switchboard.voice.sip")
PURGE_EVERY = 30.0  # seconds between purges of expired registrations and rounds of OPTIONS pings


async def start_sip(services: Services, host: str, port: int) -> tuple[SipServer, Registrar]:
    settings = services.settings
    registrar = Registrar(services, realm=settings.sip_realm, algorithms=tuple(settings.sip_digest_algorithms))
    server = SipServer(registrar.handle)
    await server.start(host, port)
    # INVITEs from the trunks to assigned numbers, and phones' own calls (authenticated by the registrar).
    registrar.other = InboundCalls(services, server, registrar).handle
    return server, registrar


async def run_sip(services: Services, stop: asyncio.Event) -> None:
    settings = services.settings
    if settings.sip_port < 0:
        return
    try:
        server, registrar = await start_sip(services, settings.sip_host, settings.sip_port)
    except OSError as exc:
        log.error("SIP port %s:%s not opened: %s", settings.sip_host, settings.sip_port, exc)
        return
    log.info("SIP registrar on %s:%s (udp, tcp), realm %s", *server.address, settings.sip_realm)
    keepalive = KeepAlive(services, server)
    services.caches["sip_server"] = server  # the voice role rings phones through it (workers/bridged.py)
    services.wake("voice")
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PURGE_EVERY)
            try:
                await registrar.purge()
                await keepalive.round()
            except Exception:
                log.exception("purging or pinging registrations failed")
    finally:
        services.caches.pop("sip_server", None)
        await server.stop()
