"""The simulated carrier: the default of ``serve``, and the sandbox's way to choose delivery outcomes.

A scenario (JSON, per carrier) sets, for the longest matching number prefix or the default:

    {"seed": 7,
     "default": {"delivered": 0.95, "undelivered": 0.04, "rejected": 0.01,
                 "delay": [0.2, 1.5], "error_code": "UNDELIV"},
     "prefixes": {"9198": {"delivered": 0, "undelivered": 1, "error_code": "ABSENT"}},
     "reply": {"mode": "echo"}}          # or {"mode": "text", "text": "STOP received"}; or omitted

``rejected`` refuses the submit itself (a permanent error); the other outcomes are receipts sent after a
delay drawn uniformly from ``delay`` seconds. Outcomes and delays are drawn from a random generator seeded
with the scenario's seed and the msgId, so the same message always gets the same fate. With a ``reply``,
each delivered message is answered by an inbound SMS from the recipient (two-way testing).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from switchboard.clock import Clock
from switchboard.connectors.sms.base import (
    DELIVERED,
    FAILED,
    CarrierEvents,
    InboundSms,
    OutboundSms,
    Receipt,
    SubmitAccepted,
    SubmitError,
)
from switchboard.domain.sms.encoding import analyse

log = logging.getLogger("switchboard.simulator")


@dataclass(frozen=True)
class Outcome:
    delivered: float = 1.0
    undelivered: float = 0.0
    rejected: float = 0.0
    delay: tuple[float, float] = (0.05, 0.3)
    error_code: str = "UNDELIV"

    @classmethod
    def of(cls, data: dict[str, Any], base: Outcome | None = None) -> Outcome:
        merged = {**(base or cls()).__dict__, **data}
        delay = merged.get("delay", (0.05, 0.3))
        low, high = (float(delay), float(delay)) if isinstance(delay, (int, float)) else map(float, delay)
        shares = [float(merged.get(k, 0.0)) for k in ("delivered", "undelivered", "rejected")]
        if any(s < 0 for s in shares) or sum(shares) <= 0 or low < 0 or high < low:
            raise ValueError("scenario shares must be >= 0 with a positive sum, and 0 <= delay[0] <= delay[1]")
        delivered, undelivered, rejected = shares
        return cls(delivered, undelivered, rejected, (low, high), str(merged.get("error_code", "UNDELIV")))


@dataclass(frozen=True)
class Scenario:
    seed: int = 0
    default: Outcome = field(default_factory=Outcome)
    prefixes: dict[str, Outcome] = field(default_factory=dict)
    reply: dict[str, str] | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Scenario:
        default = Outcome.of(data.get("default", {}))
        prefixes = {str(p): Outcome.of(o, default) for p, o in data.get("prefixes", {}).items()}
        reply = data.get("reply")
        if reply is not None and reply.get("mode") not in ("echo", "text"):
            raise ValueError("reply.mode is 'echo' or 'text'")
        return cls(seed=int(data.get("seed", 0)), default=default, prefixes=prefixes, reply=reply)

    def outcome_for(self, number: str) -> Outcome:
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if number.startswith(prefix):
                return self.prefixes[prefix]
        return self.default


@dataclass(frozen=True)
class Fate:
    """What the simulated carrier does with one message: drawn from the scenario's seed and the msgId alone."""

    rejected: bool
    delivered: bool
    delay: float
    error_code: str


@dataclass(frozen=True)
class Owed:
    """A message the simulated carrier accepted and still owes receipts for (found in the store on start)."""

    message: OutboundSms
    carrier_ids: tuple[str, ...]  # the parts still waiting for their receipt
    submitted_at: datetime


class SimulatorConnector:
    """A carrier inside the process: accepts submits, answers with receipts (and replies) after a delay.

    Its promises survive a crash: the fate of a message depends only on the seed and the msgId, so the receipts
    still owed when the process died are re-created on start from the store (:meth:`resume`).
    """

    def __init__(self, name: str, scenario: Scenario, clock: Clock) -> None:
        self.name = name
        self.scenario = scenario
        self._clock = clock
        self._events: CarrierEvents | None = None
        self._ids = itertools.count(1)
        self._prefix = f"sim{secrets.token_hex(3)}"  # carrier ids stay unique across restarts
        self._tasks: set[asyncio.Task[None]] = set()
        self.counters = {"submitted": 0, "parts": 0, "rejected": 0, "receipts": 0, "replies": 0, "resumed": 0}

    async def start(self, events: CarrierEvents) -> None:
        self._events = events

    def fate(self, message: OutboundSms) -> Fate:
        rng = random.Random(f"{self.scenario.seed}:{message.msg_id}")  # noqa: S311 (simulation, not security)
        outcome = self.scenario.outcome_for(message.number)
        roll = rng.random() * (outcome.delivered + outcome.undelivered + outcome.rejected)
        delivered = outcome.rejected <= roll < outcome.rejected + outcome.delivered
        return Fate(roll < outcome.rejected, delivered, rng.uniform(*outcome.delay), outcome.error_code)

    async def submit(self, message: OutboundSms) -> SubmitAccepted:
        fate = self.fate(message)
        if fate.rejected:
            self.counters["rejected"] += 1
            raise SubmitError("REJECTD", "rejected by the simulated carrier", temporary=False)
        parts = max(1, analyse(message.content).segments)
        ids = [f"{self._prefix}{next(self._ids):010d}" for _ in range(parts)]
        self.counters["submitted"] += 1
        self.counters["parts"] += parts
        if message.registered_delivery:
            self._later(fate.delay, self._report(ids, fate.delivered, fate.error_code, message))
        return SubmitAccepted(carrier_msg_ids=ids)

    def resume(self, owed: Sequence[Owed]) -> int:
        """Schedule again the receipts a previous process promised and did not send (it died): each at the
        time its fate set, counted from the submit, or at once when that time has passed."""
        now = self._clock.now()
        for item in owed:
            fate = self.fate(item.message)
            left = fate.delay - (now - item.submitted_at).total_seconds()
            self._later(
                max(0.0, left), self._report(list(item.carrier_ids), fate.delivered, fate.error_code, item.message)
            )
        self.counters["resumed"] += len(owed)
        return len(owed)

    async def _report(self, ids: list[str], delivered: bool, error_code: str, message: OutboundSms) -> None:
        assert self._events is not None
        for carrier_id in ids:
            receipt = Receipt(
                carrier=self.name,
                carrier_msg_id=carrier_id,
                state=DELIVERED if delivered else FAILED,
                error_code="" if delivered else error_code,
                done_at=self._clock.now(),
            )
            await self._events.receipt(receipt)
            self.counters["receipts"] += 1
        reply = self.scenario.reply
        if delivered and reply:
            text = message.content if reply["mode"] == "echo" else reply.get("text", "")
            await self._events.inbound(
                InboundSms(
                    carrier=self.name,
                    source=message.number,
                    destination=message.sender_id or "",
                    content=text,
                    received_at=self._clock.now(),
                    carrier_msg_id=f"mo{next(self._ids):010d}",
                )
            )
            self.counters["replies"] += 1

    def _later(self, delay: float, work: Any) -> None:
        async def run() -> None:
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await work
            except Exception:
                log.exception("simulated receipt could not be reported")

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        self._tasks.clear()

    def status(self) -> dict[str, Any]:
        return {"type": "simulator", "state": "up", "pending_receipts": len(self._tasks), **self.counters}

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every scheduled receipt has been reported (for tests and the bench)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
