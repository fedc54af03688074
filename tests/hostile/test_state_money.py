"""Money at its limits: amounts are plain ASCII decimals within a trillion units, balances stay inside the
store's 64-bit integers, and the ledger keeps summing to the balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from switchboard.errors import OperatorError
from switchboard.money import MAX_AMOUNT, UNIT, MoneyError, format_amount, parse_amount
from switchboard.services.context import Services
from switchboard.services.tenancy import Tenancy
from switchboard.store.tables import ledger
from tests.console.conftest import Session


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("1_000", id="underscore"),
        pytest.param("٣", id="arabic-indic-digit"),
        pytest.param("１２", id="fullwidth-digits"),
        pytest.param(" 5", id="padded-left"),
        pytest.param("5 ", id="padded-right"),
        pytest.param("1e3", id="exponent"),
        pytest.param("+5", id="plus"),
        pytest.param("99999999999999999999", id="20-digits"),
        pytest.param("1000000000000.000001", id="just-over"),
        pytest.param("9" * 5000, id="5000-digits"),
    ],
)
def test_amounts_are_parsed_strictly(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_the_largest_amount_is_accepted_and_fits_the_store() -> None:
    assert parse_amount("1000000000000") == MAX_AMOUNT == 10**12 * UNIT
    assert 2 * MAX_AMOUNT < 2**63


@given(st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT))
def test_every_amount_in_range_round_trips(micros: int) -> None:
    assert parse_amount(format_amount(micros)) == micros


async def test_a_top_up_past_the_largest_balance_is_refused_and_the_ledger_still_sums(services: Services) -> None:
    tenancy = Tenancy(services)
    new = await tenancy.create_account(name="rich", balance="999999999999", currency="USD")
    account_id = new.account.id
    with pytest.raises(OperatorError, match="largest amount"):
        await tenancy.topup(account_id, "99999999999999999999")
    with pytest.raises(OperatorError, match="largest"):
        await tenancy.topup(account_id, "2")
    await tenancy.topup(account_id, "1")
    account = await tenancy.account(account_id)
    async with services.db.read() as conn:
        total = (await conn.execute(sa.select(sa.func.sum(ledger.c.balance_delta)))).scalar_one()
    assert int(total) == account.balance == MAX_AMOUNT
    assert Decimal(format_amount(account.balance)) == Decimal(10**12)


async def test_the_admin_api_refuses_a_20_digit_amount_with_422(admin: Session) -> None:
    http, h = admin.client, admin.headers
    created = await http.post("/admin/api/accounts", json={"name": "x", "balance": "1"}, headers=h)
    account = created.json()["account"]["accountId"]
    for amount in ("99999999999999999999", "1_000", "٣"):
        answer = await http.post(f"/admin/api/accounts/{account}/topup", json={"amount": amount}, headers=h)
        assert answer.status_code == 422, (amount, answer.text)
