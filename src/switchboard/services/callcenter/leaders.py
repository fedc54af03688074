"""Team leaders (C8-C11): console users who watch some agent groups; generated login and sealed password.

Names are unique in the account (-33), job numbers too (-34); the groups named must be the account's (-37:
another customer's group is refused exactly like one that does not exist).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter.rules import Page, cc_error, emp_no, id_list, maybe_text, password, text, whole
from switchboard.services.callcenter.common import new_logins, new_password, stamp
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store.cc_tables import cc_leaders

NAME = (4, 32)
DELETE, DISABLE, ENABLE = 2, 3, 4


class Leaders:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _groups(self, conn: Any, principal: Principal, ids: list[int]) -> list[int]:
        found = await store.groups_of(conn, principal.account.id, ids)
        if len(found) != len(ids):
            raise cc_error(-37, "voiceGroupIdList names a group that is not this account's")
        return ids

    async def add(self, principal: Principal, params: Mapping[str, Any]) -> int:
        """C8: answers the new team leader's keyId."""
        name, pet = text(params, "name", *NAME), maybe_text(params, "petName", 20)
        wanted = id_list(params, "voiceGroupIdList", required=False)
        account_id, now = principal.account.id, self.s.clock.now()
        async with self.s.db.write() as conn:
            groups = await self._groups(conn, principal, wanted)
            if await store.leader_named(conn, account_id, name) is not None:
                raise cc_error(-33)
            taken = {row["emp_no"] for row in await store.leaders(conn, account_id)}
            number = next(str(n) for n in range(1, len(taken) + 2) if str(n) not in taken)
            values = {
                "account_id": account_id,
                "name": name,
                "pet_name": pet,
                "emp_no": number,
                "login": (await new_logins(conn, 1))[0],
                "password_enc": self.s.secrets.seal(new_password()),
                "group_ids": groups,
                "created_at": now,
                "updated_at": now,
            }
            return await store.insert(conn, cc_leaders, values)

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C9: filters ``enable`` (0 enabled, 1 disabled), ``name`` (fuzzy), ``voiceGroupIdList`` (any of)."""
        p = page.params
        enable = None if p.get("enable") in (None, "") else whole(p, "enable", 0, 1)
        name = maybe_text(p, "name", 32)
        wanted = set(id_list(p, "voiceGroupIdList", required=False))
        async with self.s.db.read() as conn:
            found = await store.leaders(conn, principal.account.id)
            names = {
                g["id"]: g["name"] for g in (await store.page_groups(conn, principal.account.id, None, 0, 10_000))[1]
            }
        found = [
            row
            for row in found
            if (enable is None or row["enabled"] == (enable == 0))
            and (name is None or name in row["name"])
            and (not wanted or wanted & set(row["group_ids"]))
        ]
        chosen = found[page.offset : page.offset + page.size]
        return page.answer(len(found), [self._record(principal, row, names) for row in chosen])

    def _record(self, principal: Principal, row: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
        groups = [g for g in row["group_ids"] if g in names]
        return {
            "keyId": row["id"],
            "empNo": row["emp_no"],
            "petName": row["pet_name"] or "",
            "name": row["name"],
            "enable": 0 if row["enabled"] else 1,
            "voiceGroupIdList": groups,
            "voiceGroupNameList": [names[g] for g in groups],
            "account": row["login"],
            "password": self.s.secrets.open(row["password_enc"]),
            "createTime": stamp(row["created_at"]),
            "updateTime": stamp(row["updated_at"]),
            "customerId": principal.account.id,
            "customerName": principal.account.name,
        }

    async def update(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C10."""
        key, number, secret = whole(params, "keyId"), emp_no(params), password(params)
        name, pet = text(params, "name", *NAME), maybe_text(params, "petName", 20)
        wanted = id_list(params, "voiceGroupIdList", required=False)
        account_id = principal.account.id
        async with self.s.db.write() as conn:
            found = await store.leader(conn, account_id, key)
            if found is None:
                raise cc_error(-24, "no such team leader")
            groups = await self._groups(conn, principal, wanted)
            other = await store.leader_named(conn, account_id, name)
            if other is not None and other["id"] != key:
                raise cc_error(-33)
            other = await store.leader_with_emp_no(conn, account_id, number)
            if other is not None and other["id"] != key:
                raise cc_error(-34)
            values: dict[str, Any] = {"name": name, "pet_name": pet, "emp_no": number, "group_ids": groups}
            if secret is not None:
                values["password_enc"] = self.s.secrets.seal(secret)
            await store.update(conn, cc_leaders, key, {**values, "updated_at": self.s.clock.now()})

    async def set_status(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C11: type 2 delete, 3 disable, 4 enable; all ids or none (-24 when one is not the account's)."""
        ids, kind = id_list(params, "idList"), whole(params, "type", DELETE, ENABLE)
        async with self.s.db.write() as conn:
            for key in ids:
                if await store.leader(conn, principal.account.id, key) is None:
                    raise cc_error(-24, f"no team leader {key}")
            if kind == DELETE:
                await conn.execute(cc_leaders.delete().where(cc_leaders.c.id.in_(ids)))
                return
            values = {"enabled": kind == ENABLE, "updated_at": self.s.clock.now()}
            await conn.execute(cc_leaders.update().where(cc_leaders.c.id.in_(ids)).values(**values))
