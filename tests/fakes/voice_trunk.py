"""A scriptable voice trunk for unit tests: each callee gets the result its script gives, after a delay.

No sockets: a result is built from a ``Script`` (answered or a final code, seconds of ringing and of talk,
keys pressed). The trunk records what it was asked, when, and how many calls ran at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from switchboard.connectors.voice.base import CallRequest, CallResult, MediaStats
from switchboard.domain.voice import termination


@dataclass(frozen=True)
class Script:
    code: int = 200  # 200 answered, else the final SIP code
    talk: float = 5.0  # seconds from answer to hang-up (reported, not waited)
    ring: float = 1.0
    keys: str = ""
    failover: bool = False
    wait: float = 0.0  # real seconds the call takes (to test concurrency and shutdown)


@dataclass
class FakeTrunk:
    name: str
    scripts: dict[str, Script] = field(default_factory=dict)  # by callee; default: answered, 5 s
    default: Script = field(default_factory=Script)
    wall: float = 1_800_000_000.0
    placed: list[CallRequest] = field(default_factory=list)
    started_at: list[float] = field(default_factory=list)
    running: int = 0
    peak: int = 0
    started: bool = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    def status(self) -> dict[str, Any]:
        return {"type": "fake", "placed": len(self.placed)}

    async def place(self, call: CallRequest, hangup: asyncio.Event) -> CallResult:
        script = self.scripts.get(call.callee, self.default)
        if call.before_invite is not None:
            await call.before_invite()  # like the SIP trunk: raises when the call must not be dialled
        self.placed.append(call)
        self.started_at.append(time.monotonic())
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if script.wait:
                try:
                    await asyncio.wait_for(hangup.wait(), script.wait)
                except TimeoutError:
                    pass
        finally:
            self.running -= 1
        start = self.wall
        ringing = start + 0.2
        if hangup.is_set() and script.code == 200 and script.wait:
            return CallResult(487, termination.SHUTDOWN, None, False, start, ringing, None, ringing, trunk=self.name)
        if script.code != 200:
            reason = termination.reason_for(script.code)
            end = ringing + script.ring
            return CallResult(
                script.code,
                reason,
                script.code,
                False,
                start,
                ringing,
                None,
                end,
                failover=script.failover,
                trunk=self.name,
            )
        answered = ringing + script.ring
        media = MediaStats(sent=int(script.talk / 0.02), payload_type=0)
        return CallResult(
            200,
            termination.COMPLETED,
            200,
            True,
            start,
            ringing,
            answered,
            answered + script.talk,
            script.keys,
            trunk=self.name,
            media=media,
        )
