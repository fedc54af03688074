"""The outbound dialer of a task (C22): group call to agents (type 1, predictive) and automatic call (type 0).

Each step, on the engine's clock:

1. wrap-ups that are over free their agents (agents.py);
2. a callee ringing ``ring_limit`` seconds without answering is hung up (reason 0);
3. an answered callee waiting for an agent longer than ``wait_limit`` is hung up by the platform and counted as
   abandoned (reason 1, direction system): no answered callee waits longer than the limit;
4. answered callees are put through to free agents in the order they answered (the strategy picks the agent);
5. new callees are dialled until ``rate`` callees are in progress per free agent (calloutRate, VICIdial's
   "dial level"); type 0 dials one per free agent.

A callee ends in exactly one final state: ``not_answered`` (reason 0), ``failed`` (4-7), ``abandoned``
(answered, hung up before an agent took it: 1 by the platform, 2 by the callee) or ``connected``
(talked to an agent; reason 3 when the call ended).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from switchboard.domain.callcenter.actions import Action, Bridge, Dial, Finished, HangUp
from switchboard.domain.callcenter.agents import AgentPool
from switchboard.domain.callcenter.outcomes import FAILURE_REASONS, CallType, Direction, Outcome, Reason

NOT_ANSWERED, FAILED, ABANDONED, CONNECTED = "not_answered", "failed", "abandoned", "connected"
FINAL_STATES = (NOT_ANSWERED, FAILED, ABANDONED, CONNECTED)


@dataclass(frozen=True)
class DialerRules:
    rate: int = 1
    ring_limit: int = 60
    wait_limit: int = 10
    call_type: CallType = CallType.GROUP_CALL


@dataclass
class Leg:
    call_id: str
    callee_id: int
    number: str
    dialed: float
    answered: float | None = None
    agent_id: int | None = None
    connected: float | None = None


@dataclass
class Dialer:
    pool: AgentPool
    rules: DialerRules
    pending: deque[tuple[int, str]] = field(default_factory=deque)
    legs: dict[str, Leg] = field(default_factory=dict)
    finals: dict[int, str] = field(default_factory=dict)  # callee id -> final state
    prefix: str = "cc"
    dialed: int = 0

    def load(self, callees: Iterable[tuple[int, str]]) -> None:
        self.pending.extend(callees)

    @property
    def done(self) -> bool:
        return not self.pending and not self.legs

    def step(self, now: float) -> list[Action]:
        self.pool.tick(now)
        actions: list[Action] = []
        for leg in list(self.legs.values()):
            if leg.answered is None and now - leg.dialed >= self.rules.ring_limit:
                actions += [HangUp(leg.call_id), self._end(leg, Reason.OUTBOUND_NOT_ANSWERED, Direction.SYSTEM, now)]
            elif leg.answered is not None and leg.connected is None and now - leg.answered >= self.rules.wait_limit:
                actions += [HangUp(leg.call_id), self._end(leg, Reason.OUTBOUND_HUNG_UP, Direction.SYSTEM, now)]
        actions += self._connect(now)
        return actions + self._dial(now)

    def answered(self, call_id: str, now: float) -> list[Action]:
        leg = self.legs.get(call_id)
        if leg is None or leg.answered is not None:
            return []
        leg.answered = now
        return self._connect(now)

    def failed(self, call_id: str, cause: str, now: float) -> list[Action]:
        """The callee's leg ended before answering (``cause``: no_answer, busy, no_service, out_of_area, failed)."""
        leg = self.legs.get(call_id)
        if leg is None or leg.answered is not None:
            return []
        return [self._end(leg, FAILURE_REASONS.get(cause, Reason.CALL_FAILED), Direction.SYSTEM, now)]

    def hang_up(self, call_id: str, by: Direction, now: float) -> list[Action]:
        """A party hung up an answered call (idempotent)."""
        leg = self.legs.get(call_id)
        if leg is None or leg.answered is None:
            return []
        if leg.connected is None:
            return [self._end(leg, Reason.HUNG_UP_WHILE_TRANSFER_RINGING, by, now)]
        return [self._end(leg, Reason.HUNG_UP_AFTER_TRANSFER, by, now), *self._connect(now)]

    def _connect(self, now: float) -> list[Action]:
        actions: list[Action] = []
        waiting = sorted(
            (leg for leg in self.legs.values() if leg.answered is not None and leg.connected is None),
            key=lambda leg: (leg.answered, leg.call_id),
        )
        for leg in waiting:
            agent = self.pool.choose()
            if agent is None:
                break
            self.pool.offer(agent, leg.call_id)
            self.pool.connect(agent)
            leg.agent_id, leg.connected = agent.agent_id, now
            actions.append(Bridge(leg.call_id, agent.agent_id))
        return actions

    def _dial(self, now: float) -> list[Action]:
        rate = self.rules.rate if self.rules.call_type is CallType.GROUP_CALL else 1
        in_progress = sum(1 for leg in self.legs.values() if leg.connected is None)
        room = rate * len(self.pool.free()) - in_progress
        actions: list[Action] = []
        while room > 0 and self.pending:
            callee_id, number = self.pending.popleft()
            self.dialed += 1
            leg = Leg(f"{self.prefix}-{callee_id}-{self.dialed}", callee_id, number, now)
            self.legs[leg.call_id] = leg
            actions.append(Dial(leg.call_id, callee_id, number))
            room -= 1
        return actions

    def _end(self, leg: Leg, reason: Reason, by: Direction, now: float) -> Finished:
        self.legs.pop(leg.call_id, None)
        if leg.connected is not None:
            assert leg.agent_id is not None
            self.pool.ended(self.pool.agents[leg.agent_id], now, now - leg.connected)
            final = CONNECTED
        elif leg.answered is not None:
            final = ABANDONED
        else:
            final = NOT_ANSWERED if reason is Reason.OUTBOUND_NOT_ANSWERED else FAILED
        self.finals[leg.callee_id] = final
        return Finished(
            Outcome(
                call_id=leg.call_id,
                call_type=self.rules.call_type,
                number=leg.number,
                reason=reason,
                direction=by,
                started=leg.dialed,
                agent_id=leg.agent_id,
                answered=leg.answered,
                connected=leg.connected,
                ended=now,
            )
        )
