"""SIP trunks of the call center (C18-C20): outbound to the customer's gateway (optionally registering to it
with ``sipAccount``/``sipPassword``, the password sealed), inbound from white-listed IPs to numbers bound to
agent groups.

A group is bound to at most one trunk of each type (-52); a number to at most one inbound trunk on the whole
platform (-59: inbound calls are routed by it); names (-47), gateway IPs (-53) and white-list IPs (-60) are
unique in the account; the groups must be the account's (-74).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter.rules import Page, cc_error, maybe_text, whole
from switchboard.domain.callcenter.trunks import INBOUND, OUTBOUND, Trunk, parse_trunk
from switchboard.services.callcenter.common import stamp
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store.cc_tables import cc_trunks


class Trunks:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def add(self, principal: Principal, params: Mapping[str, Any]) -> int:
        """C18: answers the trunk's keyId."""
        trunk = parse_trunk(params)
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            await self._check(conn, principal, trunk, 0)
            values = {**self._values(trunk), "account_id": principal.account.id, "kind": trunk.kind, "created_at": now}
            key = await store.insert(conn, cc_trunks, values)
            await store.bind(conn, key, trunk.kind, [(b.group_id, b.number) for b in trunk.bindings])
            return key

    async def update(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C20: the whole trunk again (its type stays)."""
        if params.get("keyId") in (None, ""):
            raise cc_error(-56)
        key = whole(params, "keyId")
        async with self.s.db.write() as conn:
            found = await store.trunk(conn, principal.account.id, key)
            if found is None:
                raise cc_error(-24, "no such SIP trunk in this account")
            if (
                params.get("type") not in (None, "")
                and whole(params, "type", OUTBOUND, INBOUND, code=-44) != found["kind"]
            ):
                raise cc_error(-44, "a trunk keeps its type")
            trunk = parse_trunk(params, kind=found["kind"])
            await self._check(conn, principal, trunk, key)
            await store.update(conn, cc_trunks, key, self._values(trunk))
            await store.bind(conn, key, trunk.kind, [(b.group_id, b.number) for b in trunk.bindings])

    def _values(self, trunk: Trunk) -> dict[str, Any]:
        secret = self.s.secrets.seal(trunk.sip_password) if trunk.sip_password else None
        return {
            "name": trunk.name,
            "prefix": trunk.prefix,
            "gateway_ip": trunk.gateway_ip,
            "white_ip": trunk.white_ip,
            "register": trunk.register,
            "sip_account": trunk.sip_account,
            "sip_password_enc": secret,
            "updated_at": self.s.clock.now(),
        }

    async def _check(self, conn: Any, principal: Principal, trunk: Trunk, key: int) -> None:
        account_id = principal.account.id
        group_ids = [b.group_id for b in trunk.bindings]
        if len(await store.groups_of(conn, account_id, group_ids)) != len(group_ids):
            raise cc_error(-74, "groupList names a group that is not this account's")
        if await store.trunk_clash(conn, account_id, "name", trunk.name, key) is not None:
            raise cc_error(-47)
        if trunk.gateway_ip and await store.trunk_clash(conn, account_id, "gateway_ip", trunk.gateway_ip, key):
            raise cc_error(-53)
        if trunk.white_ip and await store.trunk_clash(conn, account_id, "white_ip", trunk.white_ip, key):
            raise cc_error(-60)
        numbers = [b.number for b in trunk.bindings if b.number]
        if len(set(numbers)) != len(numbers):
            raise cc_error(-59, "a number is bound twice")
        groups, taken = await store.bindings_elsewhere(conn, trunk.kind, group_ids, numbers, key)
        if groups:
            raise cc_error(-52, f"group {sorted(groups)[0]} is bound to another trunk of this type")
        if taken:
            raise cc_error(-59)

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C19: filters ``type`` and ``sipTrunkName`` (fuzzy)."""
        p = page.params
        kind = None if p.get("type") in (None, "") else whole(p, "type", OUTBOUND, INBOUND, code=-44)
        name = maybe_text(p, "sipTrunkName", 32)
        async with self.s.db.read() as conn:
            total, found = await store.page_trunks(conn, principal.account.id, kind, name, page.offset, page.size)
            bindings = await store.trunk_bindings(conn, [t["id"] for t in found])
        return page.answer(total, [self._record(t, bindings) for t in found])

    def _record(self, t: dict[str, Any], bindings: list[dict[str, Any]]) -> dict[str, Any]:
        mine = [b for b in bindings if b["trunk_id"] == t["id"]]
        return {
            "keyId": t["id"],
            "type": t["kind"],
            "sipTrunkName": t["name"],
            "sipPrefix": t["prefix"] or "",
            "sipGatewayIp": t["gateway_ip"] or "",
            "sipWhiteIp": t["white_ip"] or "",
            "state": t["state"],
            "ccIp": f"{self.s.settings.sip_host}:{self.s.settings.sip_port}",
            "sipAccount": t["sip_account"] or "",
            "sipPassword": self.s.secrets.open(t["sip_password_enc"]) if t["sip_password_enc"] else "",
            "sipTrunkState": bool(t["register"]),
            "createTime": stamp(t["created_at"]),
            "updateTime": stamp(t["updated_at"]),
            "groupList": [
                {"voiceGroupId": b["group_id"], "groupName": b["group_name"], "number": b["number"] or ""} for b in mine
            ],
        }
