"""The robot dialer: runs IN_PROCESS tasks inside their windows, ``robotCount`` calls at a time per task.

Each pass claims waiting customers (WAITING -> CALLING), holds the conversation, and writes the call record
with the customer DONE in one transaction; a task with no open customer left becomes COMPLETED. Customers a
stopped worker left CALLING are released at start, so tasks resume across restarts.

The callee is the sandbox's simulated persona (the customer's ``persona`` property, default "agrees"),
heard through VAD and the recogniser on real synthesised audio; see docs/aivoice.md for what is not yet
carried over SIP/RTP.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

import orjson

from switchboard.connectors.asr.base import Recogniser, engine
from switchboard.domain.aivoice import tasks as rules
from switchboard.domain.aivoice.dialog import Dialog
from switchboard.domain.aivoice.flow import Flow, parse_flow
from switchboard.domain.aivoice.records import push_body
from switchboard.services.aivoice.conversation import Outcome, run_with_persona
from switchboard.services.aivoice.personas import PERSONAS
from switchboard.services.aivoice.prompts import Prompts
from switchboard.services.context import Services
from switchboard.store import aivoice as store
from switchboard.store import pushes, tenants


class Robot:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def recover(self) -> int:
        async with self.s.db.write() as conn:
            return await store.release_calling(conn)

    def _recogniser(self, flow_id: int, version: int, flow: Flow) -> tuple[Recogniser, Prompts]:
        """The flow version's recogniser and its prompts (the static ones rendered up front)."""
        cache: dict[tuple[int, int], tuple[Recogniser, Prompts]] = self.s.caches.setdefault("aivoice_asr", {})
        key = (flow_id, version)
        if key not in cache:
            prompts = Prompts()
            prompts.preload(flow)
            cache[key] = (engine(self.s.settings.aivoice_asr, flow.phrases()), prompts)
        return cache[key]

    async def tick(self) -> int:
        """One pass over the running tasks; answers how many calls were made."""
        async with self.s.db.read() as conn:
            tasks = await store.running_tasks(conn)
        made = 0
        for task in tasks:
            if rules.in_window(task, self.s.clock.now()):
                made += await self._run_task(task)
        return made

    async def _run_task(self, task: dict[str, Any]) -> int:
        async with self.s.db.write() as conn:
            flow_row = await store.get_flow(conn, task["account_id"], task["flow_id"])
            claimed = await store.claim_customers(conn, task["id"], task["robot_count"], self.s.clock.now())
            if not claimed and await store.open_customers(conn, task["id"]) == 0:
                await store.update_task(conn, task["id"], {"status": rules.COMPLETED, "updated_at": self.s.clock.now()})
        if not claimed or flow_row is None:
            return 0
        flow = parse_flow(flow_row["definition"])
        asr, prompts = await asyncio.to_thread(self._recogniser, flow_row["id"], flow_row["version"], flow)
        await asyncio.to_thread(asr.warm, len(claimed))
        await asyncio.gather(*(self._call(task, flow, (asr, prompts), customer) for customer in claimed))
        return len(claimed)

    async def _call(
        self, task: dict[str, Any], flow: Flow, engines: tuple[Recogniser, Prompts], customer: dict[str, Any]
    ) -> None:
        properties = {"name": customer["name"], **customer["properties"]}
        persona = PERSONAS.get(properties.get("persona", "agrees"), PERSONAS["agrees"])
        started = self.s.clock.now()
        if persona.answers:
            asr, prompts = engines
            outcome = await asyncio.to_thread(run_with_persona, flow, properties, persona, asr, prompts=prompts)
            record = self._record(task, customer, outcome, started)
        else:
            record = self._record(task, customer, Outcome(Dialog.of(flow, properties), "", []), started)
            record.update(result_status="NO_ANSWER", hangup_by=None)
        redial_at = self._redial_at(task, customer, record["result_status"])
        async with self.s.db.write() as conn:
            await store.finish_call(conn, record, redial_at)
            app = await tenants.get_app(conn, task["app_id"])
            if app is not None and app.call_url:
                await pushes.enqueue(
                    conn,
                    account_id=task["account_id"],
                    app_id=app.app_id,
                    kind="aicall",
                    ref=record["call_id"],
                    url=app.call_url,
                    body=orjson.dumps(push_body({**record, "id": 0})).decode(),
                    now=self.s.clock.now(),
                )
        if app is not None and app.call_url:
            self.s.wakeups.setdefault("callbacks", asyncio.Event()).set()

    def _redial_at(self, task: dict[str, Any], customer: dict[str, Any], result: str) -> Any:
        """When to call again: only if the task redials on this result and attempts are left."""
        if not task["redial"] or result not in task["redial_conditions"]:
            return None
        if customer["attempts"] >= task["redial_count"]:
            return None
        return self.s.clock.now() + timedelta(minutes=task["redial_interval"])

    def _record(self, task: dict[str, Any], customer: dict[str, Any], outcome: Outcome, started: Any) -> dict[str, Any]:
        dialog = outcome.dialog
        seconds = math.ceil(outcome.elapsed_ms / 1000)
        details = [
            {"callDetailId": i + 1, "text": t.text, "type": t.who, "startOffset": t.start_ms, "endOffset": t.end_ms}
            for i, t in enumerate(dialog.turns)
        ]
        return {
            "call_id": self.s.msg_ids.next(),
            "account_id": task["account_id"],
            "app_id": task["app_id"],
            "task_id": task["id"],
            "customer_id": customer["id"],
            "flow_id": task["flow_id"],
            "line_id": task["line_id"],
            "called_number": customer["phone_number"],
            "customer_name": customer["name"],
            "result_status": "ANSWERED",
            "hangup_by": outcome.ended_by,
            "intent": dialog.intent,
            "intent_level": dialog.level,
            "chat_round": dialog.rounds,
            "chat_duration": seconds,
            "properties": customer["properties"],
            "dynamic_properties": dialog.captured,
            "details": details,
            "redial_times": max(customer["attempts"], 0),
            "start_at": started,
            "end_at": started + timedelta(seconds=seconds),
        }
