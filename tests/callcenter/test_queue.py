"""The inbound queue and the agent state machine (pure, a scripted clock): ring no-answer moves on after
timeoutTransferSec, timeoutIdle misses put an agent on break, wrap-up holds an agent, the queue wait timeout
ends a call with reason 8, auto-answer, and the hang-up reasons and directions of C17."""

from __future__ import annotations

from switchboard.domain.callcenter.actions import Action, Bridge, Finished, HangUp, Ring, StopRinging
from switchboard.domain.callcenter.agents import Agent, AgentPool, AgentRules, Status
from switchboard.domain.callcenter.outcomes import CallType, Direction, Outcome, Reason
from switchboard.domain.callcenter.queue import InboundQueue, QueueRules
from switchboard.domain.callcenter.strategies import LONGEST_IDLE


def make(rules: QueueRules, *agents: Agent, wrap_up: int = 0, timeout_idle: int | None = None) -> InboundQueue:
    pool = AgentPool.of(AgentRules(strategy=LONGEST_IDLE, wrap_up=wrap_up, timeout_idle=timeout_idle), agents)
    return InboundQueue(pool, rules)


def rings(actions: list[Action]) -> list[int]:
    return [a.agent_id for a in actions if isinstance(a, Ring)]


def outcome(actions: list[Action]) -> Outcome:
    [finished] = [a for a in actions if isinstance(a, Finished)]
    return finished.outcome


def test_an_agent_who_does_not_answer_is_skipped_after_timeout_transfer() -> None:
    queue = make(QueueRules(timeout_transfer=10), Agent(1, idle_since=0), Agent(2, idle_since=5))
    assert rings(queue.arrive("c", "4420", 100)) == [1]
    assert queue.tick(109) == []
    moved = queue.tick(110)
    assert StopRinging("c", 1) in moved and rings(moved) == [2]
    assert queue.pool.agents[1].misses == 1 and queue.pool.agents[1].status is Status.IDLE
    assert queue.answer("c", 1, 111) == []  # a late answer of the skipped agent is ignored
    assert queue.answer("c", 2, 112) == [Bridge("c", 2)]


def test_timeout_idle_misses_in_a_row_put_an_agent_on_break() -> None:
    queue = make(QueueRules(timeout_transfer=10), Agent(1, idle_since=0), Agent(2, idle_since=50), timeout_idle=2)
    queue.arrive("a", "1", 100)  # agent 1 rings and misses, then agent 2 takes it
    queue.tick(110)
    queue.answer("a", 2, 111)
    queue.arrive("b", "2", 120)  # agent 1 again: second miss in a row
    assert queue.pool.agents[1].ringing == "b"
    moved = queue.tick(130)
    assert queue.pool.agents[1].status is Status.BREAK
    assert rings(moved) == []  # nobody else is free: the caller waits
    queue.hang_up("a", Direction.AGENT, 140)  # agent 2 free again: the waiting caller rings agent 2
    assert queue.pool.agents[2].ringing == "b"
    queue.pool.set_status(1, Status.IDLE, 150)  # back from break: misses start again
    assert (queue.pool.agents[1].status, queue.pool.agents[1].misses) == (Status.IDLE, 0)


def test_answering_resets_the_misses() -> None:
    queue = make(QueueRules(timeout_transfer=10), Agent(1), timeout_idle=2)
    queue.arrive("a", "1", 0)
    queue.tick(10)  # miss; rung again (the only agent)
    assert queue.pool.agents[1].misses == 1 and queue.pool.agents[1].ringing == "a"
    queue.answer("a", 1, 12)
    assert queue.pool.agents[1].misses == 0


def test_wrap_up_holds_an_agent() -> None:
    queue = make(QueueRules(), Agent(1, idle_since=0), Agent(2, idle_since=10), wrap_up=30)
    queue.arrive("a", "1", 100)
    queue.answer("a", 1, 101)
    queue.hang_up("a", Direction.CUSTOMER, 160)
    assert queue.pool.agents[1].status is Status.WRAP_UP
    assert rings(queue.arrive("b", "2", 170)) == [2]  # agent 1 is wrapping up
    queue.answer("b", 2, 171)
    assert rings(queue.arrive("c", "3", 180)) == []  # nobody free: waits
    assert rings(queue.tick(189)) == []
    assert rings(queue.tick(190)) == [1]  # wrap-up over at 160 + 30
    assert queue.pool.agents[1].idle_since == 190


def test_queue_wait_timeout_ends_the_call_with_inbound_not_answered() -> None:
    queue = make(QueueRules(timeout_wait=30), Agent(1, status=Status.BREAK))
    queue.arrive("c", "4420", 100)
    assert queue.tick(129) == []
    ended = queue.tick(130)
    assert HangUp("c") in ended
    result = outcome(ended)
    assert (result.reason, result.direction, result.call_type) == (
        Reason.INBOUND_NOT_ANSWERED,
        Direction.SYSTEM,
        CallType.INBOUND,
    )
    assert result.wait_seconds == 30 and result.agent_id is None and result.abandoned


def test_wait_timeout_while_an_agent_rings_stops_the_ring() -> None:
    queue = make(QueueRules(timeout_wait=20), Agent(1))
    queue.arrive("c", "1", 0)
    ended = queue.tick(20)
    assert StopRinging("c", 1) in ended and queue.pool.agents[1].ringing is None
    assert outcome(ended).reason is Reason.INBOUND_NOT_ANSWERED


def test_auto_answer_puts_the_call_through() -> None:
    queue = make(QueueRules(auto_answer=3), Agent(1))
    queue.arrive("c", "1", 0)
    assert queue.tick(2) == []
    assert queue.tick(3) == [Bridge("c", 1)]
    assert queue.pool.agents[1].status is Status.BUSY


def test_hang_up_reasons_and_directions() -> None:
    queue = make(QueueRules(), Agent(1), Agent(2, status=Status.OFFLINE))
    queue.arrive("ringing", "1", 0)
    gave_up = outcome(queue.hang_up("ringing", Direction.CUSTOMER, 5))
    assert (gave_up.reason, gave_up.direction) == (Reason.HUNG_UP_WHILE_TRANSFER_RINGING, Direction.CUSTOMER)
    queue.arrive("talked", "2", 10)
    queue.answer("talked", 1, 12)
    done = outcome(queue.hang_up("talked", Direction.AGENT, 72))
    assert (done.reason, done.direction, done.agent_id, done.talk_seconds, done.wait_seconds) == (
        Reason.INBOUND_HUNG_UP,
        Direction.AGENT,
        1,
        60,
        2,
    )
    assert queue.hang_up("talked", Direction.AGENT, 80) == []  # idempotent
    queue.pool.set_status(1, Status.BREAK, 80)
    queue.arrive("nobody", "3", 90)
    alone = outcome(queue.hang_up("nobody", Direction.CUSTOMER, 95))
    assert alone.reason is Reason.INBOUND_NOT_ANSWERED and alone.direction is Direction.CUSTOMER


def test_callers_are_served_in_arrival_order() -> None:
    queue = make(QueueRules(), Agent(1, status=Status.BREAK))
    for n, call in enumerate(("first", "second", "third")):
        queue.arrive(call, str(n), n)
    queue.pool.set_status(1, Status.IDLE, 10)
    assert [a.call_id for a in queue.tick(10) if isinstance(a, Ring)] == ["first"]


def test_a_busy_agent_keeps_busy_when_asked_to_break() -> None:
    queue = make(QueueRules(), Agent(1))
    queue.arrive("c", "1", 0)
    queue.answer("c", 1, 1)
    queue.pool.set_status(1, Status.BREAK, 2)
    assert queue.pool.agents[1].status is Status.BUSY
