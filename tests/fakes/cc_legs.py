"""Simulated callee legs for the call-center engines: each number is scripted (answers after a delay or never,
busy, talks for a while, gives up waiting), events come out when the fake clock reaches them.

The fake keeps what the engine asked for (dials, bridges, hang-ups) so tests can check the traffic too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard.domain.callcenter.outcomes import Direction
from switchboard.services.callcenter.legs import (
    AGENT_ANSWERED,
    ANSWERED,
    ARRIVED,
    FAILED,
    HUNG_UP,
    LegEvent,
    QueueEvent,
)
from tests.fakes.clock import FakeClock


@dataclass(frozen=True)
class Script:
    """How one callee behaves."""

    answer_after: float | None = None  # None: never answers (rings until the engine gives up)
    busy: bool = False
    talk: float = 30.0  # seconds with the agent, then the callee hangs up
    patience: float | None = None  # seconds an answered callee waits for an agent before hanging up


@dataclass
class FakeLegs:
    clock: FakeClock
    scripts: dict[str, Script]
    pending: list[tuple[float, LegEvent]] = field(default_factory=list)
    dialed: list[str] = field(default_factory=list)  # numbers, in dial order
    bridged: dict[str, str] = field(default_factory=dict)  # call id -> agent account
    hung_up: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)  # call id -> number
    answered_at: dict[str, float] = field(default_factory=dict)

    def _at(self, delay: float, event: LegEvent) -> None:
        self.pending.append((self.clock.time() + delay, event))

    def _drop(self, call_id: str) -> None:
        self.pending = [(t, e) for t, e in self.pending if e.call_id != call_id]

    async def dial(self, call_id: str, number: str, caller_id: str | None, ring_limit: int) -> None:
        script = self.scripts.get(number, Script())
        self.dialed.append(number)
        self.numbers[call_id] = number
        if script.busy:
            self._at(2, LegEvent(call_id, FAILED, cause="busy"))
        elif script.answer_after is not None and script.answer_after < ring_limit:
            self._at(script.answer_after, LegEvent(call_id, ANSWERED))
            self.answered_at[call_id] = self.clock.time() + script.answer_after
            if script.patience is not None:
                self._at(script.answer_after + script.patience, LegEvent(call_id, HUNG_UP, by=Direction.CUSTOMER))

    async def bridge(self, call_id: str, agent_account: str) -> None:
        self.bridged[call_id] = agent_account
        self._drop(call_id)
        self._at(self.scripts.get(self.numbers[call_id], Script()).talk, LegEvent(call_id, HUNG_UP))

    async def hang_up(self, call_id: str) -> None:
        self.hung_up.append(call_id)
        self._drop(call_id)

    def events(self) -> list[LegEvent]:
        now = self.clock.time()
        due = sorted((item for item in self.pending if item[0] <= now), key=lambda item: item[0])
        self.pending = [item for item in self.pending if item[0] > now]
        return [event for _, event in due]


@dataclass
class FakeAgentPhones:
    """Agents' phones and inbound callers for the queue: each agent's phone answers after a delay or never;
    callers arrive at scripted times and talk ``talk`` seconds once put through."""

    clock: FakeClock
    answer_after: dict[str, float | None]  # agent SIP account -> seconds to answer (None: never)
    agent_ids: dict[str, int]
    talk: float = 30.0
    pending: list[tuple[float, QueueEvent]] = field(default_factory=list)
    rung: list[tuple[str, str]] = field(default_factory=list)  # (call id, agent account), in order
    bridged: dict[str, str] = field(default_factory=dict)
    hung_up: list[str] = field(default_factory=list)

    def arrive(self, call_id: str, number: str, called: str, at: float, patience: float | None = None) -> None:
        self.pending.append((at, QueueEvent(call_id, ARRIVED, number=number, called=called)))
        if patience is not None:
            self.pending.append((at + patience, QueueEvent(call_id, HUNG_UP, by=Direction.CUSTOMER)))

    def _drop(self, call_id: str, kind: str | None = None) -> None:
        self.pending = [(t, e) for t, e in self.pending if e.call_id != call_id or (kind and e.kind != kind)]

    async def ring(self, call_id: str, agent_account: str) -> None:
        self.rung.append((call_id, agent_account))
        delay = self.answer_after.get(agent_account)
        if delay is not None:
            event = QueueEvent(call_id, AGENT_ANSWERED, agent_id=self.agent_ids[agent_account])
            self.pending.append((self.clock.time() + delay, event))

    async def stop_ringing(self, call_id: str, agent_account: str) -> None:
        self._drop(call_id, AGENT_ANSWERED)

    async def bridge(self, call_id: str, agent_account: str) -> None:
        self.bridged[call_id] = agent_account
        self._drop(call_id)
        self.pending.append((self.clock.time() + self.talk, QueueEvent(call_id, HUNG_UP, by=Direction.CUSTOMER)))

    async def hang_up(self, call_id: str) -> None:
        self.hung_up.append(call_id)
        self._drop(call_id)

    def events(self) -> list[QueueEvent]:
        now = self.clock.time()
        due = sorted((item for item in self.pending if item[0] <= now), key=lambda item: item[0])
        self.pending = [item for item in self.pending if item[0] > now]
        return [event for _, event in due]
