"""The live carrier connectors of this process, built from the carriers table (or the built-in simulator)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.carrier_auth import CALLBACK_KEY, callback_spec, new_secret
from switchboard.connectors.sms.base import CarrierEvents, OutboundSms, SmsConnector
from switchboard.connectors.sms.simulator import Owed, Scenario, SimulatorConnector
from switchboard.connectors.sms.smpp import SmppConnector
from switchboard.domain.routing import Route
from switchboard.errors import OperatorError
from switchboard.services.bind_slots import BindSlots
from switchboard.services.carrier_secrets import open_config, seal_config
from switchboard.services.context import Services
from switchboard.services.routes import add_route
from switchboard.store import carriers as store
from switchboard.store import delivery as delivery_store
from switchboard.store.carriers import Carrier

log = logging.getLogger("switchboard.carriers")

BUILTIN = "simulator"
TYPES = ("simulator", "smpp", "http")


def build_connector(carrier: Carrier, services: Services) -> SmsConnector:
    """A connector for a configured carrier; foreign configuration errors become OperatorError."""
    config = open_config(carrier.config, services.secrets)
    try:
        if carrier.type == "simulator":
            return SimulatorConnector(carrier.name, Scenario.of(config), services.clock)
        if carrier.type == "smpp":
            from switchboard.connectors.sms.smpp import SmppConfig

            return SmppConnector(SmppConfig(name=carrier.name, **config))
        if carrier.type == "http":
            from switchboard.connectors.sms.http import HttpCarrierConfig, HttpConnector

            return HttpConnector(HttpCarrierConfig(name=carrier.name, **config), services.clock)
    except (TypeError, ValueError) as exc:
        raise OperatorError(f"carrier {carrier.name}: {exc}") from exc
    raise OperatorError(f"carrier {carrier.name}: unknown type {carrier.type!r}")


class CarrierSet:
    """Connectors by name. Started once per process that dispatches; reloads routes on demand."""

    def __init__(self, services: Services, *, builtin_warning: bool = False) -> None:
        self.s = services
        self.connectors: dict[str, SmsConnector] = {}
        self.enabled: list[str] = []
        self.routes: list[Route] = []
        self._builtin_warning = builtin_warning
        # Production layout: SMPP binds are shared with the other dispatch workers through Redis.
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.bind_slots = BindSlots(services.redis, worker_id) if services.redis is not None else None

    async def start(self, events: CarrierEvents) -> None:
        async with self.s.db.read() as conn:
            configured = await store.list_carriers(conn)
            self.routes = await store.list_routes(conn)
        for carrier in configured:
            if carrier.enabled:
                connector = build_connector(carrier, self.s)
                if self.bind_slots is not None and isinstance(connector, SmppConnector):
                    await connector.use_slots([])  # binds come from the shared slots (rebalance_binds)
                await connector.start(events)
                self.connectors[carrier.name] = connector
                self.enabled.append(carrier.name)
                if isinstance(connector, SimulatorConnector):
                    await self._resume(connector)
        if not self.enabled:
            if self._builtin_warning:
                log.warning("no carrier configured: messages go to the built-in simulator")
            builtin = SimulatorConnector(BUILTIN, Scenario(), self.s.clock)
            await builtin.start(events)
            self.connectors[BUILTIN] = builtin
            self.enabled = [BUILTIN]
            await self._resume(builtin)

    async def _resume(self, simulator: SimulatorConnector) -> None:
        """Re-create the receipts a simulated carrier still owed when the last process stopped (or died)."""
        async with self.s.db.read() as conn:
            waiting = await delivery_store.awaiting_receipts(conn, simulator.name)
        owed = [
            Owed(
                OutboundSms(row["msg_id"], row["number"], row["sender_id"], row["content"]),
                tuple(row["carrier_keys"]),
                row["submitted_at"] or self.s.clock.now(),
            )
            for row in waiting
        ]
        if simulator.resume(owed):
            log.info("simulated carrier %s: %d messages' receipts scheduled again", simulator.name, len(owed))

    def can_submit(self) -> bool:
        """False while this worker has no bound transmitter for any of its carriers (production layout: the
        others hold the binds, e.g. just after it started, or its new binds are still binding): it then leaves
        the queue to the workers that can send."""
        if self.bind_slots is None:
            return True
        return any(
            not isinstance(connector, SmppConnector) or any(s.bound and s.can_transmit for s in connector.sessions)
            for connector in (self.connectors[name] for name in self.enabled)
        )

    async def rebalance_binds(self) -> None:
        """Production layout: take this worker's share of each SMPP carrier's binds (see bind_slots.py)."""
        if self.bind_slots is None:
            return
        workers = await self.bind_slots.live_workers()
        for name, connector in self.connectors.items():
            if isinstance(connector, SmppConnector):
                held = await self.bind_slots.rebalance(name, connector.config.binds, workers)
                if held != connector.slots:
                    log.info("carrier %s: this worker binds slots %s of %d", name, held, connector.config.binds)
                    await connector.use_slots(held)

    async def reload_routes(self) -> None:
        async with self.s.db.read() as conn:
            self.routes = await store.list_routes(conn)

    async def stop(self) -> None:
        for connector in self.connectors.values():
            try:
                await connector.stop()
            except Exception:
                log.exception("carrier %s did not stop cleanly", connector.name)
        if self.bind_slots is not None:
            try:
                await self.bind_slots.release_all()
            except Exception:
                log.warning("bind slots not released (they expire by themselves)", exc_info=True)
        self.connectors.clear()
        self.enabled.clear()

    def status(self) -> dict[str, dict[str, Any]]:
        return {name: connector.status() for name, connector in self.connectors.items()}


class CarrierAdmin:
    """What operators do with carriers, routes and inbound numbers."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def add(self, name: str, type_: str, config: dict[str, Any]) -> Carrier:
        name = name.strip()
        if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
            raise OperatorError("a carrier name is 1-64 letters, digits, '-' or '_'")
        if type_ not in TYPES:
            raise OperatorError(f"type must be one of {', '.join(TYPES)}")
        config = {k: v for k, v in config.items() if k != CALLBACK_KEY}  # set with set_callback, sealed
        candidate = Carrier(0, name, type_, config, True)
        build_connector(candidate, self.s)  # validates the configuration; nothing is started
        async with self.s.db.write() as conn:
            if await store.get_carrier(conn, name) is not None:
                raise OperatorError(f"a carrier named {name} exists")
            sealed = seal_config(config, self.s.secrets)
            await store.insert_carrier(conn, name=name, type_=type_, config=sealed, now=self.s.clock.now())
            carrier = await store.get_carrier(conn, name)
        assert carrier is not None
        return carrier

    async def carriers(self) -> list[Carrier]:
        async with self.s.db.read() as conn:
            return await store.list_carriers(conn)

    async def get(self, name: str) -> Carrier:
        async with self.s.db.read() as conn:
            carrier = await store.get_carrier(conn, name)
        if carrier is None:
            raise OperatorError(f"no carrier {name}")
        return carrier

    async def set_enabled(self, name: str, enabled: bool) -> None:
        async with self.s.db.write() as conn:
            if not await store.set_carrier_enabled(conn, name, enabled):
                raise OperatorError(f"no carrier {name}")

    async def set_callback(
        self,
        name: str,
        *,
        mode: str = "token",
        header: str | None = None,
        allow_ips: list[str] | None = None,
        secret: str | None = None,
    ) -> str:
        """Give an HTTP carrier a new callback secret (the old one stops working) and return it; it is stored
        sealed and cannot be read back."""
        secret = secret or new_secret()
        try:
            spec = callback_spec(self.s.secrets, secret, mode=mode, header=header, allow_ips=allow_ips or [])
        except ValueError as exc:
            raise OperatorError(str(exc)) from exc
        async with self.s.db.write() as conn:
            carrier = await store.get_carrier(conn, name)
            if carrier is None:
                raise OperatorError(f"no carrier {name}")
            if carrier.type != "http":
                raise OperatorError(f"carrier {name} is not an HTTP carrier: it makes no callbacks")
            await store.set_carrier_config(conn, name, {**carrier.config, CALLBACK_KEY: spec})
        return secret

    async def add_route(
        self,
        carriers: list[str],
        *,
        position: int | None = None,
        country: str | None = None,
        prefix: str | None = None,
        account_id: int | None = None,
        sender_id: str | None = None,
    ) -> int:
        async def known(conn: AsyncConnection) -> set[str]:
            return {c.name for c in await store.list_carriers(conn)}

        return await add_route(
            self.s,
            product="sms",
            targets=carriers,
            known=known,
            what="carrier",
            position=position,
            country=country,
            prefix=prefix,
            account_id=account_id,
            sender_id=sender_id,
        )

    async def routes(self) -> list[Route]:
        async with self.s.db.read() as conn:
            return await store.list_routes(conn)

    async def remove_route(self, route_id: int) -> None:
        async with self.s.db.write() as conn:
            if not await store.delete_route(conn, route_id):
                raise OperatorError(f"no route {route_id}")
