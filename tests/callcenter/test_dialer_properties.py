"""Properties of the dialer over random scripts (hypothesis): whatever the callees do, each ends in exactly one
final state, no answered callee waits longer than the limit, and an agent never takes two calls at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.domain.callcenter.actions import Action, Bridge, Dial, Finished
from switchboard.domain.callcenter.agents import Agent, AgentPool, AgentRules, Status
from switchboard.domain.callcenter.dialer import FINAL_STATES, Dialer, DialerRules
from switchboard.domain.callcenter.outcomes import Direction

Script = tuple[int | None, int, int | None, bool]  # answers after, talks, hangs up after waiting, busy
callee = st.tuples(
    st.one_of(st.none(), st.integers(1, 40)),
    st.integers(1, 60),
    st.one_of(st.none(), st.integers(1, 20)),
    st.booleans(),
)


@dataclass
class Simulation:
    engine: Dialer
    callees: list[Script]
    wait: int
    events: list[tuple[int, str, str]] = field(default_factory=list)  # (time, kind, call id)
    scripts: dict[str, Script] = field(default_factory=dict)
    finished: list[int] = field(default_factory=list)
    talking: dict[int, str] = field(default_factory=dict)

    def feed(self, now: int) -> list[Action]:
        due = sorted(e for e in self.events if e[0] <= now)
        self.events = [e for e in self.events if e[0] > now]
        handlers = {
            "answer": lambda c: self.engine.answered(c, now),
            "busy": lambda c: self.engine.failed(c, "busy", now),
            "gone": lambda c: self.engine.hang_up(c, Direction.CUSTOMER, now),
        }
        actions: list[Action] = []
        for _, kind, call_id in due:
            actions += handlers[kind](call_id)
        return actions + self.engine.step(now)

    def later(self, when: int, kind: str, call_id: str) -> None:
        self.events.append((when, kind, call_id))

    def forget(self, call_id: str) -> None:
        self.events = [e for e in self.events if e[2] != call_id]

    def dialled(self, action: Dial, now: int) -> None:
        answer, _, patience, busy = self.scripts[action.call_id] = self.callees[action.callee_id]
        if busy:
            self.later(now + 1, "busy", action.call_id)
        elif answer is not None:
            self.later(now + answer, "answer", action.call_id)
            if patience is not None:
                self.later(now + answer + patience, "gone", action.call_id)

    def bridged(self, action: Bridge, now: int) -> None:
        assert action.agent_id not in self.talking
        self.talking[action.agent_id] = action.call_id
        self.forget(action.call_id)
        self.later(now + self.scripts[action.call_id][1], "gone", action.call_id)

    def ended(self, action: Finished) -> None:
        outcome = action.outcome
        self.finished.append(int(outcome.call_id.split("-")[1]))
        self.forget(outcome.call_id)
        if outcome.agent_id is not None:
            assert self.talking.pop(outcome.agent_id) == outcome.call_id
        if outcome.answered is not None:
            assert outcome.wait_seconds <= self.wait

    def apply(self, action: Action, now: int) -> None:
        if isinstance(action, Dial):
            self.dialled(action, now)
        elif isinstance(action, Bridge):
            self.bridged(action, now)
        elif isinstance(action, Finished):
            self.ended(action)


@settings(max_examples=60, deadline=None)
@given(
    agents=st.integers(1, 5),
    rate=st.integers(1, 3),
    wait=st.integers(1, 15),
    wrap=st.integers(0, 10),
    callees=st.lists(callee, min_size=1, max_size=30),
)
def test_dialer_invariants(agents: int, rate: int, wait: int, wrap: int, callees: list[Script]) -> None:
    pool = AgentPool.of(AgentRules(wrap_up=wrap), [Agent(n + 1) for n in range(agents)])
    engine = Dialer(pool, DialerRules(rate=rate, ring_limit=30, wait_limit=wait))
    engine.load((n, str(n)) for n in range(len(callees)))
    sim = Simulation(engine, callees, wait)
    for now in range(5000):
        for action in sim.feed(now):
            sim.apply(action, now)
        assert sum(1 for a in pool.agents.values() if a.status is Status.BUSY) == len(sim.talking)
        if engine.done:
            break
    assert engine.done
    assert sorted(sim.finished) == list(range(len(callees)))  # each callee once
    assert set(engine.finals.values()) <= set(FINAL_STATES) and len(engine.finals) == len(callees)
