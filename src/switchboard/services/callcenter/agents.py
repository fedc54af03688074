"""Agents (C12-C16): made in batches with generated SIP accounts (10 digits, unique on the platform) and
passwords sealed with the master key (C13 answers them, like the voice phones' sipQuery); edited, enabled,
disabled, deleted, prioritised; their state (C13 ``status``) set by the call flow and by the agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter import tasks as task_rules
from switchboard.domain.callcenter.agents import Status
from switchboard.domain.callcenter.rules import (
    Page,
    cc_error,
    ccode,
    display_num,
    emp_no,
    id_list,
    maybe_text,
    password,
    text,
    whole,
    window,
)
from switchboard.services.callcenter.common import new_logins, new_password, options_for, stamp
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store import cc_tasks
from switchboard.store.cc_tables import cc_agents

DELETE, DISABLE, ENABLE = 2, 3, 4
MAX_BATCH = 100
STATS_DAYS = 32
RUNNING = (task_rules.ENABLED, task_rules.CALLING, task_rules.SUSPENDED, task_rules.SUBMITTING)


class Agents:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def add(self, principal: Principal, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """C12: ``size`` agents in the group; answers their keyId and name."""
        group_id, size = whole(params, "voiceGroupId"), whole(params, "size", 1, MAX_BATCH)
        shown, country = display_num(params), ccode(params)
        account_id, now = principal.account.id, self.s.clock.now()
        async with self.s.db.write() as conn:
            group = await store.group(conn, account_id, group_id)
            if group is None:
                raise cc_error(-24, "no such agent group in this account")
            most = (await options_for(conn, principal)).max_agents
            if await store.count_agents(conn, account_id) + size > most:
                raise cc_error(-36, f"an account holds at most {most} agents")
            taken = await store.emp_nos(conn, account_id)
            numbers = (str(n) for n in range(1, 10**12) if str(n) not in taken)
            made = []
            for login in await new_logins(conn, size):
                values = {
                    "account_id": account_id,
                    "app_id": group["app_id"],
                    "group_id": group_id,
                    "name": login,
                    "emp_no": next(numbers),
                    "sip_account": login,
                    "password_enc": self.s.secrets.seal(new_password()),
                    "display_num": shown,
                    "ccode": country,
                    "status": int(Status.OFFLINE),
                    "created_at": now,
                    "updated_at": now,
                }
                made.append({"keyId": await store.insert(conn, cc_agents, values), "name": login})
        return made

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C13: filters enable, name (fuzzy), voiceGroupId, status; statistics of the window strTime-endTime
        (at most 32 days, -35; the last 32 days when absent)."""
        p, a = page.params, cc_agents.c
        query = store.agents_query(principal.account.id)
        if p.get("enable") not in (None, ""):
            query = query.where(a.enabled.is_(whole(p, "enable", 0, 1) == 0))
        if (name := maybe_text(p, "name", 32)) is not None:
            query = query.where(a.name.contains(name, autoescape=True))
        if p.get("voiceGroupId") not in (None, ""):
            query = query.where(a.group_id == whole(p, "voiceGroupId"))
        if p.get("status") not in (None, ""):
            query = query.where(a.status == whole(p, "status", 1, 5))
        if p.get("strTime") in (None, "") and p.get("endTime") in (None, ""):
            end = self.s.clock.now()
            start = end - timedelta(days=STATS_DAYS)
        else:
            start, end = window(p, "strTime", "endTime", STATS_DAYS, -35)
        async with self.s.db.read() as conn:
            total = await store.count(conn, query)
            found = store.rows(await conn.execute(query.order_by(a.id).offset(page.offset).limit(page.size)))
            stats = await cc_tasks.agent_stats(conn, principal.account.id, [r["id"] for r in found], start, end)
        return page.answer(total, [self._record(row, stats.get(row["id"], (0, 0))) for row in found])

    def _record(self, row: dict[str, Any], stats: tuple[int, int]) -> dict[str, Any]:
        calls, talk = stats
        return {
            "keyId": row["id"],
            "empNo": row["emp_no"],
            "petName": row["pet_name"] or "",
            "name": row["name"],
            "appId": row["app_id"],
            "deleteFlag": 0,
            "enable": 0 if row["enabled"] else 1,
            "priority": row["priority"],
            "voiceGroupId": row["group_id"],
            "groupName": row["group_name"],
            "account": row["sip_account"],
            "password": self.s.secrets.open(row["password_enc"]),
            "createTime": stamp(row["created_at"]),
            "updateTime": stamp(row["updated_at"]),
            "displayNum": row["display_num"] or "",
            "ccode": row["ccode"] or "",
            "status": row["status"],
            "callCount": calls,
            "talkTime": talk,
            "avgHandleTime": round(talk / calls) if calls else 0,
        }

    async def update(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C14: -65 when the group is not the account's, -67 while the agent is on a call."""
        key, group_id = whole(params, "keyId"), whole(params, "voiceGroupId")
        name, pet, number = text(params, "name", 1, 32), maybe_text(params, "petName", 20), emp_no(params)
        secret, shown, country = password(params), display_num(params), ccode(params)
        account_id = principal.account.id
        async with self.s.db.write() as conn:
            found = await store.agent(conn, account_id, key)
            if found is None:
                raise cc_error(-24, "no such agent")
            if await store.group(conn, account_id, group_id) is None:
                raise cc_error(-65)
            if found["status"] == Status.BUSY:
                raise cc_error(-67)
            if await store.agent_clash(conn, account_id, "name", name, key) is not None:
                raise cc_error(-33)
            if await store.agent_clash(conn, account_id, "emp_no", number, key) is not None:
                raise cc_error(-34)
            values: dict[str, Any] = {
                "group_id": group_id,
                "name": name,
                "pet_name": pet,
                "emp_no": number,
                "display_num": shown,
                "ccode": country,
                "updated_at": self.s.clock.now(),
            }
            if secret is not None:
                values["password_enc"] = self.s.secrets.seal(secret)
            await store.update(conn, cc_agents, key, values)

    async def batch(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C15: type 2 delete, 3 disable, 4 enable; all or none. An agent on a call (-67) or in a group whose
        group-call task is running (-68, delete only) stays."""
        ids, kind = id_list(params, "idList"), whole(params, "type", DELETE, ENABLE)
        account_id = principal.account.id
        async with self.s.db.write() as conn:
            found = await store.agents_by_ids(conn, account_id, ids)
            if len(found) != len(ids):
                raise cc_error(-24, "idList names an agent that is not this account's")
            if kind != ENABLE and any(row["status"] == Status.BUSY for row in found):
                raise cc_error(-67)
            if kind == DELETE:
                running = await cc_tasks.running_group_tasks(conn, account_id, RUNNING)
                busy_groups = {g for task in running for g in task["group_ids"]}
                if any(row["group_id"] in busy_groups for row in found):
                    raise cc_error(-68)
            values: dict[str, Any] = {"updated_at": self.s.clock.now()}
            if kind == DELETE:
                values |= {"deleted": True, "status": int(Status.OFFLINE)}
            else:
                values["enabled"] = kind == ENABLE
                if kind == DISABLE:
                    values["status"] = int(Status.OFFLINE)
            await store.set_agents(conn, ids, values)

    async def priorities(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C16: priority 1-999 for agents of one group (-21 for an agent not in that group)."""
        group_id, entries = whole(params, "voiceGroupId"), params.get("params")
        if not isinstance(entries, list) or not entries or not all(isinstance(e, Mapping) for e in entries):
            raise cc_error(-22, "params must be a list of {keyId, priority}")
        wanted = {whole(e, "keyId"): whole(e, "priority", 1, 999) for e in entries}
        async with self.s.db.write() as conn:
            if await store.group(conn, principal.account.id, group_id) is None:
                raise cc_error(-24, "no such agent group in this account")
            members = {r["id"] for r in await store.agents_of_groups(conn, principal.account.id, [group_id])}
            if not set(wanted) <= members:
                raise cc_error(-21, "params names an agent that is not in this group")
            now = self.s.clock.now()
            for key, priority in wanted.items():
                await store.update(conn, cc_agents, key, {"priority": priority, "updated_at": now})

    async def set_state(self, account_id: int, agent_id: int, status: Status) -> None:
        """The agent (workstation, phone registration) changes state; a busy agent stays busy until the call
        ends. Going idle starts the agent's idle time (strategy 1)."""
        async with self.s.db.write() as conn:
            found = await store.agent(conn, account_id, agent_id)
            if found is None or not found["enabled"]:
                raise cc_error(-24, "no such agent")
            if found["status"] == Status.BUSY and status is not Status.BUSY:
                raise cc_error(-67)
            now = self.s.clock.now()
            values: dict[str, Any] = {"status": int(status), "updated_at": now}
            if status is Status.IDLE:
                values |= {"idle_since": now, "misses": 0}
            await store.update(conn, cc_agents, agent_id, values)
