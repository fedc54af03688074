"""What people watch: the team leader's wall board (agents' states, today's answered and abandoned calls,
service level, longest wait, callees in progress) and an agent's workstation (state, group tags, own records,
a note and tags after a call). Read by the console; the agent's state changes go through Agents.set_state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from switchboard.domain.callcenter.agents import Status
from switchboard.domain.callcenter.rules import cc_error
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store.cc_tables import cc_callees, cc_groups, cc_records, cc_tasks

SERVICE_LEVEL_SECONDS = 20  # answered within this wait counts towards the service level
STATE_NAMES = {s: s.name.replace("_", "-").lower() for s in Status}


@dataclass
class GroupBoard:
    group: dict[str, Any]
    agents: list[dict[str, Any]]
    states: dict[str, int]
    answered: int = 0
    abandoned: int = 0
    within_level: int = 0
    longest_wait: int = 0
    in_progress: int = 0
    handled: dict[int, tuple[int, int]] = field(default_factory=dict)  # agent id -> (calls, talk seconds) today

    @property
    def service_level(self) -> int | None:
        """Percent of today's answered-or-abandoned calls put through within SERVICE_LEVEL_SECONDS."""
        offered = self.answered + self.abandoned
        return round(100 * self.within_level / offered) if offered else None


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Board:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def groups(self, account_id: int, only: list[int] | None = None) -> list[GroupBoard]:
        """The boards of the account's groups (of ``only`` those, for a team leader)."""
        since = day_start(self.s.clock.now())
        async with self.s.db.read() as conn:
            groups = store.rows(
                await conn.execute(
                    sa.select(cc_groups).where(cc_groups.c.account_id == account_id).order_by(cc_groups.c.id)
                )
            )
            groups = [g for g in groups if only is None or g["id"] in only]
            agents = await store.agents_of_groups(conn, account_id, [g["id"] for g in groups])
            today = store.rows(
                await conn.execute(
                    sa.select(cc_records).where(cc_records.c.account_id == account_id, cc_records.c.start_at >= since)
                )
            )
            calling = await self._calling(conn, account_id)
        boards = []
        for group in groups:
            mine = [a for a in agents if a["group_id"] == group["id"]]
            board = GroupBoard(group, mine, dict.fromkeys(STATE_NAMES.values(), 0))
            for agent in mine:
                board.states[STATE_NAMES[Status(agent["status"])]] += 1
            for record in (r for r in today if r["group_id"] == group["id"]):
                _count(board, record)
            board.in_progress = calling.get(group["id"], 0)
            boards.append(board)
        return boards

    @staticmethod
    async def _calling(conn: Any, account_id: int) -> dict[int, int]:
        """Callees on a call now, per group (a task counts for its first group)."""
        t, c = cc_tasks.c, cc_callees.c
        query = (
            sa.select(t.id, sa.func.count(c.id))
            .join(cc_callees, c.task_id == t.id)
            .where(t.account_id == account_id, c.state == "calling")
            .group_by(t.id)
        )
        counts = {int(task_id): int(n) for task_id, n in await conn.execute(query)}
        found: dict[int, int] = {}
        if counts:
            for task_id, group_ids in await conn.execute(sa.select(t.id, t.group_ids).where(t.id.in_(list(counts)))):
                first = group_ids[0]
                found[first] = found.get(first, 0) + counts[int(task_id)]
        return found

    async def agent(self, account_id: int, agent_id: int) -> dict[str, Any]:
        """The workstation: the agent, the group's tags and the agent's records of the last day."""
        async with self.s.db.read() as conn:
            agent = await store.agent(conn, account_id, agent_id)
            if agent is None:
                raise cc_error(-24, "no such agent")
            group = await store.group(conn, account_id, agent["group_id"])
            since = self.s.clock.now() - timedelta(days=1)
            r = cc_records.c
            query = sa.select(cc_records).where(r.account_id == account_id, r.agent_id == agent_id, r.start_at >= since)
            records = store.rows(await conn.execute(query.order_by(r.start_at.desc()).limit(50)))
        assert group is not None
        return {"agent": agent, "group": group, "records": records, "state": STATE_NAMES[Status(agent["status"])]}

    async def note(self, account_id: int, agent_id: int, call_id: str, note: str, labels: list[str]) -> None:
        """After a call: the agent's note and tags (of the group's tags) on the agent's own record."""
        async with self.s.db.write() as conn:
            agent = await store.agent(conn, account_id, agent_id)
            r = cc_records.c
            where = (r.account_id == account_id, r.agent_id == agent_id, r.call_id == call_id)
            record = await store.one(conn, sa.select(cc_records).where(*where))
            if agent is None or record is None:
                raise cc_error(-24, "no such call of this agent")
            group = await store.group(conn, account_id, agent["group_id"])
            allowed = set(group["labels"] or []) if group else set()
            if not set(labels) <= allowed:
                raise cc_error(-72, "a tag that is not one of the group's")
            await conn.execute(cc_records.update().where(*where).values(note=note[:500] or None, labels=labels))


def _count(board: GroupBoard, record: dict[str, Any]) -> None:
    if record["agent_id"] is not None and record["answer_at"] is not None:
        board.answered += 1
        board.within_level += record["wait_seconds"] <= SERVICE_LEVEL_SECONDS
        calls, talk = board.handled.get(record["agent_id"], (0, 0))
        board.handled[record["agent_id"]] = (calls + 1, talk + record["talk_seconds"])
    elif record["answer_at"] is not None or record["hangup_reason"] in (2, 8):
        board.abandoned += 1
    board.longest_wait = max(board.longest_wait, record["wait_seconds"])
