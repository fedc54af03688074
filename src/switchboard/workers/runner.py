"""Starting and stopping worker roles as asyncio tasks next to the API (``serve``) or alone (``worker``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from switchboard.services.context import Services
from switchboard.workers.scheduler import run_scheduler

Role = Callable[[Services, asyncio.Event], Coroutine[Any, Any, None]]

ROLES: dict[str, Role] = {
    "scheduler": lambda services, stop: run_scheduler(services, stop=stop),
}


class Workers:
    def __init__(self, services: Services, roles: list[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown worker roles: {', '.join(sorted(unknown))}")
        self.services = services
        self.roles = roles
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(ROLES[role](self.services, self._stop), name=f"worker-{role}") for role in self.roles
        ]

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in self._tasks:
            task.cancel()
        self._tasks = []
