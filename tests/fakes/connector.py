"""A scriptable SMS connector for unit tests: each submit takes the next scripted outcome."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

from switchboard.connectors.sms.base import CarrierEvents, OutboundSms, SubmitAccepted, SubmitError


class FakeConnector:
    def __init__(self, name: str, script: list[str] | None = None, parts: int = 1) -> None:
        """``script`` items: "ok", "temporary" or "permanent"; when it runs out, "ok"."""
        self.name = name
        self.script = deque(script or [])
        self.parts = parts
        self.submitted: list[OutboundSms] = []
        self.events: CarrierEvents | None = None
        self._ids = itertools.count(1)

    async def start(self, events: CarrierEvents) -> None:
        self.events = events

    async def submit(self, message: OutboundSms) -> SubmitAccepted:
        outcome = self.script.popleft() if self.script else "ok"
        if outcome == "temporary":
            raise SubmitError("ESME_RTHROTTLED", temporary=True)
        if outcome == "permanent":
            raise SubmitError("ESME_RINVDSTADR", temporary=False)
        self.submitted.append(message)
        return SubmitAccepted([f"{self.name}-{next(self._ids)}" for _ in range(self.parts)])

    async def stop(self) -> None:
        return None

    def status(self) -> dict[str, Any]:
        return {"type": "fake", "submitted": len(self.submitted)}
