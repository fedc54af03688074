"""The agent-selection strategies (pure): each picks the agent it should, alone and over a scripted sequence of
inbound calls through the queue engine."""

from __future__ import annotations

import pytest

from switchboard.domain.callcenter.actions import Ring
from switchboard.domain.callcenter.agents import Agent, AgentPool, AgentRules
from switchboard.domain.callcenter.outcomes import Direction
from switchboard.domain.callcenter.queue import InboundQueue, QueueRules
from switchboard.domain.callcenter.strategies import (
    FEWEST_HANDLED,
    LONGEST_IDLE,
    PRIORITY,
    ROUND_ROBIN,
    Candidate,
    pick,
)

AGENTS = [
    Candidate(agent_id=1, idle_since=30.0, handled=4, priority=5),
    Candidate(agent_id=2, idle_since=10.0, handled=9, priority=2),
    Candidate(agent_id=3, idle_since=20.0, handled=1, priority=2),
]


@pytest.mark.parametrize(
    ("strategy", "last", "expected"),
    [
        pytest.param(LONGEST_IDLE, None, 2, id="longest-idle"),
        pytest.param(FEWEST_HANDLED, None, 3, id="fewest-handled"),
        pytest.param(PRIORITY, None, 2, id="priority-tie-broken-by-longest-idle"),
        pytest.param(ROUND_ROBIN, None, 1, id="round-robin-starts-at-the-lowest-id"),
        pytest.param(ROUND_ROBIN, 1, 2, id="round-robin-continues-after-the-last"),
        pytest.param(ROUND_ROBIN, 3, 1, id="round-robin-wraps"),
    ],
)
def test_each_strategy_picks_its_agent(strategy: int, last: int | None, expected: int) -> None:
    chosen = pick(strategy, AGENTS, last)
    assert chosen is not None and chosen.agent_id == expected


def test_no_free_agent_picks_nobody() -> None:
    assert pick(LONGEST_IDLE, []) is None


def rung_in_order(strategy: int, agents: list[Agent], calls: int) -> list[int]:
    """Calls arrive 100 s apart; the rung agent answers at once and talks 10 s. Answers who took each call."""
    queue = InboundQueue(AgentPool.of(AgentRules(strategy=strategy), agents), QueueRules())
    taken: list[int] = []
    for n in range(calls):
        now = 100.0 * (n + 1)
        queue.tick(now)
        rings = [a for a in queue.arrive(f"c{n}", f"4420000000{n}", now) if isinstance(a, Ring)]
        assert len(rings) == 1
        taken.append(rings[0].agent_id)
        queue.answer(f"c{n}", rings[0].agent_id, now)
        queue.hang_up(f"c{n}", Direction.CUSTOMER, now + 10)
    return taken


def test_longest_idle_over_a_sequence() -> None:
    agents = [Agent(1, idle_since=5), Agent(2, idle_since=1), Agent(3, idle_since=3)]
    assert rung_in_order(LONGEST_IDLE, agents, 5) == [2, 3, 1, 2, 3]


def test_fewest_handled_over_a_sequence() -> None:
    # handled 2/0/1; ties go to the longest idle (an agent's idle time starts when its call ends)
    agents = [Agent(1, handled=2), Agent(2, handled=0), Agent(3, handled=1)]
    assert rung_in_order(FEWEST_HANDLED, agents, 5) == [2, 3, 2, 1, 3]


def test_priority_over_a_sequence() -> None:
    agents = [Agent(1, priority=3), Agent(2, priority=1), Agent(3, priority=2)]
    assert rung_in_order(PRIORITY, agents, 3) == [2, 2, 2]


def test_priority_moves_on_when_the_first_is_busy() -> None:
    pool = AgentPool.of(
        AgentRules(strategy=PRIORITY), [Agent(1, priority=3), Agent(2, priority=1), Agent(3, priority=2)]
    )
    queue = InboundQueue(pool, QueueRules())
    first = [a.agent_id for a in queue.arrive("a", "1", 0) if isinstance(a, Ring)]
    queue.answer("a", 2, 0)
    second = [a.agent_id for a in queue.arrive("b", "2", 1) if isinstance(a, Ring)]
    queue.answer("b", 3, 1)
    third = [a.agent_id for a in queue.arrive("c", "3", 2) if isinstance(a, Ring)]
    assert (first, second, third) == ([2], [3], [1])


def test_round_robin_over_a_sequence() -> None:
    agents = [Agent(3), Agent(1), Agent(2)]
    assert rung_in_order(ROUND_ROBIN, agents, 5) == [1, 2, 3, 1, 2]
