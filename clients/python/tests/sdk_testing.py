"""Test helpers shared by the SDK tests: the fake API and the live-server description.

(A module with its own name rather than ``conftest`` imports, so it never clashes with another ``tests``
package when several suites run together.)"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

API_KEY = "bDqJFiq9"
API_SECRET = "7bz1lzh9"  # noqa: S105 (the contract's documented example secret)
APP_ID = "4luaKsL2"
BASE_URL = "http://sb.test"

Handler = Callable[["Seen"], dict[str, Any] | httpx.Response]


@dataclass
class Seen:
    """A request the fake API received, decoded."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: httpx.Headers
    raw_query: str


@dataclass
class FakeApi:
    """Routes by path to handlers returning an envelope dict (or a ready ``httpx.Response``); records every
    request and checks its signature like the server does."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def route(self, path: str, handler: Handler | dict[str, Any]) -> None:
        self.routes[path] = handler if callable(handler) else (lambda _seen, answer=handler: answer)

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        body = json.loads(request.content) if request.content else None
        seen = Seen(request.method, url.path, dict(parse_qsl(url.query)), body, request.headers, url.query)
        self.seen.append(seen)
        ts = request.headers.get("Timestamp", "")
        expected = hashlib.md5((API_KEY + API_SECRET + ts).encode(), usedforsecurity=False).hexdigest()
        if request.headers.get("Api-Key") != API_KEY or request.headers.get("Sign") != expected:
            return httpx.Response(200, json={"status": "-1", "reason": "Authentication error"})
        handler = self.routes.get(url.path)
        if handler is None:
            return httpx.Response(404, text="not found")
        answer = handler(seen)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)


@dataclass
class LiveServer:
    base_url: str
    api_key: str
    api_secret: str
    app_id: str

    def env(self) -> dict[str, str]:
        return {
            "SWITCHBOARD_BASE_URL": self.base_url,
            "SWITCHBOARD_API_KEY": self.api_key,
            "SWITCHBOARD_API_SECRET": self.api_secret,
            "SWITCHBOARD_APP_ID": self.app_id,
        }


def switchboard_command() -> str | None:
    configured = os.environ.get("SDK_TEST_SWITCHBOARD_BIN")
    if configured:
        return configured
    beside = Path(sys.executable).with_name("switchboard")
    return str(beside) if beside.exists() else shutil.which("switchboard")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
