"""Which idle agent gets the next call: one small pure function per ``callinStrategy`` (C7).

| strategy | rule | ties |
|---|---|---|
| 1 longest idle | the agent idle since the earliest moment | lower agent id |
| 2 fewest handled | the agent with the fewest calls handled | longest idle, then lower id |
| 3 agent priority | the lowest ``priority`` number (1 rings first, 999 last; C16) | longest idle, then lower id |
| 4 round-robin | the first agent after the one offered last, in id order, wrapping | - |

Like the tiers of FreeSWITCH ``mod_callcenter`` and the strategies of Asterisk ``app_queue``: each function
sees only the agents that may take a call now and answers one of them (or None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

LONGEST_IDLE, FEWEST_HANDLED, PRIORITY, ROUND_ROBIN = 1, 2, 3, 4
STRATEGIES = (LONGEST_IDLE, FEWEST_HANDLED, PRIORITY, ROUND_ROBIN)


@dataclass(frozen=True)
class Candidate:
    """What a strategy may look at: an agent free to ring."""

    agent_id: int
    idle_since: float  # seconds on the engine's clock
    handled: int
    priority: int


def longest_idle(agents: Sequence[Candidate], last: int | None) -> Candidate:
    return min(agents, key=lambda a: (a.idle_since, a.agent_id))


def fewest_handled(agents: Sequence[Candidate], last: int | None) -> Candidate:
    return min(agents, key=lambda a: (a.handled, a.idle_since, a.agent_id))


def by_priority(agents: Sequence[Candidate], last: int | None) -> Candidate:
    return min(agents, key=lambda a: (a.priority, a.idle_since, a.agent_id))


def round_robin(agents: Sequence[Candidate], last: int | None) -> Candidate:
    ordered = sorted(agents, key=lambda a: a.agent_id)
    if last is None:
        return ordered[0]
    return next((a for a in ordered if a.agent_id > last), ordered[0])


PICKERS: dict[int, Callable[[Sequence[Candidate], int | None], Candidate]] = {
    LONGEST_IDLE: longest_idle,
    FEWEST_HANDLED: fewest_handled,
    PRIORITY: by_priority,
    ROUND_ROBIN: round_robin,
}


def pick(strategy: int, agents: Sequence[Candidate], last: int | None = None) -> Candidate | None:
    """The agent ``strategy`` rings next among ``agents`` (None when there is none); ``last`` is the agent
    offered last (round-robin continues after it)."""
    if not agents:
        return None
    return PICKERS.get(strategy, longest_idle)(agents, last)
