"""The ``robot`` worker role: runs AI-voice tasks (see services/aivoice/robot.py)."""

from __future__ import annotations

import asyncio
import logging

from switchboard.services.aivoice.robot import Robot
from switchboard.services.context import Services
from switchboard.workers.loop import run_loop

log = logging.getLogger("switchboard.workers")


async def run_robot(services: Services, stop: asyncio.Event) -> None:
    robot = Robot(services)
    if released := await robot.recover():
        log.info("robot: %d calls left by a stopped worker go back to waiting", released)
    wake = services.wakeups.setdefault("robot", asyncio.Event())
    await run_loop("robot", robot.tick, stop=stop, poll=max(services.settings.worker_poll, 1.0), wake=wake)
