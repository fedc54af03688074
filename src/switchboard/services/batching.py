"""Group many small writes into one transaction: callers wait until their item is committed.

Receipts arrive one PDU at a time but in bursts; a transaction per receipt would make the single SQLite
writer (and PostgreSQL's commit latency) the limit. A ``WriteBatcher`` collects items for at most
``linger`` seconds or ``max_items``, applies them in one transaction, and resolves every caller's future
only after the commit, so a caller that acknowledges its carrier afterwards never acknowledges a lost item.
If the batch's transaction fails, each item is retried in a transaction of its own, so one bad item only
fails its own caller (whose carrier will redeliver).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.store.database import Database

T = TypeVar("T")
R = TypeVar("R")


class WriteBatcher(Generic[T, R]):
    def __init__(
        self,
        db: Database,
        apply: Callable[[AsyncConnection, list[T]], Awaitable[list[R]]],
        *,
        linger: float = 0.005,
        max_items: int = 500,
    ) -> None:
        self._db = db
        self._apply = apply
        self._linger = linger
        self._max = max_items
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())
        return await future

    async def _flush_soon(self) -> None:
        while self._pending:
            if len(self._pending) < self._max:
                await asyncio.sleep(self._linger)
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            try:
                await self._commit(batch)
            except Exception:
                # One bad item must not fail its neighbours: retry each alone.
                for single in batch:
                    try:
                        await self._commit([single])
                    except Exception as exc:
                        if not single[1].done():
                            single[1].set_exception(exc)

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        async with self._db.write() as conn:
            results = await self._apply(conn, [item for item, _future in batch])
        for (_item, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
