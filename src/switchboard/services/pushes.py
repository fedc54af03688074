"""Pushes to customers: building the bodies (S5 reports, S7 inbound), signing, sending with retries.

Every push is a persistent job. Any 2xx acknowledges it; anything else (or a timeout) is retried with
exponential back-off and jitter (10 s, 20 s, 40 s ... capped at one hour between attempts) until the push is
72 hours old, then it is abandoned (visible with ``switchboard push list --failed``; ``push retry`` revives).

Each push carries ``X-Switchboard-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256(key = the account's API secret, message = ``<t>.<raw body>``), and ``X-Switchboard-Key`` names
the API key whose secret signed it (the account's oldest enabled key).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.money import format_amount
from switchboard.services.batching import WriteBatcher
from switchboard.services.context import SIGNING_KEYS, Services
from switchboard.services.pipeline import run_pipeline
from switchboard.services.push_targets import REFUSED, TargetRefused, guarded_socket_factory
from switchboard.store import pushes as store
from switchboard.store import tenants

log = logging.getLogger("switchboard.pushes")

MAX_AGE = timedelta(hours=72)
FIRST_RETRY = 10.0
MAX_RETRY = 3600.0
TIMEOUT = 10.0
LEASE = timedelta(seconds=60)
CLAIM_LINGER = 0.003
STOP_GRACE = 2.0
REPORT_STATUS = {"delivered": 0, "failed": 1, "expired": 2}


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(attempts: int, rng: random.Random) -> float:
    base = min(FIRST_RETRY * 2 ** max(0, attempts - 1), MAX_RETRY)
    return float(base * rng.uniform(0.8, 1.2))


def report_body(message: dict[str, Any], app_id: str) -> bytes:
    """The S5 delivery-report push for a message in a final state."""
    final_at: datetime = message["final_at"]
    paid = message["cost"] if message.get("charged", True) else 0
    return orjson.dumps(
        {
            "appId": app_id,
            "msgid": message["msg_id"],
            "mobile": message["number"],
            "status": REPORT_STATUS.get(message["status"], 1),
            "reason": "0" if message["status"] == "delivered" else (message.get("error_code") or message["status"]),
            "timestamp": int(final_at.timestamp() * 1000),
            "orderId": message.get("order_id") or "",
            "mcc": "-1",
            "mnc": "-1",
            "pricedetail": {
                "pay": format_amount(paid),
                "currency": message["currency"],
                "chargeCnt": message["segments"],
                "price": format_amount(message["price"]),
            },
        }
    )


def inbound_body(row: dict[str, Any], local_time: datetime) -> bytes:
    """The S7 inbound (MO) push. ``reply_time`` uses the documented ``yyyy-MM-dd HH:mm:ss`` in the account's
    time zone; ``reply_time_iso`` repeats it with an explicit offset."""
    return orjson.dumps(
        {
            "msgid": row["msg_id"],
            "mobile": row["source"],
            "reply_time": local_time.strftime("%Y-%m-%d %H:%M:%S"),
            "reply_time_iso": local_time.isoformat(timespec="seconds"),
            "content": row["content"],
            "sendid": row["destination"],
            "mcc": -1,
            "mnc": -1,
            "operator": row.get("operator", ""),
            "pricedetail": {
                "pay": "0.000000",
                "chargeCnt": 0,
                "currency": row.get("currency", "USD"),
                "price": "0.000000",
            },
        }
    )


def push_error(exc: BaseException) -> str:
    """What an attempt that got no HTTP answer records."""
    cause: BaseException | None = exc
    for _hop in range(4):  # aiohttp wraps the socket factory's refusal (os_error, __cause__)
        if cause is None:
            break
        if isinstance(cause, TargetRefused) or REFUSED in str(cause):
            return f"refused: {REFUSED}"
        cause = cause.__cause__ or getattr(cause, "os_error", None)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return "no HTTP answer"


class PushFailed(Exception):
    """A push that got no HTTP answer (refused, reset, timed out, bad URL)."""


class Poster(Protocol):
    """Sends one push; answers the HTTP status or raises PushFailed."""

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...

    async def close(self) -> None: ...


class AiohttpPoster:
    """Pushes over aiohttp: keep-alive connections pooled per host, no redirects followed, the answer's body
    read (up to 64 KiB) and dropped. Much lighter per request than a general-purpose client, which matters
    when every message ends with a push."""

    def __init__(
        self, *, timeout: float = TIMEOUT, connections: int = 200, allowed_networks: Sequence[str] = ()
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._allowed_networks = list(allowed_networks)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections,
                limit_per_host=self._connections,
                socket_factory=guarded_socket_factory(self._allowed_networks),
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=False, skip_auto_headers=("User-Agent",)
            )
        return self._session

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            async with self._open().post(url, data=body, headers=headers, allow_redirects=False) as response:
                await response.content.read(65536)
                return response.status
        except (aiohttp.ClientError, TimeoutError, ValueError, OSError) as exc:
            # The attempt's error is shown to account users: the kind only, never the low-level detail (which
            # told open from closed ports); the detail goes to the log.
            log.info("push to %s: %s: %s", url, type(exc).__name__, exc)
            raise PushFailed(push_error(exc)) from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


Result = tuple[dict[str, Any], int | None, str | None, int]


class PushSender:
    """The callbacks role: claims due pushes, sends them concurrently, records every attempt.

    ``run`` is a pipeline: up to ``concurrency`` pushes are in flight at once, new ones are claimed as
    slots free up (or as soon as a receipt wakes the role), and attempts are recorded in shared transactions
    as they finish, so one slow or hanging receiver holds one slot, never a whole batch. ``step`` sends one
    batch and records it (tests, and the CLI's retry)."""

    def __init__(self, services: Services, *, poster: Poster | None = None, concurrency: int = 200) -> None:
        self.s = services
        self._poster: Poster = poster or AiohttpPoster(
            connections=concurrency, allowed_networks=services.settings.push_allowed_networks
        )
        self._concurrency = concurrency
        self._rng = random.Random()  # noqa: S311 (jitter, not security)
        self._recorder: WriteBatcher[Result, None] = WriteBatcher(services.db, self._record_batch)

    async def close(self) -> None:
        await self._poster.close()

    async def step(self, limit: int = 500) -> int:
        """Send one batch of due pushes; returns how many were attempted."""
        batch = await self._claim(limit)
        if batch:
            results = await asyncio.gather(*(self._send(push) for push in batch))
            async with self.s.db.write() as conn:
                await self._record_batch(conn, list(results))
        return len(batch)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event, *, poll: float) -> None:
        """Send pushes until ``stop``; in-flight sends are given a moment to finish, then their leases let
        another run retry them."""
        await run_pipeline(
            "callbacks",
            claim=self._claim,
            handle=self._send_and_record,
            capacity=self._concurrency,
            stop=stop,
            wake=wake,
            poll=poll,
            linger_after_wake=CLAIM_LINGER,
            grace=STOP_GRACE,
        )

    async def _claim(self, limit: int) -> list[dict[str, Any]]:
        async with self.s.db.write() as conn:
            return await store.claim_due(conn, now=self.s.clock.now(), lease=LEASE, limit=limit)

    async def _send_and_record(self, push: dict[str, Any]) -> None:
        try:
            await self._recorder.submit(await self._send(push))
        except Exception:
            log.exception("recording push %s failed; it is retried when its lease ends", push["id"])

    async def _signing_key(self, account_id: int) -> tuple[str, str] | None:
        """The account's oldest enabled key and its secret, re-read every few seconds (SIGNING_KEYS): a key
        disabled or replaced stops signing pushes within that time, in every process."""

        async def load() -> tuple[str, str] | None:
            async with self.s.db.read() as conn:
                keys = [k for k in await tenants.list_keys(conn, account_id) if k.enabled]
            return (keys[0].api_key, self.s.secrets.open(keys[0].secret_enc)) if keys else None

        return await self.s.cached(SIGNING_KEYS, account_id, load)

    async def _send(self, push: dict[str, Any]) -> Result:
        body = push["body"].encode()
        headers = {"Content-Type": "application/json;charset=UTF-8", "User-Agent": "Switchboard-Push/1"}
        key = await self._signing_key(push["account_id"])
        if key is not None:
            headers["X-Switchboard-Key"] = key[0]
            headers["X-Switchboard-Signature"] = signature_header(key[1], body, int(self.s.clock.time()))
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            status_code = await self._poster.post(push["url"], body, headers)
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except PushFailed as exc:
            error = str(exc) or "PushFailed"
        return push, status_code, error, int((time.monotonic() - started) * 1000)

    async def _record_batch(self, conn: AsyncConnection, results: list[Result]) -> list[None]:
        """Record the attempts of many pushes with a few statements."""
        now = self.s.clock.now()
        attempts: list[store.Attempt] = []
        for push, status_code, error, ms in results:
            next_at: datetime | None = None
            if error is None:
                status = store.DELIVERED
            elif now - push["created_at"] >= MAX_AGE:
                status = store.ABANDONED
            else:
                status = store.PENDING
                next_at = now + timedelta(seconds=retry_delay(push["attempts"], self._rng))
            attempts.append(store.Attempt(push["id"], status_code, error, ms, status, next_at))
            if error:
                log.warning("push %s to %s failed: %s", push["id"], push["url"], error)
        await store.record_attempts(conn, attempts, now)
        return [None] * len(results)
