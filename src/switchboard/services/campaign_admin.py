"""What operators look at in group-call tasks (the console's campaigns pages): tasks with their progress,
one task's numbers, and its outcomes over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from switchboard.domain.voice.campaign_views import detail
from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.store import campaigns as store

NUMBER_STATES = ("pending", "queued", "done", "invalid")


@dataclass(frozen=True)
class TaskView:
    row: dict[str, Any]
    shown: dict[str, Any]  # the V16 fields

    @property
    def progress(self) -> float:
        """0-100: final numbers over callable numbers."""
        callable_numbers = int(self.row["num_cnt"]) - int(self.row["invalid_cnt"])
        done = int(self.row["success"]) + int(self.row["fail"])
        return 100.0 if self.row["status"] == 2 else (100 * done / callable_numbers if callable_numbers else 0.0)


class CampaignAdmin:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def tasks(self, *, limit: int = 100) -> list[TaskView]:
        async with self.s.db.read() as conn:
            rows = await store.recent_campaigns(conn, limit=limit)
        return [TaskView(r, detail(r)) for r in rows]

    async def task(self, campaign_id: int) -> TaskView:
        async with self.s.db.read() as conn:
            row = await store.get_campaign(conn, campaign_id)
        if row is None:
            raise OperatorError(f"no task {campaign_id}")
        return TaskView(row, detail(row))

    async def numbers(self, campaign_id: int, *, state: str | None, limit: int = 200) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await store.page_numbers(
                conn, campaign_id, offset=0, limit=limit, state=state if state in NUMBER_STATES else None
            )

    async def timeline(self, campaign_id: int) -> list[tuple[datetime, str, str]]:
        async with self.s.db.read() as conn:
            return await store.timeline(conn, campaign_id)
