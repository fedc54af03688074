"""Dialog flows (A1) and outbound lines (A2): authored by operators and account users, listed by the API."""

from __future__ import annotations

import json
from typing import Any

from switchboard.domain.aivoice.flow import Flow, FlowError, definition_of, parse_flow
from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.store import aivoice as store

ENABLE, DISABLE = "ENABLE", "DISABLE"


def _time(value: Any) -> str:
    return str(value.strftime("%Y-%m-%d %H:%M:%S"))


class Flows:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def save(self, account_id: int, text: str) -> dict[str, Any]:
        """Check a YAML/JSON definition and store it as a new flow or a new version of the same-named one."""
        try:
            definition = definition_of(text)
        except FlowError as exc:
            raise OperatorError(f"flow refused: {exc}") from exc
        async with self.s.db.write() as conn:
            row = await store.save_flow(conn, account_id, str(definition["name"]), definition, text, self.s.clock.now())
        return {"dialogFlowId": row["id"], "name": row["name"], "version": row["version"]}

    async def set_status(self, account_id: int, flow_id: int, enabled: bool) -> None:
        async with self.s.db.write() as conn:
            if await store.get_flow(conn, account_id, flow_id) is None:
                raise OperatorError(f"no flow {flow_id} in this account")
            await store.set_flow_status(conn, flow_id, ENABLE if enabled else DISABLE, self.s.clock.now())

    async def listed(self, account_id: int) -> list[dict[str, Any]]:
        """A1's rows: dialogFlowId, name, status, createTime (and version)."""
        async with self.s.db.read() as conn:
            rows = await store.list_flows(conn, account_id)
        return [
            {
                "dialogFlowId": r["id"],
                "name": r["name"],
                "status": r["status"],
                "createTime": _time(r["created_at"]),
                "version": r["version"],
            }
            for r in rows
        ]

    async def load(self, account_id: int, flow_id: int) -> Flow | None:
        async with self.s.db.read() as conn:
            row = await store.get_flow(conn, account_id, flow_id)
        return parse_flow(row["definition"]) if row else None

    async def export(self, account_id: int, flow_id: int) -> str:
        async with self.s.db.read() as conn:
            row = await store.get_flow(conn, account_id, flow_id)
        if row is None:
            raise OperatorError(f"no flow {flow_id} in this account")
        return str(row["source"]) or json.dumps(row["definition"])

    async def add_line(self, account_id: int, number: str, trunk: str | None) -> int:
        if not number.isdigit() or not 5 <= len(number) <= 20:
            raise OperatorError("a line is a number of 5-20 digits")
        async with self.s.db.write() as conn:
            if any(line["phone_number"] == number for line in await store.list_lines(conn, account_id)):
                raise OperatorError(f"line {number} exists in this account")
            return await store.add_line(conn, account_id, number, trunk, self.s.clock.now())

    async def lines(self, account_id: int) -> list[dict[str, str]]:
        """A2's rows: tenantPhoneNumberId and phoneNumber."""
        async with self.s.db.read() as conn:
            rows = await store.list_lines(conn, account_id)
        return [{"tenantPhoneNumberId": str(r["id"]), "phoneNumber": r["phone_number"]} for r in rows]
