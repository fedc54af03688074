"""Outbound tasks (C21-C25): callee uploads, submit, resend, list, edit.

An upload (C21) is kept as a file under ``<data_dir>/cc/uploads/`` and named by its ``filePath``; submitTask
(C22) reads it again (the header must not repeat a name: -43), stores each number once and makes the task
ENABLED for the dialer. A group call to agents (type 1) needs the call-center app (-74 when the group is not
in it) with a call-center rate (-77), and money to call with (-10); every number must have a rate (-26).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter import callees as lists
from switchboard.domain.callcenter import tasks as rules
from switchboard.domain.callcenter.dialer import ABANDONED, CONNECTED, FAILED, NOT_ANSWERED
from switchboard.domain.callcenter.rules import Page, cc_error, id_list, maybe_text, parse_time, text, whole
from switchboard.domain.numbers import classify
from switchboard.domain.pricing import PriceList
from switchboard.services.audio import write_atomically
from switchboard.services.callcenter.common import options_for, stamp
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store import catalog
from switchboard.store import cc_tasks as task_store
from switchboard.store.cc_tables import cc_tasks, cc_uploads

RESEND_STATES = {
    rules.RESEND_FAILED: (FAILED, NOT_ANSWERED, ABANDONED),
    rules.RESEND_NOT_CALLED: ("waiting", "calling"),
    rules.RESEND_ALL: (FAILED, NOT_ANSWERED, ABANDONED, CONNECTED, "waiting", "calling"),
}


def upload_dir(services: Services) -> Path:
    return services.settings.data_dir / "cc" / "uploads"


class Tasks:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def upload(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        """C21: answers filePath, the numbers found and the repeats dropped."""
        name = text(params, "fileName", 5, 128)
        suffix = lists.suffix_of(name)
        data = lists.decode(params.get("file"))
        found = lists.read(name, data)
        path = f"{secrets.token_hex(12)}{suffix}"
        write_atomically(upload_dir(self.s) / path, data)
        values = {
            "account_id": principal.account.id,
            "path": path,
            "file_name": name,
            "total": len(found.callees),
            "same": found.duplicates,
            "created_at": self.s.clock.now(),
        }
        async with self.s.db.write() as conn:
            await store.insert(conn, cc_uploads, values)
        return {"filePath": path, "numberTotalCount": len(found.callees), "numberSameCount": found.duplicates}

    async def _groups(self, conn: Any, principal: Principal, dialing: rules.Dialing) -> None:
        found = await store.groups_of(conn, principal.account.id, dialing.group_ids)
        app_id = principal.app.app_id if principal.app is not None else None
        if len(found) != len(dialing.group_ids) or (app_id and any(g["app_id"] != app_id for g in found.values())):
            raise cc_error(-74)

    async def _payable(self, conn: Any, principal: Principal, numbers: list[str]) -> None:
        account = principal.account
        rates = await catalog.load_rates(conn, "cc", account.id)
        prices = PriceList(rates, account_id=account.id, currency=account.currency)
        if not rates:
            raise cc_error(-77)
        if account.balance + account.gift + account.credit <= 0:
            raise cc_error(-10)
        for number in numbers:
            parsed = classify(number)
            if parsed is None or prices.rate_for(parsed.country, parsed.digits) is None:
                raise cc_error(-26, f"no call-center rate for {number}")

    async def submit(self, principal: Principal, params: Mapping[str, Any]) -> int:
        """C22: answers the taskId."""
        path, name = text(params, "filePath", 1, 64), text(params, "fileName", 1, 128)
        dialing = rules.dialing(params)
        account_id, now = principal.account.id, self.s.clock.now()
        async with self.s.db.write() as conn:
            upload = await task_store.upload(conn, account_id, path)
            if upload is None:
                raise cc_error(-24, "filePath names no upload of this account")
            await self._groups(conn, principal, dialing)
            found = lists.read(upload["file_name"], (upload_dir(self.s) / path).read_bytes())
            found.check_header()
            if not found.callees:
                raise cc_error(-42)
            await self._payable(conn, principal, [number for number, _ in found.callees])
            values = {
                **self._dialing(dialing),
                "account_id": account_id,
                "app_id": principal.app.app_id if principal.app is not None else None,
                "file_name": name,
                "upload_path": path,
                "header": found.header,
                "status": rules.SUBMITTING,
                "total": len(found.callees),
                "created_at": now,
            }
            task_id = await store.insert(conn, cc_tasks, values)
            await task_store.insert_callees(conn, task_id, found.callees)
            await store.update(conn, cc_tasks, task_id, {"status": rules.ENABLED})
        self.s.wake("callcenter")
        return task_id

    def _dialing(self, dialing: rules.Dialing) -> dict[str, Any]:
        return {
            "kind": dialing.kind,
            "group_ids": dialing.group_ids,
            "rate": dialing.rate,
            "display_num": dialing.display_num,
            "ccode": dialing.ccode,
            "remark": dialing.remark,
            "max_ringing": dialing.max_ringing,
            "updated_at": self.s.clock.now(),
        }

    async def resend(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C23: dial again the failed (1), not called (2) or all (3) numbers, with the request's settings."""
        task_id, kind = whole(params, "taskId"), rules.resend_type(params)
        dialing = rules.dialing(params)
        async with self.s.db.write() as conn:
            task = await task_store.task(conn, principal.account.id, task_id)
            if task is None:
                raise cc_error(-24, "no such task in this account")
            rules.check_resend(task["status"])
            await self._groups(conn, principal, dialing)
            await self._payable(conn, principal, [])
            if await task_store.reset_callees(conn, task_id, RESEND_STATES[kind]) == 0:
                raise cc_error(-42)
            await store.update(conn, cc_tasks, task_id, {**self._dialing(dialing), "status": rules.ENABLED})
        self.s.wake("callcenter")

    async def edit(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C25: a group call to agents' remark and calloutRate (-36 above the app's maximum)."""
        task_id, remark = whole(params, "taskId"), maybe_text(params, "remark", 50)
        async with self.s.db.write() as conn:
            task = await task_store.task(conn, principal.account.id, task_id)
            if task is None:
                raise cc_error(-24, "no such task in this account")
            rate = rules.edit_rate(params, (await options_for(conn, principal)).max_rate)
            rules.check_edit(task["status"], task["kind"])
            values = {"rate": rate, "remark": remark, "updated_at": self.s.clock.now()}
            await store.update(conn, cc_tasks, task_id, values)

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C24: filters startTime/endTime (days of creation), taskId, taskStatus, taskType, finishFlag,
        voiceGroupIds."""
        filters = _filters(page.params)
        wanted_groups = set(id_list(page.params, "voiceGroupIds", required=False))
        async with self.s.db.read() as conn:
            total, found = await task_store.page_tasks(conn, principal.account.id, filters, 0, 1_000_000)
            found = [t for t in found if not wanted_groups or wanted_groups & set(t["group_ids"])]
            total = len(found)
            chosen = found[page.offset : page.offset + page.size]
            names = await store.groups_of(conn, principal.account.id, [g for t in chosen for g in t["group_ids"]])
            states = {t["id"]: await task_store.callee_states(conn, t["id"]) for t in chosen}
        return page.answer(total, [_record(t, names, states[t["id"]]) for t in chosen])


def _filters(p: Mapping[str, Any]) -> list[sa.ColumnElement[bool]]:
    t = cc_tasks.c
    filters: list[sa.ColumnElement[bool]] = []
    if p.get("startTime") not in (None, ""):
        filters.append(t.created_at >= parse_time(p["startTime"], "startTime"))
    if p.get("endTime") not in (None, ""):
        filters.append(t.created_at < parse_time(p["endTime"], "endTime") + timedelta(days=1))
    if p.get("taskId") not in (None, ""):
        filters.append(t.id == whole(p, "taskId"))
    if p.get("taskStatus") not in (None, "", []):
        raw = p["taskStatus"] if isinstance(p["taskStatus"], list) else [p["taskStatus"]]
        filters.append(t.status.in_([whole({"s": s}, "s", 1, 16) for s in raw]))
    if p.get("taskType") not in (None, ""):
        filters.append(t.kind == whole(p, "taskType", 0, 1))
    if p.get("finishFlag") not in (None, ""):
        done = t.status.in_(rules.FINAL)
        filters.append(done if whole(p, "finishFlag", 0, 1) == 1 else sa.not_(done))
    return filters


def _record(t: dict[str, Any], groups: dict[int, dict[str, Any]], states: dict[str, int]) -> dict[str, Any]:
    remaining = states.get("waiting", 0) + states.get("calling", 0)
    return {
        "taskId": t["id"],
        "taskType": t["kind"],
        "voiceGroupId": list(t["group_ids"]),
        "seatGroupName": ",".join(groups[g]["name"] for g in t["group_ids"] if g in groups),
        "remainCount": remaining,
        "totalCount": t["total"],
        "connectedCount": states.get(CONNECTED, 0),
        "abandonedCount": states.get(ABANDONED, 0),
        "notAnsweredCount": states.get(NOT_ANSWERED, 0),
        "failedCount": states.get(FAILED, 0),
        "remark": t["remark"] or "",
        "ccode": t["ccode"] or "",
        "codeName": _country(t["ccode"]),
        "taskStatus": t["status"],
        "finishFlag": 1 if t["status"] in rules.FINAL else 0,
        "calloutRate": t["rate"],
        "displayNum": t["display_num"] or "",
        "maxRingingTime": t["max_ringing"],
        "fileName": t["file_name"],
        "appId": t["app_id"] or "",
        "createTime": stamp(t["created_at"]),
        "updateTime": stamp(t["updated_at"]),
    }


def _country(code: str | None) -> str:
    if not code:
        return ""
    import phonenumbers

    return str(phonenumbers.region_code_for_country_code(int(code)))
