"""Money moves only through conditional updates with a ledger row; the balance always equals the ledger."""

from __future__ import annotations

import asyncio

import pytest

from switchboard.errors import OperatorError
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store import tenants


async def test_the_balance_equals_the_ledger_after_topups_and_spending(services: Services) -> None:
    tenancy = Tenancy(services)
    new = await tenancy.create_account(name="a", balance="10.5", gift="2")
    await tenancy.topup(new.account.id, "0.000001")
    await tenancy.topup(new.account.id, "3", gift=True)
    async with services.db.write() as conn:
        assert await tenants.move_money(
            conn,
            account_id=new.account.id,
            kind="debit",
            balance_delta=-500_000,
            gift_delta=-1_000_000,
            reference="test",
            now=services.clock.now(),
        )
    account = await tenancy.account(new.account.id)
    assert (account.balance, account.gift) == (10_000_001, 4_000_000)
    async with services.db.read() as conn:
        assert await tenants.ledger_totals(conn, new.account.id) == (account.balance, account.gift)


async def test_a_debit_beyond_balance_and_credit_line_matches_no_row_and_writes_no_ledger(
    services: Services,
) -> None:
    tenancy = Tenancy(services)
    new = await tenancy.create_account(name="a", balance="1", credit="0.5")
    async with services.db.write() as conn:
        refused = await tenants.move_money(
            conn,
            account_id=new.account.id,
            kind="debit",
            balance_delta=-1_500_001,
            reference=None,
            now=services.clock.now(),
        )
        allowed = await tenants.move_money(
            conn,
            account_id=new.account.id,
            kind="debit",
            balance_delta=-1_500_000,
            reference=None,
            now=services.clock.now(),
        )
    assert (refused, allowed) == (False, True)
    account = await tenancy.account(new.account.id)
    assert account.balance == -500_000
    async with services.db.read() as conn:
        assert await tenants.ledger_totals(conn, new.account.id) == (-500_000, 0)


async def test_concurrent_debits_never_overdraw(services: Services) -> None:
    tenancy = Tenancy(services)
    new = await tenancy.create_account(name="a", balance="1")

    async def spend() -> bool:
        async with services.db.write() as conn:
            return await tenants.move_money(
                conn,
                account_id=new.account.id,
                kind="debit",
                balance_delta=-300_000,
                reference=None,
                now=services.clock.now(),
            )

    results = await asyncio.gather(*(spend() for _ in range(8)))
    assert results.count(True) == 3
    account = await tenancy.account(new.account.id)
    assert account.balance == 100_000
    async with services.db.read() as conn:
        assert await tenants.ledger_totals(conn, new.account.id) == (100_000, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "a", "currency": "dollars"}, "currency", id="bad-currency"),
        pytest.param({"name": "a", "balance": "-1"}, "balance", id="negative-balance"),
        pytest.param({"name": "a", "balance": "1.0000001"}, "decimal places", id="seven-decimals"),
        pytest.param({"name": "a", "allow_ips": ["300.1.1.1"]}, "CIDR", id="bad-ip"),
    ],
)
async def test_a_refused_account_writes_nothing(services: Services, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OperatorError, match=message):
        await Tenancy(services).create_account(**kwargs)  # type: ignore[arg-type]
    assert await Tenancy(services).accounts() == []


async def test_secrets_are_stored_encrypted(services: Services) -> None:
    new = await Tenancy(services).create_account(name="a")
    async with services.db.read() as conn:
        key = await tenants.get_key(conn, new.api_key)
    assert key is not None
    assert new.api_secret not in key.secret_enc
    assert services.secrets.open(key.secret_enc) == new.api_secret


async def test_times_come_back_as_utc_aware(services: Services) -> None:
    new = await Tenancy(services).create_account(name="a")
    assert new.account.created_at == services.clock.now()
    assert new.account.created_at.utcoffset() is not None
