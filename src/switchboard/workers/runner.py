"""Starting and stopping worker roles as asyncio tasks next to the API (``serve``) or alone (``worker``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from switchboard.services.context import Services
from switchboard.services.wakeups import WakeBus
from switchboard.workers.campaigns import run_campaigns
from switchboard.workers.robot import run_robot
from switchboard.workers.roles import run_callbacks, run_dispatch, run_scheduler
from switchboard.workers.sip import run_sip
from switchboard.workers.voice import run_voice

Role = Callable[[Services, asyncio.Event], Coroutine[Any, Any, None]]

ROLES: dict[str, Role] = {
    "dispatch": run_dispatch,
    "callbacks": run_callbacks,
    "scheduler": run_scheduler,
    "voice": run_voice,
    "campaigns": run_campaigns,
    "sip": run_sip,
    "robot": run_robot,
}


class Workers:
    def __init__(self, services: Services, roles: list[str], *, embedded: bool = False) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown worker roles: {', '.join(sorted(unknown))}")
        self.services = services
        self.roles = roles
        self.embedded = embedded
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._stop.clear()
        for role in self.roles:
            self.services.wakeups.setdefault(role, asyncio.Event())
        self._tasks = [asyncio.create_task(self._run(role), name=f"worker-{role}") for role in self.roles]
        if self.services.redis is not None:
            bus = WakeBus(self.services.redis)
            self._tasks.append(asyncio.create_task(bus.listen(self.services.wakeups, self._stop), name="wake-ups"))

    def _run(self, role: str) -> Coroutine[Any, Any, None]:
        if role == "dispatch":
            # In `serve` the built-in simulator is the expected default; elsewhere it deserves a warning.
            return run_dispatch(self.services, self._stop, builtin_warning=not self.embedded)
        return ROLES[role](self.services, self._stop)

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in self._tasks:
            task.cancel()
        self._tasks = []
