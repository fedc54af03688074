"""The loop timers a sans-I/O call machine asks for: ``StartTimer`` (re)arms one by name, ``StopTimer``
disarms it, and a timer that fires is handed back to the machine through ``fire``. One per call leg."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from switchboard.domain.voice.call import StartTimer, StopTimer


class MachineTimers:
    def __init__(self, loop: asyncio.AbstractEventLoop, fire: Callable[[str], None]) -> None:
        self.loop, self.fire = loop, fire
        self.handles: dict[str, asyncio.TimerHandle] = {}

    def apply(self, action: StartTimer | StopTimer) -> None:
        handle = self.handles.pop(action.name, None)
        if handle is not None:
            handle.cancel()
        if isinstance(action, StartTimer):
            self.handles[action.name] = self.loop.call_later(action.delay, self._fired, action.name)

    def cancel_all(self) -> None:
        for handle in self.handles.values():
            handle.cancel()
        self.handles.clear()

    def _fired(self, name: str) -> None:
        self.handles.pop(name, None)
        self.fire(name)
