"""Submitting SMS: validate, price, limit, then charge and queue in one transaction (``send``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.domain.pricing import PriceList
from switchboard.domain.sms.validation import Group, check_count, check_group, sms_error
from switchboard.domain.templates import matches_any
from switchboard.domain.words import WordMatcher
from switchboard.errors import Product
from switchboard.services.context import Services
from switchboard.services.send_group import GROUP_MAX_NUMBERS, SendGroup, SendJob
from switchboard.services.send_limits import Reservation
from switchboard.services.sms_types import (
    DEFAULT_NUMBER_LIMIT,
    DEFAULT_NUMBER_PERIOD,
    DEFAULT_TOTAL_PERIOD,
    Accepted,
    Candidate,
    SendOutcome,
    SendRequest,
    SmsOptions,
    gift_shares,
)
from switchboard.store import catalog, messages, tenants

SEND_GROUP = "sms_send_group"  # Services.caches name of the process's SendGroup

__all__ = [
    "DEFAULT_NUMBER_LIMIT",
    "DEFAULT_NUMBER_PERIOD",
    "DEFAULT_TOTAL_PERIOD",
    "Accepted",
    "Scheduled",
    "SendOutcome",
    "SendRequest",
    "SmsOptions",
    "SmsService",
]


class SmsService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def send(
        self,
        principal: Principal,
        requests: list[SendRequest],
        *,
        max_numbers: int,
        within: Callable[[AsyncConnection, SendOutcome], Awaitable[None]] | None = None,
    ) -> SendOutcome:
        """Validate, price, limit, then charge and queue in one transaction. ``within`` runs inside that
        transaction once the messages are stored (e.g. to store an OTP verification atomically with its SMS).

        A send of a few numbers without ``within`` joins the process's group commit (services/send_group.py):
        concurrent sends share one transaction, each answered once that transaction has committed."""
        assert principal.app is not None
        opts = SmsOptions.of(principal.app.options)
        groups = self._groups(requests, opts, max_numbers)
        await self._check_content(principal, opts, groups)
        prices = await self.s.cached(
            "rates",
            (principal.account.id, principal.account.currency),
            lambda: self._price_list(principal.account.id, principal.account.currency),
        )
        candidates, abnormal, unpriced = self._price(groups, prices)
        if not candidates:
            raise sms_error(-9 if abnormal and not unpriced else -19)
        if within is None and not opts.unique_order_ids and len(candidates) <= GROUP_MAX_NUMBERS:
            job = SendJob(principal, opts, candidates, abnormal + unpriced)
            return await self._send_group().submit(job)
        return await self.commit_alone(principal, opts, candidates, abnormal + unpriced, within)

    async def commit_alone(
        self,
        principal: Principal,
        opts: SmsOptions,
        candidates: list[Candidate],
        failed: int,
        within: Callable[[AsyncConnection, SendOutcome], Awaitable[None]] | None = None,
    ) -> SendOutcome:
        """Limit, charge and queue ``candidates`` in a transaction of their own."""
        reservation = Reservation()
        try:
            async with self.s.db.write() as conn:
                outcome = await self._commit(conn, principal, opts, candidates, failed, reservation)
                if within is not None:
                    await within(conn, outcome)
                return outcome
        except BaseException:
            await self.s.send_limits.release(reservation)
            raise

    def _send_group(self) -> SendGroup:
        group: SendGroup | None = self.s.caches.get(SEND_GROUP)
        if group is None:
            group = self.s.caches[SEND_GROUP] = SendGroup(self.s, rows=self.rows_for, alone=self._alone)
        return group

    async def _alone(self, job: SendJob) -> SendOutcome:
        return await self.commit_alone(job.principal, job.opts, job.candidates, job.failed)

    def _groups(self, requests: list[SendRequest], opts: SmsOptions, max_numbers: int) -> list[Group]:
        now = self.s.clock.now()
        groups = [
            check_group(
                content=r.content,
                numbers=r.numbers,
                sender_id=r.sender_id,
                order_ids=r.order_ids,
                send_time=r.send_time,
                now=now,
                max_numbers=max_numbers,
                strict_numbers=opts.strict_numbers,
            )
            for r in requests
        ]
        check_count(groups, max_numbers)
        return groups

    async def _check_content(self, principal: Principal, opts: SmsOptions, groups: list[Group]) -> None:
        """Sensitive words (-3), then approved templates (-17, -6). The words come from a per-process cache, so
        a send whose app needs no templates opens no read connection (a checkout and its rollback are two
        hops to a reader thread on SQLite)."""
        assert principal.app is not None
        matcher = await self._matcher(principal.account.id)
        for group in groups:
            if matcher.first_match(group.content):
                raise sms_error(-3)
        if opts.templates_required:
            async with self.s.db.read() as conn:
                templates = await catalog.app_templates(conn, principal.app.app_id)
            approved = [t.content for t in templates if t.approved]
            if not approved:
                raise sms_error(-17)
            if not all(matches_any(g.content, approved) for g in groups):
                raise sms_error(-6)

    async def _matcher(self, account_id: int) -> WordMatcher:
        async def load() -> WordMatcher:
            async with self.s.db.read() as conn:
                return WordMatcher(await catalog.words_for(conn, account_id))

        return await self.s.cached("words", account_id, load)

    async def _price_list(self, account_id: int, currency: str) -> PriceList:
        async with self.s.db.read() as conn:
            rates = await catalog.load_rates(conn, Product.SMS.value, account_id)
        return PriceList(rates, account_id=account_id, currency=currency)

    @staticmethod
    def _price(groups: list[Group], prices: PriceList) -> tuple[list[Candidate], int, int]:
        candidates: list[Candidate] = []
        abnormal = unpriced = index = 0
        for group in groups:
            for entry in group.entries:
                index += 1
                if entry.number is None:
                    abnormal += 1
                    continue
                rate = prices.rate_for(entry.number.country, entry.number.digits)
                if rate is None:
                    unpriced += 1
                    continue
                candidates.append(
                    Candidate(group, entry.number.digits, entry.number.country, entry.order_id, rate.price, index)
                )
        return candidates, abnormal, unpriced

    async def _commit(
        self,
        conn: AsyncConnection,
        principal: Principal,
        opts: SmsOptions,
        candidates: list[Candidate],
        failed: int,
        reservation: Reservation,
    ) -> SendOutcome:
        assert principal.app is not None
        app, account = principal.app, principal.account
        now = self.s.clock.now()
        limits = self.s.send_limits
        repeats: dict[int, Accepted] = {}
        if opts.unique_order_ids:
            candidates, repeats = await self._repeated_orders(conn, app.app_id, candidates)
        if opts.total_limit and candidates:
            if not await limits.within_total(
                conn, account.id, len(candidates), opts.total_limit, opts.total_period, now, reservation
            ):
                raise sms_error(-27)
        if opts.number_limit and candidates:
            allowed = await limits.within_number(
                conn,
                account.id,
                [c.number for c in candidates],
                opts.number_limit,
                opts.number_period,
                now,
                reservation,
            )
            failed += allowed.count(False)
            candidates = [c for c, ok in zip(candidates, allowed, strict=True) if ok]
            if not candidates and not repeats:
                raise sms_error(-28)
        rows = self.rows_for(principal, candidates)
        total = sum(r["cost"] for r in rows)
        if rows:
            # The rows go in before the debit: the debit locks the account row until the commit, so every other
            # send of the account waits for whatever this transaction does after it (a 1000-row insert took most
            # of that time). The rows are stored as paid from the balance; the part the gift bucket paid, known
            # once the debit has run, is written to them afterwards (only for accounts with a gift).
            await messages.insert_messages(conn, rows)
            reference = f"sms {rows[0]['msg_id']} x{len(rows)}"
            from_gift = await tenants.debit(conn, account_id=account.id, cost=total, reference=reference, now=now)
            if from_gift is None:
                raise sms_error(-10)
            await messages.set_paid_gift(conn, gift_shares(rows, from_gift))
            if opts.unique_order_ids:
                await messages.insert_order_ids(
                    conn,
                    [
                        {"app_id": app.app_id, "order_id": r["order_id"], "msg_id": r["msg_id"], "number": r["number"]}
                        for r in rows
                        if r["order_id"] is not None
                    ],
                )
        fresh = {
            c.index: Accepted(r["msg_id"], r["number"], r["order_id"]) for c, r in zip(candidates, rows, strict=True)
        }
        failed += _resolve_repeats_within_request(fresh, repeats)
        ordered = [accepted for _, accepted in sorted({**fresh, **repeats}.items())]
        return SendOutcome(accepted=ordered, failed=failed)

    def rows_for(self, principal: Principal, candidates: list[Candidate]) -> list[dict[str, Any]]:
        assert principal.app is not None
        now = self.s.clock.now()
        rows = []
        for c in candidates:
            scheduled = c.group.send_at is not None
            rows.append(
                {
                    "msg_id": self.s.msg_ids.next(),
                    "account_id": principal.account.id,
                    "app_id": principal.app.app_id,
                    "number": c.number,
                    "country": c.country,
                    "content": c.group.content,
                    "sender_id": c.group.sender_id,
                    "order_id": c.order_id,
                    "encoding": c.group.analysis.encoding,
                    "segments": c.group.analysis.segments,
                    "price": c.price,
                    "cost": c.price * c.group.analysis.segments,
                    "paid_gift": 0,
                    "currency": principal.account.currency,
                    "status": messages.SCHEDULED if scheduled else messages.QUEUED,
                    "send_at": c.group.send_at,
                    "due_at": c.group.send_at or now,
                    "created_at": now,
                }
            )
        return rows

    @staticmethod
    async def _repeated_orders(
        conn: AsyncConnection, app_id: str, candidates: list[Candidate]
    ) -> tuple[list[Candidate], dict[int, Accepted]]:
        """With unique orderIds, an orderId seen before answers with its first msgId and is not sent again."""
        seen = await messages.existing_order_ids(conn, app_id, [c.order_id for c in candidates if c.order_id])
        fresh: list[Candidate] = []
        repeats: dict[int, Accepted] = {}
        first_in_request: dict[str, Candidate] = {}
        for c in candidates:
            if c.order_id is None:
                fresh.append(c)
            elif c.order_id in seen:
                msg_id, number = seen[c.order_id]
                repeats[c.index] = Accepted(msg_id, number, c.order_id)
            elif c.order_id in first_in_request:
                repeats[c.index] = Accepted("", c.number, c.order_id)  # filled in once msgIds are minted
            else:
                first_in_request[c.order_id] = c
                fresh.append(c)
        return fresh, repeats


def _resolve_repeats_within_request(fresh: dict[int, Accepted], repeats: dict[int, Accepted]) -> int:
    """An orderId given twice in one request answers with its first occurrence's msgId; returns how many
    repeats failed because their first occurrence was not accepted either."""
    by_order = {a.order_id: a.msg_id for a in fresh.values() if a.order_id is not None}
    failed = 0
    for index, repeat in list(repeats.items()):
        if repeat.msg_id:
            continue
        first = by_order.get(repeat.order_id or "")
        if first is None:
            del repeats[index]
            failed += 1
        else:
            repeats[index] = Accepted(first, repeat.number, repeat.order_id)
    return failed


class Scheduled:
    """Scheduled messages: list them, cancel them (refunded), and promote them when their time comes."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def scheduled(self, account_id: int | None = None) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return await messages.list_scheduled(conn, account_id)

    async def cancel(self, msg_ids: list[str]) -> list[str]:
        """Cancel still-scheduled messages and refund each to the buckets it was paid from."""
        now = self.s.clock.now()
        async with self.s.db.write() as conn:
            cancelled = await messages.cancel_scheduled(conn, msg_ids, now)
            for row in cancelled:
                await tenants.move_money(
                    conn,
                    account_id=row["account_id"],
                    kind="refund",
                    balance_delta=row["cost"] - row["paid_gift"],
                    gift_delta=row["paid_gift"],
                    reference=f"cancel {row['msg_id']}",
                    now=now,
                )
        return [row["msg_id"] for row in cancelled]

    async def promote_due(self, batch: int = 5000) -> int:
        """Queue every due scheduled message, ``batch`` per short transaction (a campaign of many thousands
        due at once must not hold the writer in one statement)."""
        promoted = 0
        while True:
            async with self.s.db.write() as conn:
                moved = await messages.promote_due(conn, self.s.clock.now(), batch)
            promoted += moved
            if moved < batch:
                return promoted
            await asyncio.sleep(0)
