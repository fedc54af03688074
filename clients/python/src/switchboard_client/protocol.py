"""The wire protocol, without any I/O: signing and building requests, reading answers, the retry rule.

Both clients (sync and async) use exactly this code; they differ only in which httpx client sends the
``httpx.Request`` built here and in how they sleep between attempts.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from switchboard_client.config import Config
from switchboard_client.errors import Product, ProtocolError, TransportError, api_error

VERSION = "0.1.0"
USER_AGENT = f"switchboard-client/{VERSION} python/{platform.python_version()} httpx/{httpx.__version__}"
CONTENT_TYPE = "application/json;charset=UTF-8"

# Failures where the request certainly never reached the server (nothing can have been sent or charged).
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class Call:
    """One API request, before signing. ``query`` goes to the query string (GET), ``body`` is sent as JSON
    (POST). ``idempotent`` calls may be retried after a network error."""

    product: Product
    method: Literal["GET", "POST"]
    path: str
    query: Mapping[str, str] | None = None
    body: Mapping[str, Any] | None = None
    idempotent: bool = False


def sign(api_key: str, api_secret: str, timestamp: str) -> str:
    """``Sign``: md5(ApiKey + ApiSecret + Timestamp) as 32 lowercase hex digits (a protocol checksum that
    the API defines, not a security choice of this SDK)."""
    return hashlib.md5((api_key + api_secret + timestamp).encode(), usedforsecurity=False).hexdigest()


def auth_headers(api_key: str, api_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The three authentication headers, for ``timestamp`` (epoch seconds; default now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Api-Key": api_key, "Timestamp": ts, "Sign": sign(api_key, api_secret, ts)}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """After a network error an idempotent call is tried again up to ``retries`` times, waiting
    ``backoff * 2**attempt`` seconds (at most ``max_backoff``). Refusals (``status`` != "0") and
    non-idempotent calls are never retried."""

    retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, call: Call, attempt: int) -> float | None:
        if not call.idempotent or attempt >= self.retries:
            return None
        return float(min(self.backoff * 2**attempt, self.max_backoff))


class Protocol:
    """Turns :class:`Call` objects into signed ``httpx.Request`` objects and answers into decoded bodies."""

    def __init__(self, config: Config, retry: RetryPolicy, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.retry = retry
        self._clock = clock

    def request(self, call: Call) -> httpx.Request:
        """A freshly signed request (built again for each attempt, so a retry carries a fresh timestamp)."""
        headers = {
            **auth_headers(self.config.api_key, self.config.api_secret, int(self._clock())),
            "Content-Type": CONTENT_TYPE,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        url = self.config.base_url + call.path
        if call.method == "GET":
            return httpx.Request("GET", url, params=dict(call.query or {}), headers=headers)
        content = json.dumps(dict(call.body or {}), ensure_ascii=False, separators=(",", ":")).encode()
        return httpx.Request("POST", url, params=dict(call.query or {}) or None, content=content, headers=headers)

    def response(self, call: Call, response: httpx.Response) -> dict[str, Any]:
        """The decoded envelope of a successful answer; raises the product's :class:`ApiError` for a refusal
        and :class:`ProtocolError` for anything that is not an envelope."""
        if response.status_code != 200:
            raise ProtocolError(
                f"HTTP {response.status_code} from {call.method} {call.path}: {response.text[:200]!r}",
                status_code=response.status_code,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise ProtocolError(f"{call.path} answered something that is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(body, dict):
            raise ProtocolError(f"{call.path} answered JSON that is not an object")
        return check_envelope(call.product, body)

    def after_failure(self, call: Call, exc: httpx.HTTPError, attempt: int) -> float:
        """Seconds to wait before trying ``call`` again after ``exc``; raises when it must not be retried."""
        if not isinstance(exc, httpx.TransportError):
            raise ProtocolError(f"{call.path}: unreadable answer: {exc}") from exc
        delay = self.retry.delay(call, attempt)
        if delay is None:
            raise TransportError(
                f"{call.method} {call.path} failed after {attempt + 1} attempt(s): {type(exc).__name__}: {exc}",
                sent=not isinstance(exc, NOT_SENT),
            ) from exc
        return delay


def check_envelope(product: Product, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` when its status is ``"0"`` (compared as a string: some servers send a number); else raise.
    Envelope B (``code``/``msg``, voice group-call routes) is understood too."""
    if "status" in body:
        status, reason = body.get("status"), body.get("reason")
    elif "code" in body:
        status, reason = body.get("code"), body.get("msg")
    else:
        raise ProtocolError("answer has no status")
    text = str(status).strip()
    if text == "0":
        return body
    try:
        code = int(text)
    except ValueError as exc:
        raise ProtocolError(f"answer has a non-numeric status {status!r}") from exc
    raise api_error(product, code, str(reason or ""), body)
