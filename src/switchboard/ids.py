"""Identifiers: appIds, API keys, and the time-ordered numeric message ids.

A msgId is 19 decimal digits: ``yyMMddHHmmss`` (UTC) + a 2-digit node id + a 5-digit sequence that
restarts every second. Ids from one node are strictly increasing; nodes never collide because the node
component differs. Within one second a node can mint 100,000 ids; past that it borrows the next second.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

from switchboard.clock import Clock

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SEQ_PER_SECOND = 100_000


def random_token(length: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(length))


def new_app_id() -> str:
    return random_token(8)


def new_api_key() -> str:
    return random_token(12)


def new_api_secret() -> str:
    return random_token(24)


class MessageIds:
    """Mints 19-digit, time-ordered, node-unique message ids."""

    def __init__(self, clock: Clock, node_id: int = 0) -> None:
        if not 0 <= node_id <= 99:
            raise ValueError("node_id must be 0..99")
        self._clock = clock
        self._node = node_id
        self._second = 0
        self._seq = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            now = int(self._clock.time())
            if now > self._second:
                self._second, self._seq = now, 0
            elif self._seq >= SEQ_PER_SECOND:
                self._second, self._seq = self._second + 1, 0
            seq = self._seq
            self._seq += 1
            stamp = datetime.fromtimestamp(self._second, UTC).strftime("%y%m%d%H%M%S")
        return f"{stamp}{self._node:02d}{seq:05d}"

    def many(self, count: int) -> list[str]:
        return [self.next() for _ in range(count)]

    def resume_after(self, last: str | None) -> None:
        """Continue after ``last`` (the newest id in the store), so a restart within the same second
        cannot mint an id again."""
        if not last or len(last) != 19 or not last.isdigit() or int(last[12:14]) != self._node:
            return
        second = int(datetime.strptime(last[:12], "%y%m%d%H%M%S").replace(tzinfo=UTC).timestamp())
        with self._lock:
            if (second, int(last[14:])) >= (self._second, self._seq):
                self._second, self._seq = second, int(last[14:]) + 1
