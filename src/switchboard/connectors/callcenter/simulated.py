"""Simulated inbound callers and agents' phones for the sandbox (``make run``): an :class:`AgentPhones` whose
callers arrive now and then, whose agents answer after a few seconds (or, now and then, not at all) and whose
calls last a while. Seeded, so a run can be replayed; the clock is the injected one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from switchboard.clock import Clock
from switchboard.domain.callcenter.outcomes import Direction
from switchboard.services.callcenter.legs import AGENT_ANSWERED, ARRIVED, HUNG_UP, QueueEvent


@dataclass(frozen=True)
class Behaviour:
    arrival_every: tuple[float, float] = (4.0, 15.0)  # seconds between callers
    answer_after: tuple[float, float] = (1.0, 6.0)  # an agent's phone rings this long before it is answered
    no_answer: float = 0.1  # share of rings an agent lets ring out
    talk: tuple[float, float] = (15.0, 60.0)
    patience: tuple[float, float] = (20.0, 90.0)  # a waiting caller hangs up after this long
    called: str = "442071234567"


@dataclass
class SimulatedPhones:
    clock: Clock
    agent_ids: dict[str, int]
    behaviour: Behaviour = field(default_factory=Behaviour)
    seed: int = 18
    pending: list[tuple[float, QueueEvent]] = field(default_factory=list)
    callers: int = 0
    next_arrival: float | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - a simulation, not a secret

    def _between(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)

    def _drop(self, call_id: str, kind: str | None = None) -> None:
        self.pending = [(t, e) for t, e in self.pending if e.call_id != call_id or (kind and e.kind != kind)]

    async def ring(self, call_id: str, agent_account: str) -> None:
        if agent_account in self.agent_ids and self.rng.random() >= self.behaviour.no_answer:
            event = QueueEvent(call_id, AGENT_ANSWERED, agent_id=self.agent_ids[agent_account])
            self.pending.append((self.clock.time() + self._between(self.behaviour.answer_after), event))

    async def stop_ringing(self, call_id: str, agent_account: str) -> None:
        self._drop(call_id, AGENT_ANSWERED)

    async def bridge(self, call_id: str, agent_account: str) -> None:
        self._drop(call_id)
        by = Direction.CUSTOMER if self.rng.random() < 0.7 else Direction.AGENT
        self.pending.append(
            (self.clock.time() + self._between(self.behaviour.talk), QueueEvent(call_id, HUNG_UP, by=by))
        )

    async def hang_up(self, call_id: str) -> None:
        self._drop(call_id)

    def _arrivals(self, now: float) -> None:
        if self.next_arrival is None:
            self.next_arrival = now + self._between(self.behaviour.arrival_every)
        while self.next_arrival <= now:
            self.callers += 1
            call_id = f"sim-{int(self.next_arrival)}-{self.callers}"
            number = f"4420{self.rng.randrange(10**7, 10**8)}"
            arrived = QueueEvent(call_id, ARRIVED, number=number, called=self.behaviour.called)
            self.pending.append((self.next_arrival, arrived))
            gives_up = self.next_arrival + self._between(self.behaviour.patience)
            self.pending.append((gives_up, QueueEvent(call_id, HUNG_UP, by=Direction.CUSTOMER)))
            self.next_arrival += self._between(self.behaviour.arrival_every)

    def events(self) -> list[QueueEvent]:
        now = self.clock.time()
        self._arrivals(now)
        due = sorted((item for item in self.pending if item[0] <= now), key=lambda item: item[0])
        self.pending = [item for item in self.pending if item[0] > now]
        return [event for _, event in due]
