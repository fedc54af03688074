"""Agent states (C13 ``status``) and the rules that move them, on the engine's clock (seconds).

::

    OFFLINE(1) --login--> IDLE(2) --offer--> (ringing, still IDLE to the API) --answer--> BUSY(3)
    BUSY --call ends--> WRAP_UP(4) --wrapUpTime elapsed--> IDLE       (no wrap-up time: straight to IDLE)
    ringing --no answer within timeoutTransferSec--> IDLE, misses + 1; misses == timeoutIdle --> BREAK(5)
    BREAK --agent's "ready"--> IDLE;  any --logout--> OFFLINE

An agent rings one call at a time and is offered calls only while IDLE and not ringing. Answering resets the
count of consecutive misses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from switchboard.domain.callcenter.strategies import Candidate, pick


class Status(IntEnum):
    OFFLINE = 1
    IDLE = 2
    BUSY = 3
    WRAP_UP = 4
    BREAK = 5


@dataclass
class Agent:
    agent_id: int
    priority: int = 1
    status: Status = Status.IDLE
    idle_since: float = 0.0
    handled: int = 0
    misses: int = 0
    ringing: str | None = None  # the call ringing this agent
    wrap_until: float | None = None
    talk_seconds: float = 0.0

    @property
    def free(self) -> bool:
        return self.status is Status.IDLE and self.ringing is None


@dataclass(frozen=True)
class AgentRules:
    """The group's settings that act on agents (C7)."""

    strategy: int = 1
    wrap_up: int = 0  # wrapUpTime seconds
    timeout_idle: int | None = None  # misses in a row that put the agent on break


@dataclass
class AgentPool:
    rules: AgentRules
    agents: dict[int, Agent] = field(default_factory=dict)
    last_offered: int | None = None

    @classmethod
    def of(cls, rules: AgentRules, agents: Iterable[Agent]) -> AgentPool:
        return cls(rules, {a.agent_id: a for a in agents})

    def free(self) -> list[Agent]:
        return [a for a in self.agents.values() if a.free]

    def choose(self, exclude: Iterable[int] = ()) -> Agent | None:
        """The agent the group's strategy offers the next call to (not one of ``exclude``)."""
        skip = set(exclude)
        candidates = [
            Candidate(a.agent_id, a.idle_since, a.handled, a.priority) for a in self.free() if a.agent_id not in skip
        ]
        chosen = pick(self.rules.strategy, candidates, self.last_offered)
        return None if chosen is None else self.agents[chosen.agent_id]

    def offer(self, agent: Agent, call_id: str) -> None:
        agent.ringing = call_id
        self.last_offered = agent.agent_id

    def missed(self, agent: Agent) -> None:
        """The agent let the call ring out: counted; ``timeout_idle`` misses in a row put the agent on break."""
        agent.ringing = None
        agent.misses += 1
        limit = self.rules.timeout_idle
        if limit and agent.misses >= limit and agent.status is Status.IDLE:
            agent.status = Status.BREAK

    def cancel_ring(self, agent: Agent) -> None:
        agent.ringing = None

    def answered(self, agent: Agent) -> None:
        agent.ringing = None
        agent.misses = 0
        agent.status = Status.BUSY

    def connect(self, agent: Agent) -> None:
        """A call put straight through (auto-answer / a group-call task's agent)."""
        self.answered(agent)

    def ended(self, agent: Agent, now: float, talk: float) -> None:
        """The agent's call ended: one more handled, then wrap-up (or idle when the group has none)."""
        agent.handled += 1
        agent.talk_seconds += talk
        if self.rules.wrap_up > 0:
            agent.status = Status.WRAP_UP
            agent.wrap_until = now + self.rules.wrap_up
        else:
            self._idle(agent, now)

    def tick(self, now: float) -> None:
        for agent in self.agents.values():
            if agent.status is Status.WRAP_UP and agent.wrap_until is not None and now >= agent.wrap_until:
                self._idle(agent, agent.wrap_until)

    def set_status(self, agent_id: int, status: Status, now: float) -> None:
        """The agent (or the platform) changes state: ready, break, logout. A busy agent stays busy."""
        agent = self.agents[agent_id]
        if agent.status is Status.BUSY:
            return
        if status is Status.IDLE:
            self._idle(agent, now)
        else:
            agent.status = status
            agent.ringing = None

    @staticmethod
    def _idle(agent: Agent, since: float) -> None:
        if agent.status is Status.BREAK:
            agent.misses = 0  # back from break: the count of misses starts again
        agent.status = Status.IDLE
        agent.idle_since = since
        agent.wrap_until = None
