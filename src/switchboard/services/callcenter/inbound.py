"""Running one agent group's inbound queue (domain/callcenter/queue.py) against real state: the group's settings
and agents from the database, agents' phones rung through :class:`AgentPhones`, each finished call written as a
C17 record (call type 2), agents' states kept in the database (C13 shows them).

The engine's clock is the injected clock; a worker (or a test) calls :meth:`QueueRun.step` as time passes.
Inbound trunk calls reach it once the SIP B2BUA delivers them (docs/callcenter.md).
"""

from __future__ import annotations

from typing import Any

from switchboard.domain.callcenter.actions import Action, Bridge, Finished, HangUp, Ring, StopRinging
from switchboard.domain.callcenter.agents import AgentPool
from switchboard.domain.callcenter.queue import InboundQueue, QueueRules
from switchboard.domain.callcenter.rules import cc_error
from switchboard.services.callcenter.dialer import agent_of, agent_rules, save_agents
from switchboard.services.callcenter.legs import AGENT_ANSWERED, ARRIVED, HUNG_UP, AgentPhones, QueueEvent
from switchboard.services.callcenter.records import Records
from switchboard.services.context import Services
from switchboard.store import callcenter as store


class QueueRun:
    def __init__(self, services: Services, phones: AgentPhones, account_id: int, group_id: int) -> None:
        self.s, self.phones = services, phones
        self.account_id, self.group_id = account_id, group_id
        self.records = Records(services)
        self.queue: InboundQueue | None = None
        self.group: dict[str, Any] = {}
        self.accounts: dict[int, tuple[str, str]] = {}
        self.called: dict[str, str] = {}
        self.saved: dict[int, tuple[Any, ...]] = {}

    async def start(self) -> None:
        async with self.s.db.read() as conn:
            group = await store.group(conn, self.account_id, self.group_id)
            if group is None:
                raise cc_error(-24, "no such agent group")
            agents = [a for a in await store.agents_of_groups(conn, self.account_id, [self.group_id]) if a["enabled"]]
        self.group = group
        self.accounts = {a["id"]: (a["sip_account"], a["name"]) for a in agents}
        rules = agent_rules(group)
        queue_rules = QueueRules(
            timeout_transfer=group["timeout_transfer"],
            auto_answer=group["auto_answer"],
            timeout_wait=group["timeout_wait"],
        )
        self.queue = InboundQueue(AgentPool.of(rules, [agent_of(a) for a in agents]), queue_rules)

    async def step(self) -> None:
        assert self.queue is not None
        now = self.s.clock.time()
        actions: list[Action] = []
        for event in self.phones.events():
            actions += self._event(event, now)
        actions += self.queue.tick(now)
        for action in actions:
            await self._perform(action)
        await save_agents(self.s, self.queue.pool, self.saved)

    def _event(self, event: QueueEvent, now: float) -> list[Action]:
        assert self.queue is not None
        if event.kind == ARRIVED:
            self.called[event.call_id] = event.called
            return self.queue.arrive(event.call_id, event.number, now)
        if event.kind == AGENT_ANSWERED:
            return self.queue.answer(event.call_id, event.agent_id, now)
        if event.kind == HUNG_UP:
            return self.queue.hang_up(event.call_id, event.by, now)
        return []

    async def _perform(self, action: Action) -> None:
        if isinstance(action, Ring):
            await self.phones.ring(action.call_id, self.accounts[action.agent_id][0])
        elif isinstance(action, StopRinging):
            await self.phones.stop_ringing(action.call_id, self.accounts[action.agent_id][0])
        elif isinstance(action, Bridge):
            await self.phones.bridge(action.call_id, self.accounts[action.agent_id][0])
        elif isinstance(action, HangUp):
            await self.phones.hang_up(action.call_id)
        elif isinstance(action, Finished):
            outcome = action.outcome
            agent = self.accounts.get(outcome.agent_id or 0)
            context = {
                "group_id": self.group["id"],
                "group_name": self.group["name"],
                "agent_name": agent[1] if agent else None,
                "called": self.called.pop(outcome.call_id, None),
            }
            await self.records.write(self.account_id, outcome, context)
