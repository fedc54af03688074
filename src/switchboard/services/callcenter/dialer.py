"""Running a task's dialer (domain/callcenter/dialer.py) against real state: the task's waiting callees and its
groups' idle agents from the database, legs placed through a :class:`Legs`, each finished call written as a
C17 record, callee and agent states kept in the database, the task CALLING then FINISHED.

The engine's clock is the injected clock (epoch seconds); a worker (or a test) calls :meth:`TaskRun.step` as
time passes.
"""

from __future__ import annotations

from typing import Any

from switchboard.domain.callcenter import tasks as task_rules
from switchboard.domain.callcenter.actions import Action, Bridge, Dial, Finished, HangUp
from switchboard.domain.callcenter.agents import Agent, AgentPool, AgentRules, Status
from switchboard.domain.callcenter.dialer import Dialer, DialerRules
from switchboard.domain.callcenter.outcomes import CallType
from switchboard.domain.callcenter.rules import cc_error
from switchboard.services.callcenter.legs import ANSWERED, FAILED, HUNG_UP, LegEvent, Legs
from switchboard.services.callcenter.records import Records
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store import cc_tasks as task_store
from switchboard.store.cc_tables import cc_agents, cc_tasks

DEFAULT_WAIT = 10  # seconds an answered callee may wait for an agent when the group sets no timeoutWaitSec
STARTABLE = (task_rules.ENABLED, task_rules.CALLING)


class TaskRun:
    def __init__(self, services: Services, legs: Legs, task_id: int) -> None:
        self.s, self.legs, self.task_id = services, legs, task_id
        self.records = Records(services)
        self.dialer: Dialer | None = None
        self.task: dict[str, Any] = {}
        self.group: dict[str, Any] = {}
        self.accounts: dict[int, tuple[str, str]] = {}  # agent id -> (sip account, name)
        self.saved: dict[int, tuple[Any, ...]] = {}  # agent id -> the state last written

    async def start(self) -> None:
        async with self.s.db.write() as conn:
            task = await task_store.task_by_id(conn, self.task_id)
            if task is None or task["status"] not in STARTABLE:
                raise cc_error(-41, "the task is not ready to call")
            group = await store.group(conn, task["account_id"], task["group_ids"][0])
            if group is None:
                raise cc_error(-24, "the task's group is gone")
            agents = await store.agents_of_groups(conn, task["account_id"], task["group_ids"])
            callees = await task_store.waiting_callees(conn, self.task_id)
            await store.update(conn, cc_tasks, self.task_id, {"status": task_rules.CALLING})
        self.task, self.group = task, group
        self.accounts = {a["id"]: (a["sip_account"], a["name"]) for a in agents}
        pool = AgentPool.of(
            agent_rules(group),
            [agent_of(a) for a in agents if a["enabled"]],
        )
        kind = CallType.GROUP_CALL if task["kind"] == task_rules.GROUP_CALL else CallType.OUTBOUND
        rules = DialerRules(
            rate=task["rate"],
            ring_limit=task["max_ringing"],
            wait_limit=group["timeout_wait"] or DEFAULT_WAIT,
            call_type=kind,
        )
        self.dialer = Dialer(pool, rules, prefix=f"cc{self.task_id}")
        self.dialer.load((c["id"], c["number"]) for c in callees)

    @property
    def done(self) -> bool:
        return self.dialer is not None and self.dialer.done

    async def step(self) -> None:
        """Take the legs' events, apply the timers due now, carry out what the dialer asks."""
        assert self.dialer is not None
        now = self.s.clock.time()
        actions: list[Action] = []
        for event in self.legs.events():
            actions += self._event(event, now)
        actions += self.dialer.step(now)
        for action in actions:
            await self._perform(action)
        await self._save_agents()
        if self.dialer.done:
            async with self.s.db.write() as conn:
                await store.update(conn, cc_tasks, self.task_id, {"status": task_rules.FINISHED})

    def _event(self, event: LegEvent, now: float) -> list[Action]:
        assert self.dialer is not None
        if event.kind == ANSWERED:
            return self.dialer.answered(event.call_id, now)
        if event.kind == FAILED:
            return self.dialer.failed(event.call_id, event.cause, now)
        if event.kind == HUNG_UP:
            return self.dialer.hang_up(event.call_id, event.by, now)
        return []

    async def _perform(self, action: Action) -> None:
        assert self.dialer is not None
        if isinstance(action, Dial):
            async with self.s.db.write() as conn:
                await task_store.set_callee(conn, action.callee_id, task_rules.CALLING_NOW, attempt=True)
            await self.legs.dial(action.call_id, action.number, self.task["display_num"], self.task["max_ringing"])
        elif isinstance(action, Bridge):
            await self.legs.bridge(action.call_id, self.accounts[action.agent_id][0])
        elif isinstance(action, HangUp):
            await self.legs.hang_up(action.call_id)
        elif isinstance(action, Finished):
            await self._finished(action)

    async def _finished(self, action: Finished) -> None:
        assert self.dialer is not None
        outcome = action.outcome
        callee_id = int(outcome.call_id.rsplit("-", 2)[1])
        agent = self.accounts.get(outcome.agent_id or 0)
        context = {
            "group_id": self.group["id"],
            "group_name": self.group["name"],
            "agent_name": agent[1] if agent else None,
            "task_id": self.task_id,
            "caller": self.task["display_num"],
            "ccode": self.task["ccode"],
        }
        await self.records.write(self.task["account_id"], outcome, context)
        async with self.s.db.write() as conn:
            await task_store.set_callee(conn, callee_id, self.dialer.finals[callee_id])

    async def _save_agents(self) -> None:
        assert self.dialer is not None
        await save_agents(self.s, self.dialer.pool, self.saved)


async def save_agents(services: Services, pool: AgentPool, saved: dict[int, tuple[Any, ...]]) -> None:
    """Write the agents whose state changed since the last write (one transaction, none when nothing did)."""
    changed = []
    for agent in pool.agents.values():
        state = (agent.status, agent.handled, agent.misses, agent.idle_since)
        if saved.get(agent.agent_id) != state:
            saved[agent.agent_id] = state
            changed.append(agent)
    if not changed:
        return
    async with services.db.write() as conn:
        for agent in changed:
            values = {
                "status": int(agent.status),
                "handled": agent.handled,
                "misses": agent.misses,
                "idle_since": _at(agent.idle_since),
            }
            await conn.execute(cc_agents.update().where(cc_agents.c.id == agent.agent_id).values(**values))


def agent_rules(group: dict[str, Any]) -> AgentRules:
    return AgentRules(strategy=group["strategy"], wrap_up=group["wrap_up"] or 0, timeout_idle=group["timeout_idle"])


def agent_of(row: dict[str, Any]) -> Agent:
    since = row["idle_since"].timestamp() if row["idle_since"] is not None else 0.0
    return Agent(
        agent_id=row["id"],
        priority=row["priority"],
        status=Status(row["status"]),
        idle_since=since,
        handled=row["handled"],
        misses=row["misses"],
    )


def _at(seconds: float) -> Any:
    from switchboard.services.callcenter.records import at

    return at(seconds) if seconds else None
