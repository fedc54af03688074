"""The voice worker's trunks: built from the trunks table (or given by a test), each with its pace (calls per
second) and its cap on concurrent calls, both held by this worker process; the voice routes that choose
among them, and their health (OPTIONS pings)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from switchboard.connectors.voice.base import VoiceTrunk
from switchboard.connectors.voice.simulated import SimulatedCallee, start_simulated_callee
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.connectors.voice.trunk_health import TrunkHealth
from switchboard.domain.routing import Route, choose_carriers
from switchboard.domain.voice.pacing import CpsPacer
from switchboard.domain.voice.scenarios import CalleeScenario
from switchboard.services.context import Services
from switchboard.store import voice as store

log = logging.getLogger("switchboard.voice")

MAX_ACTIVE = 500
BUILTIN = "sandbox"


@dataclass
class Slot:
    trunk: VoiceTrunk
    limit: asyncio.Semaphore
    pacer: CpsPacer
    capacity: int
    caller_id: str | None = None


class TrunkSet:
    """The trunks of this worker (built from the trunks table, or given by a test) and the voice routes."""

    def __init__(self, services: Services, trunks: dict[str, tuple[VoiceTrunk, int, int]] | None = None) -> None:
        self.s = services
        self.given = trunks
        self.slots: dict[str, Slot] = {}
        self.routes: list[Route] = []
        self.callees: list[SimulatedCallee] = []
        self.health = TrunkHealth()

    async def start(self) -> None:
        async with self.s.db.read() as conn:
            rows = [t for t in await store.list_trunks(conn) if t.enabled]
            self.routes = await store.list_routes(conn)
        if self.given is not None:
            for name, (trunk, cps, concurrent) in self.given.items():
                await self._add(name, trunk, cps, concurrent)
            return
        for row in rows:
            try:
                await self._add(row.name, await self._build(row), row.cps, row.max_concurrent, row.caller_id)
            except (OSError, ValueError) as exc:
                log.error("trunk %s cannot start: %s", row.name, exc)
        if not self.slots:
            log.info("no SIP trunk configured: calls go to the built-in simulated callee")
            await self._add(BUILTIN, await self._simulated(BUILTIN, {}, None), 50, 500)

    async def _build(self, row: store.Trunk) -> VoiceTrunk:
        password = self.s.secrets.open(row.password_enc) if row.password_enc else None
        if row.type == "simulated":
            auth = (row.username, password) if row.username and password is not None else None
            return await self._simulated(row.name, row.config, auth, username=row.username, password=password)
        config = SipTrunkConfig(
            name=row.name,
            host=row.host,
            port=row.port,
            username=row.username,
            password=password,
            caller_id=row.caller_id,
            local_host=row.config.get("local_host"),
            local_port=int(row.config.get("local_port", 0)),
        )
        return SipTrunk(config, wall=self.s.clock.time)

    async def _simulated(
        self,
        name: str,
        scenario: dict[str, Any],
        auth: tuple[str, str] | None,
        *,
        username: str | None = None,
        password: str | None = None,
    ) -> VoiceTrunk:
        callee = await start_simulated_callee(CalleeScenario.of(scenario), auth=auth)
        self.callees.append(callee)
        host, port = callee.address
        config = SipTrunkConfig(
            name=name, host=host, port=port, local_host="127.0.0.1", username=username, password=password
        )
        return SipTrunk(config, wall=self.s.clock.time)

    async def _add(self, name: str, trunk: VoiceTrunk, cps: int, concurrent: int, caller_id: str | None = None) -> None:
        await trunk.start()
        self.slots[name] = Slot(trunk, asyncio.Semaphore(concurrent), CpsPacer(cps), concurrent, caller_id)

    async def reload_routes(self) -> None:
        async with self.s.db.read() as conn:
            self.routes = await store.list_routes(conn)

    def choose(self, row: dict[str, Any]) -> list[str]:
        return self.health.order(self._route(row))

    def _route(self, row: dict[str, Any]) -> list[str]:
        return choose_carriers(
            self.routes,
            list(self.slots),
            country=row["country"],
            number=row["callee"],
            account_id=row["account_id"],
            sender_id=None,
        )

    @property
    def capacity(self) -> int:
        return min(MAX_ACTIVE, sum(slot.capacity for slot in self.slots.values()))

    async def stop(self) -> None:
        for name, slot in self.slots.items():
            try:
                await slot.trunk.stop()
            except Exception:
                log.exception("trunk %s did not stop cleanly", name)
        for callee in self.callees:
            await callee.stop()
        self.slots.clear()
