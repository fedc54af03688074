"""The outbound dialer (pure, a scripted clock): calloutRate callees per idle agent, answered callees put
through to free agents, abandoned when none is free within the limit, one final state per callee."""

from __future__ import annotations

from switchboard.domain.callcenter.actions import Action, Bridge, Dial, Finished, HangUp
from switchboard.domain.callcenter.agents import Agent, AgentPool, AgentRules, Status
from switchboard.domain.callcenter.dialer import ABANDONED, CONNECTED, FAILED, NOT_ANSWERED, Dialer, DialerRules
from switchboard.domain.callcenter.outcomes import CallType, Direction, Reason


def dialer(agents: int, rate: int, *, wait: int = 10, ring: int = 30, wrap: int = 0) -> Dialer:
    pool = AgentPool.of(AgentRules(wrap_up=wrap), [Agent(n + 1) for n in range(agents)])
    engine = Dialer(pool, DialerRules(rate=rate, ring_limit=ring, wait_limit=wait))
    engine.load((n, f"91980000{n:04d}") for n in range(20))
    return engine


def dials(actions: list[Action]) -> list[Dial]:
    return [a for a in actions if isinstance(a, Dial)]


def test_it_dials_callout_rate_callees_per_idle_agent() -> None:
    engine = dialer(agents=2, rate=3)
    first = dials(engine.step(0))
    assert len(first) == 6
    assert dials(engine.step(1)) == []  # six in progress already
    engine.failed(first[0].call_id, "busy", 2)
    assert len(dials(engine.step(2))) == 1


def test_an_automatic_call_dials_one_per_idle_agent() -> None:
    pool = AgentPool.of(AgentRules(), [Agent(1), Agent(2)])
    engine = Dialer(pool, DialerRules(rate=5, call_type=CallType.OUTBOUND))
    engine.load([(1, "1"), (2, "2"), (3, "3")])
    assert len(dials(engine.step(0))) == 2


def test_an_answered_callee_goes_to_a_free_agent_then_the_agent_wraps_up() -> None:
    engine = dialer(agents=1, rate=1, wrap=5)
    [dial] = dials(engine.step(0))
    assert engine.answered(dial.call_id, 4) == [Bridge(dial.call_id, 1)]
    assert engine.pool.agents[1].status is Status.BUSY
    assert dials(engine.step(5)) == []  # the only agent is busy: no new dial
    [done] = engine.hang_up(dial.call_id, Direction.CUSTOMER, 64)
    assert isinstance(done, Finished)
    assert (done.outcome.reason, done.outcome.talk_seconds, done.outcome.wait_seconds) == (
        Reason.HUNG_UP_AFTER_TRANSFER,
        60,
        0,
    )
    assert engine.pool.agents[1].status is Status.WRAP_UP
    assert dials(engine.step(68)) == []
    assert len(dials(engine.step(69))) == 1
    assert engine.finals == {dial.callee_id: CONNECTED}


def test_an_answered_callee_with_no_free_agent_is_abandoned_at_the_limit() -> None:
    engine = dialer(agents=1, rate=2, wait=8)
    first, second = dials(engine.step(0))
    engine.answered(first.call_id, 3)
    assert engine.answered(second.call_id, 4) == []  # the agent took the first
    assert engine.step(11) == []
    ended = engine.step(12)
    assert HangUp(second.call_id) in ended
    [finished] = [a for a in ended if isinstance(a, Finished)]
    assert (finished.outcome.reason, finished.outcome.direction) == (Reason.OUTBOUND_HUNG_UP, Direction.SYSTEM)
    assert finished.outcome.wait_seconds == 8 and finished.outcome.abandoned
    assert engine.finals[second.callee_id] == ABANDONED


def test_a_callee_who_hangs_up_while_waiting_is_abandoned_by_the_customer() -> None:
    engine = dialer(agents=1, rate=2)
    first, second = dials(engine.step(0))
    engine.answered(first.call_id, 1)
    engine.answered(second.call_id, 1)
    [finished] = engine.hang_up(second.call_id, Direction.CUSTOMER, 3)
    assert isinstance(finished, Finished)
    assert finished.outcome.reason is Reason.HUNG_UP_WHILE_TRANSFER_RINGING
    assert engine.finals[second.callee_id] == ABANDONED


def test_no_answer_and_failures_end_in_their_final_states() -> None:
    engine = dialer(agents=1, rate=3, ring=30)
    a, b, c = dials(engine.step(0))
    engine.failed(b.call_id, "busy", 2)
    engine.failed(c.call_id, "out_of_area", 2)
    ended = engine.step(30)
    assert HangUp(a.call_id) in ended
    reasons = {a.callee_id: NOT_ANSWERED, b.callee_id: FAILED, c.callee_id: FAILED}
    assert {k: engine.finals[k] for k in reasons} == reasons
    assert engine.failed(b.call_id, "busy", 40) == []  # idempotent


def test_the_dialer_is_done_when_every_callee_is_final() -> None:
    pool = AgentPool.of(AgentRules(), [Agent(1)])
    engine = Dialer(pool, DialerRules(rate=1, ring_limit=5))
    engine.load([(1, "1"), (2, "2")])
    for second in range(20):
        engine.step(second)
    assert engine.done and engine.finals == {1: NOT_ANSWERED, 2: NOT_ANSWERED}
