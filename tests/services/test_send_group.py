"""Group commit of small sends (services/send_group.py), on SQLite and PostgreSQL: concurrent sends share a
transaction, each refused send changes nothing, and a failed group never refuses or charges wrongly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard.auth.authenticate import Principal
from switchboard.errors import ApiError
from switchboard.money import parse_amount
from switchboard.services.catalog import Catalog, RateInput
from switchboard.services.context import Services
from switchboard.services.sms import SendOutcome, SendRequest, SmsService
from switchboard.services.tenancy import NewAccount, Tenancy
from switchboard.store import messages as message_store
from switchboard.store import tenants
from switchboard.store.tables import ledger, messages

PRICE = "0.01"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
async def priced(services: Services) -> None:
    await Catalog(services).set_rates([RateInput("sms", "*", PRICE)])


async def funded(services: Services, name: str, balance: str, **options: Any) -> NewAccount:
    new = await Tenancy(services).create_account(name=name, balance=balance, currency="USD")
    await Tenancy(services).update_app(new.apps["sms"], options={"number_limit": 0, **options})
    return new


async def principal_of(services: Services, new: NewAccount) -> Principal:
    async with services.db.read() as conn:
        found = await tenants.get_key_with_account(conn, new.api_key)
        app = await tenants.get_app(conn, new.apps["sms"])
    assert found is not None
    return Principal(key=found[0], account=found[1], app=app)


def number(i: int) -> str:
    return f"9198765{i:05d}"


async def send_all(services: Services, sends: list[tuple[Principal, str]]) -> list[SendOutcome | BaseException]:
    """Every send at once, as concurrent requests of one process."""
    service = SmsService(services)
    return await asyncio.gather(
        *(service.send(p, [SendRequest(content="code 1234", numbers=n)], max_numbers=1000) for p, n in sends),
        return_exceptions=True,
    )


async def books(services: Services, account_id: int) -> dict[str, Any]:
    """The account's buckets, its ledger totals and rows, and its stored messages."""
    async with services.db.read() as conn:
        account = await tenants.get_account(conn, account_id)
        assert account is not None
        ledger_balance, ledger_gift = await tenants.ledger_totals(conn, account_id)
        stored = [
            dict(r._mapping)
            for r in await conn.execute(
                sa.select(messages).where(messages.c.account_id == account_id).order_by(messages.c.id)
            )
        ]
        debits = (
            await conn.execute(
                sa.select(sa.func.count()).where(ledger.c.account_id == account_id, ledger.c.kind == "debit")
            )
        ).scalar_one()
    return {
        "balance": account.balance,
        "gift": account.gift,
        "ledger": (ledger_balance, ledger_gift),
        "messages": stored,
        "debits": debits,
    }


def count_transactions(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the write transactions opened from now on."""
    opened = [0]
    write = services.db.write

    @asynccontextmanager
    async def counting() -> AsyncIterator[AsyncConnection]:
        opened[0] += 1
        async with write() as conn:
            yield conn

    monkeypatch.setattr(services.db, "write", counting)
    return opened


def refused(results: list[SendOutcome | BaseException], code: int) -> int:
    return sum(1 for r in results if isinstance(r, ApiError) and r.code == code)


async def test_concurrent_sends_share_transactions_and_charge_only_what_the_balance_covers(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 sends at once from an account that pays for 5: exactly 5 are accepted, each with its own msgId,
    message and ledger row; the 7 refused (-10) store nothing; the balance is exactly zero and equals the
    ledger; the 12 requests took fewer than 12 transactions."""
    new = await funded(services, "acme", "0.05")
    principal = await principal_of(services, new)
    opened = count_transactions(services, monkeypatch)
    results = await send_all(services, [(principal, number(i)) for i in range(12)])
    accepted = [r for r in results if isinstance(r, SendOutcome)]
    assert len(accepted) == 5
    assert refused(results, -10) == 7
    assert opened[0] < 12
    after = await books(services, new.account.id)
    assert after["balance"] == 0
    assert after["ledger"] == (0, 0)
    assert after["debits"] == 5
    ids = [a.msg_id for outcome in accepted for a in outcome.accepted]
    assert len(set(ids)) == 5
    assert sorted(m["msg_id"] for m in after["messages"]) == sorted(ids)
    assert all(m["cost"] == parse_amount(PRICE) for m in after["messages"])


async def test_gift_pays_first_across_a_group(services: Services) -> None:
    """With a gift of 3 messages and a balance of 2, five sends at once take the gift first: every message
    records the part the gift paid, and both buckets end at zero, as the ledger says."""
    new = await funded(services, "gifted", "0.02")
    await Tenancy(services).topup(new.account.id, "0.03", gift=True)
    principal = await principal_of(services, new)
    results = await send_all(services, [(principal, number(i)) for i in range(6)])
    assert sum(isinstance(r, SendOutcome) for r in results) == 5
    assert refused(results, -10) == 1
    after = await books(services, new.account.id)
    assert (after["balance"], after["gift"]) == (0, 0)
    assert after["ledger"] == (0, 0)
    assert sum(m["paid_gift"] for m in after["messages"]) == 3 * parse_amount(PRICE)


async def test_a_send_refused_for_its_own_reason_leaves_the_others_alone(services: Services) -> None:
    """In one group: an account without money (-10) and an account over its period limit (-27) are refused
    and store nothing, while a funded account's sends are all accepted and charged once each."""
    rich = await funded(services, "rich", "1")
    poor = await funded(services, "poor", "0")
    capped = await funded(services, "capped", "1", total_limit=1)
    p_rich, p_poor, p_capped = [await principal_of(services, n) for n in (rich, poor, capped)]
    sends = [(p_rich, number(1)), (p_poor, number(2)), (p_capped, number(3)), (p_rich, number(4))]
    sends += [(p_capped, number(5)), (p_rich, number(6))]
    results = await send_all(services, sends)
    assert all(isinstance(results[i], SendOutcome) for i in (0, 3, 5))
    assert isinstance(results[1], ApiError) and results[1].code == -10
    assert sorted(type(results[i]).__name__ for i in (2, 4)) == ["ApiError", "SendOutcome"]
    assert refused(results, -27) == 1
    rich_books = await books(services, rich.account.id)
    assert rich_books["balance"] == parse_amount("1") - 3 * parse_amount(PRICE)
    assert rich_books["debits"] == 3
    poor_books = await books(services, poor.account.id)
    assert (poor_books["balance"], poor_books["messages"], poor_books["debits"]) == (0, [], 0)
    capped_books = await books(services, capped.account.id)
    assert len(capped_books["messages"]) == 1
    assert capped_books["balance"] == parse_amount("1") - parse_amount(PRICE)
    for new in (rich, poor, capped):
        account_books = await books(services, new.account.id)
        assert account_books["ledger"] == (account_books["balance"], account_books["gift"])


async def test_number_limit_counts_the_groups_own_rows(services: Services) -> None:
    """Five sends at once to one number with a limit of 2 per number: 2 accepted, 3 refused (-28)."""
    new = await funded(services, "pumped", "1", number_limit=2)
    principal = await principal_of(services, new)
    results = await send_all(services, [(principal, number(7))] * 5)
    assert sum(isinstance(r, SendOutcome) for r in results) == 2
    assert refused(results, -28) == 3
    assert len((await books(services, new.account.id))["messages"]) == 2


def failing_for(bad: str, original: Callable[..., Any]) -> Callable[..., Any]:
    async def insert(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        if any(r["number"] == bad for r in rows):
            raise RuntimeError("the disk said no")
        await original(conn, rows)

    return insert


async def test_a_failed_group_falls_back_to_one_transaction_per_send(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement that fails inside the group's transaction (here the insert of one send's row) rolls the
    group back; every send is then tried alone: only the bad one fails, the others are accepted and charged
    exactly once, and nothing of the bad one is stored."""
    new = await funded(services, "acme", "1")
    principal = await principal_of(services, new)
    monkeypatch.setattr(message_store, "insert_messages", failing_for(number(3), message_store.insert_messages))
    results = await send_all(services, [(principal, number(i)) for i in range(6)])
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], RuntimeError)
    assert isinstance(results[3], RuntimeError)
    after = await books(services, new.account.id)
    assert sorted(m["number"] for m in after["messages"]) == sorted(number(i) for i in range(6) if i != 3)
    assert after["debits"] == 5
    assert after["balance"] == parse_amount("1") - 5 * parse_amount(PRICE)
    assert after["ledger"] == (after["balance"], 0)


async def test_a_group_whose_account_changed_under_it_falls_back(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the group's conditional balance update matches nothing, the group rolls back and each send runs
    alone against the real balance: no send is refused for the group's sake and none is charged twice."""
    new = await funded(services, "acme", "1")
    principal = await principal_of(services, new)
    original = tenants.debit_many
    calls = [0]

    async def refuse_once(conn: AsyncConnection, **kwargs: Any) -> bool:
        calls[0] += 1
        return False if calls[0] == 1 else await original(conn, **kwargs)

    monkeypatch.setattr(tenants, "debit_many", refuse_once)
    results = await send_all(services, [(principal, number(i)) for i in range(4)])
    assert all(isinstance(r, SendOutcome) for r in results)
    after = await books(services, new.account.id)
    assert len(after["messages"]) == 4
    assert after["debits"] == 4
    assert after["balance"] == parse_amount("1") - 4 * parse_amount(PRICE)


async def test_unique_order_ids_stay_idempotent(services: Services) -> None:
    """With unique orderIds (sends that keep their own transaction), the same orderId sent three times at
    once is stored and charged once and every answer names the same msgId."""
    new = await funded(services, "acme", "1", unique_order_ids=True)
    principal = await principal_of(services, new)
    service = SmsService(services)
    results = []
    for _ in range(3):  # one after another: concurrent first uses of one orderId race in the database
        results.append(
            await service.send(
                principal, [SendRequest(content="code", numbers=number(1), order_ids="order-1")], max_numbers=1000
            )
        )
    assert len({r.accepted[0].msg_id for r in results}) == 1
    after = await books(services, new.account.id)
    assert len(after["messages"]) == 1
    assert after["debits"] == 1


async def test_every_request_gets_its_own_msg_ids(services: Services) -> None:
    """Requests of several numbers in one group: each answer holds its own numbers in order, msgIds are
    distinct across the group, and each request wrote one ledger row."""
    new = await funded(services, "acme", "1")
    principal = await principal_of(services, new)
    service = SmsService(services)
    groups = [",".join(number(10 * g + i) for i in range(3)) for g in range(4)]
    results = await asyncio.gather(
        *(service.send(principal, [SendRequest(content="hi", numbers=n)], max_numbers=1000) for n in groups)
    )
    for outcome, numbers in zip(results, groups, strict=True):
        assert [a.number for a in outcome.accepted] == numbers.split(",")
    ids = [a.msg_id for outcome in results for a in outcome.accepted]
    assert len(set(ids)) == 12
    assert (await books(services, new.account.id))["debits"] == 4
