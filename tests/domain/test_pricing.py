"""The most specific rate wins: account before global, prefix before country before '*'; same currency only."""

from __future__ import annotations

import pytest

from switchboard.domain.pricing import PriceList, Rate

RATES = [
    Rate("*", "", None, 100, "USD"),
    Rate("IN", "", None, 200, "USD"),
    Rate("IN", "9198", None, 300, "USD"),
    Rate("*", "", 7, 50, "USD"),
    Rate("CN", "", 7, 60, "USD"),
    Rate("GB", "", None, 999, "EUR"),
]


@pytest.mark.parametrize(
    ("account", "country", "number", "price"),
    [
        pytest.param(1, "IN", "919876543210", 300, id="global-prefix"),
        pytest.param(1, "IN", "917000000000", 200, id="global-country"),
        pytest.param(1, "FR", "33612345678", 100, id="global-wildcard"),
        pytest.param(7, "CN", "8613800138000", 60, id="account-country"),
        pytest.param(7, "IN", "919876543210", 50, id="account-wildcard-beats-global-prefix"),
        pytest.param(1, "GB", "447700900123", 100, id="other-currency-ignored"),
    ],
)
def test_rate_choice(account: int, country: str, number: str, price: int) -> None:
    rate = PriceList(RATES, account_id=account, currency="USD").rate_for(country, number)
    assert rate is not None and rate.price == price


def test_no_rate_in_the_accounts_currency_means_no_price() -> None:
    assert PriceList(RATES, account_id=1, currency="GBP").rate_for("IN", "919876543210") is None
