"""The inbound queue of one agent group: callers wait in arrival order, agents are rung by the strategy.

Rules (C7 settings, times in seconds on the engine's clock):

- a new caller, or one whose agent let it ring out, is offered to the strategy's next free agent it has not
  tried yet (when every free agent was tried, a new round starts); the caller hears the transfer ring tone;
- ``timeoutTransferSec``: an agent who does not answer within it stops ringing and counts a miss
  (``timeoutIdle`` misses in a row put the agent on break, see agents.py); the call moves on;
- ``callinAutoAnswerSec``: the agent's phone answers by itself after that long;
- ``timeoutWaitSec``: a caller not put through within it is hung up (reason 8, direction system);
- a caller who hangs up while an agent rings ends with reason 2, while nobody rings with reason 8; after
  talking to an agent with reason 9 (direction customer or agent); the agent then wraps up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard.domain.callcenter.actions import Action, Bridge, Finished, HangUp, Ring, StopRinging
from switchboard.domain.callcenter.agents import AgentPool
from switchboard.domain.callcenter.outcomes import CallType, Direction, Outcome, Reason


@dataclass(frozen=True)
class QueueRules:
    timeout_transfer: int | None = None
    auto_answer: int | None = None
    timeout_wait: int | None = None


@dataclass
class Caller:
    call_id: str
    number: str
    arrived: float
    agent_id: int | None = None  # ringing or, once connected, talking
    ring_started: float | None = None
    connected: float | None = None
    tried: set[int] = field(default_factory=set)


@dataclass
class InboundQueue:
    pool: AgentPool
    rules: QueueRules
    waiting: dict[str, Caller] = field(default_factory=dict)  # insertion order = arrival order
    talking: dict[str, Caller] = field(default_factory=dict)

    def arrive(self, call_id: str, number: str, now: float) -> list[Action]:
        self.waiting[call_id] = Caller(call_id, number, now)
        return self._dispatch(now)

    def answer(self, call_id: str, agent_id: int, now: float) -> list[Action]:
        """The rung agent picked up: the caller is put through. A late answer (the ring had moved on) is ignored."""
        caller = self.waiting.get(call_id)
        if caller is None or caller.agent_id != agent_id or caller.connected is not None:
            return []
        self.pool.answered(self.pool.agents[agent_id])
        caller.connected = now
        self.talking[call_id] = self.waiting.pop(call_id)
        return [Bridge(call_id, agent_id)]

    def hang_up(self, call_id: str, by: Direction, now: float) -> list[Action]:
        """A party ended the call (idempotent: an unknown or finished call changes nothing)."""
        if call_id in self.talking:
            caller = self.talking.pop(call_id)
            assert caller.agent_id is not None and caller.connected is not None
            self.pool.ended(self.pool.agents[caller.agent_id], now, now - caller.connected)
            return [self._finish(caller, Reason.INBOUND_HUNG_UP, by, now), *self._dispatch(now)]
        if call_id not in self.waiting:
            return []
        caller = self.waiting.pop(call_id)
        actions: list[Action] = []
        reason = Reason.INBOUND_NOT_ANSWERED
        if caller.agent_id is not None:
            self.pool.cancel_ring(self.pool.agents[caller.agent_id])
            actions.append(StopRinging(call_id, caller.agent_id))
            reason = Reason.HUNG_UP_WHILE_TRANSFER_RINGING
        actions.append(self._finish(caller, reason, Direction.CUSTOMER, now))
        return [*actions, *self._dispatch(now)]

    def tick(self, now: float) -> list[Action]:
        """Apply every timer due at ``now``: wrap-ups, auto-answers, ring timeouts, wait timeouts."""
        self.pool.tick(now)
        actions: list[Action] = []
        for caller in list(self.waiting.values()):
            actions += self._timers(caller, now)
        return actions + self._dispatch(now)

    def _timers(self, caller: Caller, now: float) -> list[Action]:
        rules, actions = self.rules, list[Action]()
        if caller.agent_id is not None and caller.ring_started is not None:
            rung = now - caller.ring_started
            if rules.auto_answer is not None and rung >= rules.auto_answer:
                return self.answer(caller.call_id, caller.agent_id, now)
            if rules.timeout_transfer and rung >= rules.timeout_transfer:
                self.pool.missed(self.pool.agents[caller.agent_id])
                actions.append(StopRinging(caller.call_id, caller.agent_id))
                caller.agent_id = caller.ring_started = None
        if rules.timeout_wait and now - caller.arrived >= rules.timeout_wait:
            self.waiting.pop(caller.call_id)
            if caller.agent_id is not None:
                self.pool.cancel_ring(self.pool.agents[caller.agent_id])
                actions.append(StopRinging(caller.call_id, caller.agent_id))
            finished = self._finish(caller, Reason.INBOUND_NOT_ANSWERED, Direction.SYSTEM, now)
            actions += [HangUp(caller.call_id), finished]
        return actions

    def _dispatch(self, now: float) -> list[Action]:
        actions: list[Action] = []
        for caller in list(self.waiting.values()):
            if caller.agent_id is not None:
                continue
            agent = self.pool.choose(exclude=caller.tried)
            if agent is None and self.pool.free():
                caller.tried.clear()  # everyone free was tried: another round
                agent = self.pool.choose()
            if agent is None:
                break
            self.pool.offer(agent, caller.call_id)
            caller.agent_id, caller.ring_started = agent.agent_id, now
            caller.tried.add(agent.agent_id)
            actions.append(Ring(caller.call_id, agent.agent_id))
            if self.rules.auto_answer == 0:
                actions += self.answer(caller.call_id, agent.agent_id, now)
        return actions

    @staticmethod
    def _finish(caller: Caller, reason: Reason, by: Direction, now: float) -> Finished:
        agent = caller.agent_id if caller.connected is not None else None
        return Finished(
            Outcome(
                call_id=caller.call_id,
                call_type=CallType.INBOUND,
                number=caller.number,
                reason=reason,
                direction=by,
                started=caller.arrived,
                agent_id=agent,
                answered=caller.arrived,
                connected=caller.connected,
                ended=now,
            )
        )
