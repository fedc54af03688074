"""Robot tasks (A3-A12): create, edit, import customers, start, stop, delete, list; codes of the AI table."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.aivoice import tasks as rules
from switchboard.domain.aivoice.flow import parse_flow
from switchboard.domain.aivoice.records import record_row
from switchboard.domain.aivoice.tasks import ai_error, parse_task, whole
from switchboard.services.aivoice.flows import ENABLE
from switchboard.services.context import Services
from switchboard.store import aivoice as store

MAX_IMPORT = 100
NUMBER = re.compile(r"^[0-9A-Za-z+]{1,32}$", re.ASCII)
GENDERS = ("MALE", "FEMALE")
NO_CALL_STATUSES = {
    "CAN_NOT_START": [rules.COMPLETED],
    "CAN_START": [rules.NOT_STARTED, rules.PAUSED],
    "IN_PROCESS": [rules.IN_PROCESS],
}


def _time(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def page(params: Mapping[str, Any]) -> tuple[int, int, Mapping[str, Any]]:
    current = whole(params, "current", -27, 1, 1_000_000)
    size = whole(params, "size", -27, 1, 100)
    inner = params.get("params") or {}
    if not isinstance(inner, Mapping):
        raise ai_error(-27, "params must be an object")
    return current, size, inner


class Tasks:
    def __init__(self, services: Services) -> None:
        self.s = services

    @staticmethod
    def _ids(principal: Principal) -> tuple[int, str]:
        assert principal.app is not None
        return principal.account.id, principal.app.app_id

    async def _task(self, conn: Any, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        account_id, app_id = self._ids(principal)
        task = await store.get_task(conn, account_id, app_id, whole(params, "jobId"))
        if task is None:
            raise ai_error(-32)
        return task

    async def _check_refs(self, conn: Any, account_id: int, settings: rules.TaskSettings) -> None:
        flow = await store.get_flow(conn, account_id, settings.flow_id)
        if flow is None or flow["status"] != ENABLE:
            raise ai_error(-55, "dialogFlowId names no enabled flow of this account")
        if await store.get_line(conn, account_id, settings.line_id) is None:
            raise ai_error(-41, "jobPhoneNumberId names no line of this account (see channelList)")

    def _values(self, settings: rules.TaskSettings) -> dict[str, Any]:
        fields = dict(settings.__dict__)
        return {**fields, "updated_at": self.s.clock.now()}

    async def add(self, principal: Principal, params: Mapping[str, Any]) -> int:
        account_id, app_id = self._ids(principal)
        settings = parse_task(params, self.s.settings.aivoice_max_robots)
        async with self.s.db.write() as conn:
            await self._check_refs(conn, account_id, settings)
            if await store.task_named(conn, account_id, app_id, settings.name) is not None:
                raise ai_error(-33)
            now = self.s.clock.now()
            values = {**self._values(settings), "account_id": account_id, "app_id": app_id, "created_at": now}
            values["status"] = rules.IN_PROCESS if settings.mode == "AUTO" else rules.NOT_STARTED
            return await store.insert_task(conn, values)

    async def edit(self, principal: Principal, params: Mapping[str, Any]) -> None:
        account_id, app_id = self._ids(principal)
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            settings = parse_task(params, self.s.settings.aivoice_max_robots)
            if task["status"] not in rules.EDITABLE:
                raise ai_error(-54)
            await self._check_refs(conn, account_id, settings)
            other = await store.task_named(conn, account_id, app_id, settings.name)
            if other is not None and other != task["id"]:
                raise ai_error(-33)
            await store.update_task(conn, task["id"], self._values(settings))

    async def properties(self, principal: Principal, params: Mapping[str, Any]) -> list[str]:
        """A5: the variables the task's flow reads from each customer's properties."""
        async with self.s.db.read() as conn:
            task = await self._task(conn, principal, params)
            flow = await store.get_flow(conn, task["account_id"], task["flow_id"])
        if flow is None:
            raise ai_error(-55)
        return sorted(parse_flow(flow["definition"]).variables())

    async def import_customers(self, principal: Principal, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A6: up to 100 customers; answers the rows that failed, each with its reason. Dedupe is by number
        within the task (always); ``callRecordDup`` also refuses numbers this task has called."""
        persons = params.get("customerPersons")
        if not isinstance(persons, list) or not persons:
            raise ai_error(-27, "customerPersons must be a non-empty list")
        if len(persons) > MAX_IMPORT:
            raise ai_error(-56)
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            if task["status"] == rules.COMPLETED:
                raise ai_error(-54)
            seen = await store.numbers_of(conn, task["id"])
            rows, failed = [], []
            now = self.s.clock.now()
            for person in persons:
                problem = _person_problem(person, seen)
                if problem is not None:
                    failed.append({**(person if isinstance(person, Mapping) else {"row": person}), "reason": problem})
                    continue
                number = str(person["phoneNumber"])
                seen.add(number)
                rows.append(
                    {
                        "task_id": task["id"],
                        "name": str(person["name"]).strip(),
                        "phone_number": number,
                        "gender": person.get("gender"),
                        "properties": {str(k): str(v) for k, v in (person.get("properties") or {}).items()},
                        "status": store.WAITING,
                        "created_at": now,
                    }
                )
            await store.insert_customers(conn, rows)
        return failed

    async def delete_customers(self, principal: Principal, params: Mapping[str, Any]) -> int:
        """A7: remove numbers not yet called; answers how many went."""
        entries = params.get("jobPhoneNumberList")
        if not isinstance(entries, list) or not entries or len(entries) > 1000:
            raise ai_error(-27, "jobPhoneNumberList must list 1-1000 {phoneNumber}")
        numbers = [str(e.get("phoneNumber", "")) for e in entries if isinstance(e, Mapping)]
        if len(numbers) != len(entries) or not all(NUMBER.match(n) for n in numbers):
            raise ai_error(-27, "each entry needs a phoneNumber")
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            return await store.delete_waiting(conn, task["id"], numbers)

    async def start(self, principal: Principal, params: Mapping[str, Any]) -> None:
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            if task["status"] not in rules.STARTABLE:
                raise ai_error(-39)
            flow = await store.get_flow(conn, task["account_id"], task["flow_id"])
            if flow is None or flow["status"] != ENABLE:
                raise ai_error(-55)
            rules.daily_window({"dailyStartDateTime": task["daily_start"], "dailyEndDateTime": task["daily_end"]})
            if task["robot_count"] > self.s.settings.aivoice_max_robots:
                raise ai_error(-52)
            customers = await store.customers_of(conn, task["id"])
            if not customers:
                raise ai_error(-45)
            needed = parse_flow(flow["definition"]).variables()
            for customer in customers:
                missing = needed - {k for k, v in customer["properties"].items() if v != ""} - {"name"}
                if missing:
                    raise ai_error(-51, f"{customer['phone_number']} lacks {', '.join(sorted(missing))}")
            await store.update_task(conn, task["id"], {"status": rules.IN_PROCESS, "updated_at": self.s.clock.now()})

    async def stop(self, principal: Principal, params: Mapping[str, Any]) -> None:
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            if task["status"] not in rules.PAUSABLE:
                raise ai_error(-38)
            await store.update_task(conn, task["id"], {"status": rules.PAUSED, "updated_at": self.s.clock.now()})

    async def delete(self, principal: Principal, params: Mapping[str, Any]) -> None:
        async with self.s.db.write() as conn:
            task = await self._task(conn, principal, params)
            if task["status"] == rules.IN_PROCESS:
                raise ai_error(-44)
            await store.update_task(conn, task["id"], {"deleted": True, "updated_at": self.s.clock.now()})

    async def listed(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        current, size, inner = page(params)
        account_id, app_id = self._ids(principal)
        name = inner.get("name") if isinstance(inner.get("name"), str) else None
        async with self.s.db.read() as conn:
            total, rows = await store.page_tasks(conn, account_id, app_id, name, (current - 1) * size, size)
        return {
            "total": total,
            "current": current,
            "size": size,
            "records": [_task_row(r) for r in rows],
        }

    async def no_call(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        current, size, inner = page(params)
        account_id, app_id = self._ids(principal)
        status = inner.get("taskStatus")
        if status is not None and status not in NO_CALL_STATUSES:
            raise ai_error(-27, "taskStatus must be " + ", ".join(NO_CALL_STATUSES))
        job = whole(inner, "jobId") if inner.get("jobId") is not None else None
        async with self.s.db.read() as conn:
            total, rows = await store.page_uncalled(
                conn, account_id, app_id, job, NO_CALL_STATUSES.get(status or ""), (current - 1) * size, size
            )
        records = [
            {
                "jobId": r["task_id"],
                "customerPersonId": r["id"],
                "customerPersonName": r["name"],
                "calledPhoneNumber": r["phone_number"],
                "status": r["status"],
                "properties": r["properties"],
            }
            for r in rows
        ]
        return {"total": total, "current": current, "size": size, "records": records}


def _person_problem(person: Any, seen: set[str]) -> str | None:
    if not isinstance(person, Mapping):
        return "not an object"
    name, number = person.get("name"), person.get("phoneNumber")
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        return "name missing or over 64 characters"
    if not isinstance(number, str) or not NUMBER.match(number):
        return "phoneNumber missing or not 1-32 letters and digits"
    if person.get("gender") not in (None, *GENDERS):
        return "gender must be MALE, FEMALE or null"
    props = person.get("properties")
    if props is not None and (not isinstance(props, Mapping) or not all(isinstance(k, str) for k in props)):
        return "properties must map names to texts"
    if number in seen:
        return "duplicate: the number is in this task already"
    return None


def _task_row(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "jobId": r["id"],
        "name": r["name"],
        "dialogFlowName": r["flow_name"],
        "jobPhoneNumberName": r["line_name"],
        "robotCount": r["robot_count"],
        "mode": r["mode"],
        "hangupSms": r["hangup_sms"],
        "taskTotal": r["total"],
        "taskCompleted": r["completed"],
        "status": r["status"],
        "isDialogFlowUnbind": "true" if r["flow_status"] != ENABLE else "false",
        "createTime": _time(r["created_at"]),
    }


async def record_query(services: Services, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
    """A13: robot call records whose call started in [startTime, endTime), paged."""
    current, size, inner = page(params)
    start = rules.moment(inner.get("startTime"), "startTime")
    end = rules.moment(inner.get("endTime"), "endTime")
    if start is None or end is None or end <= start:
        raise ai_error(-27, "params.startTime and params.endTime (yyyy-MM-dd HH:mm:ss, start < end) are required")
    assert principal.app is not None
    async with services.db.read() as conn:
        total, rows = await store.page_calls(
            conn, principal.account.id, principal.app.app_id, start, end, (current - 1) * size, size
        )
    return {"total": total, "current": current, "size": size, "records": [record_row(r) for r in rows]}
