"""A push poster that records pushes and answers with scripted status codes (unit tests only)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordedPush:
    url: str
    content: bytes
    headers: dict[str, str]


class PushRecorder:
    """Stands in for the push sender's HTTP poster (``PushSender(services, poster=PushRecorder())``)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = deque(statuses or [])
        self.requests: list[RecordedPush] = []

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.requests.append(RecordedPush(url, body, dict(headers)))
        return self.statuses.popleft() if self.statuses else 200

    async def close(self) -> None:
        return None
