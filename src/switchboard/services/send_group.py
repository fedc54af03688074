"""Group commit of small sends: concurrent sends of one process share one database transaction.

Most traffic is one number per request (verification codes). A transaction per request costs a BEGIN, a
lock of the account row, a message insert, a balance update, a ledger insert and a COMMIT, and on SQLite
every one of them waits for the single writer. Here a request that has been validated and priced
(``SmsService.send``) hands its candidates to the process's ``SendGroup`` and waits; the group takes every
job that is waiting and runs them in one transaction:

1. each account of the group is locked once (in id order, so two processes' groups cannot deadlock);
2. each job in arrival order: its period limits (rows of earlier jobs of the group are written first, so
   the counts include them), then its charge against the locked account's buckets as the single debit
   computes it (gift first, then balance down to minus the credit line). A job refused for its own reason
   (-27, -28, -10) takes nothing: no rows, no charge, its limit reservation given back;
3. the accepted jobs' messages go in with one insert, each account's balance with one conditional update by
   the sum, and one ledger row per job, as its single debit would write;
4. COMMIT; only then is each request answered.

If the group's transaction fails before its commit, nothing of it was stored: each job then runs alone in a
transaction of its own (``alone``), so one bad job fails only its own request and no job is charged twice.
A failure of the COMMIT itself on PostgreSQL may have committed (the connection died while it ran): those
jobs fail with the error, as a single request's would, rather than risk charging them twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.sms.validation import sms_error
from switchboard.errors import ApiError
from switchboard.services.context import Services
from switchboard.services.send_limits import Reservation
from switchboard.services.sms_types import Accepted, Candidate, SendOutcome, SmsOptions, gift_shares
from switchboard.store import messages, tenants

log = logging.getLogger("switchboard.sms")

GROUP_MAX_NUMBERS = 10  # sends of at most this many numbers join the group commit
GROUP_MAX_JOBS = 200  # jobs per transaction


@dataclass
class SendJob:
    principal: Principal
    opts: SmsOptions
    candidates: list[Candidate]
    failed: int  # numbers the request already failed (abnormal, unpriced)
    reservation: Reservation = field(default_factory=Reservation)


@dataclass
class _Purse:
    """An account's buckets as locked by the group's transaction, and the charges taken from them so far."""

    gift: int
    balance: int
    credit: int
    debits: list[tenants.Debit] = field(default_factory=list)

    def take(self, cost: int, reference: str) -> int | None:
        """Charge ``cost`` as ``tenants.debit`` would: the part paid from the gift, or None (nothing taken)."""
        if self.gift + self.balance + self.credit < cost:
            return None
        from_gift = min(self.gift, cost)
        if cost:
            self.gift -= from_gift
            self.balance -= cost - from_gift
            self.debits.append(tenants.Debit(balance=cost - from_gift, gift=from_gift, reference=reference))
        return from_gift


class _CommitFailed(Exception):
    """The COMMIT of a group failed: whether it took effect is not known (PostgreSQL)."""


Rows = Callable[[Principal, list[Candidate]], list[dict[str, Any]]]
Alone = Callable[[SendJob], Awaitable[SendOutcome]]
_Result = SendOutcome | BaseException


class SendGroup:
    def __init__(self, services: Services, *, rows: Rows, alone: Alone, max_jobs: int = GROUP_MAX_JOBS) -> None:
        self.s = services
        self._rows = rows
        self._alone = alone
        self._max = max_jobs
        self._pending: list[tuple[SendJob, asyncio.Future[SendOutcome]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, job: SendJob) -> SendOutcome:
        """Commit ``job`` with whatever else is waiting; its outcome once committed (or its refusal)."""
        future: asyncio.Future[SendOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            await asyncio.sleep(0)  # let requests already on their way join
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            try:
                await self._run(batch)
            finally:
                for _job, future in batch:
                    if not future.done():
                        future.set_exception(RuntimeError("the send group stopped"))

    async def _run(self, batch: list[tuple[SendJob, asyncio.Future[SendOutcome]]]) -> None:
        jobs = [job for job, _future in batch]
        try:
            results = await self._commit(jobs)
        except _CommitFailed as exc:
            await self._release(jobs)
            results = [exc.__cause__ or exc] * len(jobs)
        except Exception:
            log.warning("a group of %d sends failed; each is retried alone", len(jobs), exc_info=True)
            await self._release(jobs)
            results = [await self._one_alone(job) for job in jobs]
        for (job, future), result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                await self.s.send_limits.release(job.reservation)
                if not future.done():
                    future.set_exception(result)
            elif not future.done():
                future.set_result(result)

    async def _one_alone(self, job: SendJob) -> _Result:
        job.reservation = Reservation()  # ``alone`` takes its own
        try:
            return await self._alone(job)
        except Exception as exc:
            return exc

    async def _release(self, jobs: list[SendJob]) -> None:
        for job in jobs:
            await self.s.send_limits.release(job.reservation)

    async def _commit(self, jobs: list[SendJob]) -> list[_Result]:
        committing = False
        try:
            async with self.s.db.write() as conn:
                results = await _Transaction(self, conn).apply(jobs)
                committing = True
            return results
        except Exception as exc:
            if committing and not self.s.db.is_sqlite:
                raise _CommitFailed() from exc
            raise


class _Transaction:
    """The work of one group inside its transaction."""

    def __init__(self, group: SendGroup, conn: AsyncConnection) -> None:
        self.group = group
        self.conn = conn
        self.now = group.s.clock.now()
        self.purses: dict[int, _Purse] = {}
        self.rows: list[dict[str, Any]] = []  # accepted, not yet inserted
        self.shares: dict[str, int] = {}

    async def apply(self, jobs: list[SendJob]) -> list[_Result]:
        for account_id in sorted({job.principal.account.id for job in jobs}):
            account = await tenants.get_account(self.conn, account_id, for_update=True)
            if account is not None:
                self.purses[account_id] = _Purse(account.gift, account.balance, account.credit)
        results: list[_Result] = []
        for job in jobs:
            try:
                results.append(await self._job(job))
            except ApiError as exc:
                results.append(exc)
        await self._insert()
        await messages.set_paid_gift(self.conn, self.shares)
        for account_id, purse in self.purses.items():
            if not await tenants.debit_many(self.conn, account_id=account_id, debits=purse.debits, now=self.now):
                raise RuntimeError(f"account {account_id} changed under its lock")
        return results

    async def _insert(self) -> None:
        rows, self.rows = self.rows, []
        await messages.insert_messages(self.conn, rows)

    async def _job(self, job: SendJob) -> SendOutcome:
        candidates, failed = await self._limit(job)
        rows = self.group._rows(job.principal, candidates)  # noqa: SLF001 (the group's own callback)
        purse = self.purses.get(job.principal.account.id)
        reference = f"sms {rows[0]['msg_id']} x{len(rows)}"
        from_gift = purse.take(sum(r["cost"] for r in rows), reference) if purse is not None else None
        if from_gift is None:
            raise sms_error(-10)
        self.shares.update(gift_shares(rows, from_gift))
        self.rows.extend(rows)
        accepted = [Accepted(r["msg_id"], r["number"], r["order_id"]) for r in rows]
        return SendOutcome(accepted=accepted, failed=failed)

    async def _limit(self, job: SendJob) -> tuple[list[Candidate], int]:
        """The job's period limits, as the single send checks them (-27 refuses the request, -28 the numbers
        over their limit); the group's rows so far are inserted first so the stored counts include them."""
        opts, account_id, candidates = job.opts, job.principal.account.id, job.candidates
        limits, failed = self.group.s.send_limits, job.failed
        if (opts.total_limit or opts.number_limit) and self.rows:
            await self._insert()
        if opts.total_limit and not await limits.within_total(
            self.conn, account_id, len(candidates), opts.total_limit, opts.total_period, self.now, job.reservation
        ):
            raise sms_error(-27)
        if opts.number_limit:
            numbers = [c.number for c in candidates]
            allowed = await limits.within_number(
                self.conn, account_id, numbers, opts.number_limit, opts.number_period, self.now, job.reservation
            )
            failed += allowed.count(False)
            candidates = [c for c, ok in zip(candidates, allowed, strict=True) if ok]
            if not candidates:
                raise sms_error(-28)
        return candidates, failed
