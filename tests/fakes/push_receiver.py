"""An httpx transport that records pushes and answers with scripted status codes (unit tests only)."""

from __future__ import annotations

from collections import deque

import httpx


class PushRecorder(httpx.AsyncBaseTransport):
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = deque(statuses or [])
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return httpx.Response(self.statuses.popleft() if self.statuses else 200)
