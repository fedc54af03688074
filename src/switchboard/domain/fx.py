"""Quote and settlement currencies: an account is quoted (rates, balance, costs) in its own currency; the
platform settles in one currency (``SWITCHBOARD_SETTLE_CURRENCY``, USD by default). For an account quoted in
another currency, voice records and pushes add ``quoteExchange`` (settlement units per quote unit, as the
operator configured it in ``SWITCHBOARD_EXCHANGE_RATES`` when the call was accepted), ``settleRate`` (the
block rate) and ``settlePay`` (the charged cost) in the settlement currency. Money stays exact: the
conversion rounds half up to a micro-unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from switchboard.money import format_amount

CURRENCY = re.compile(r"^[A-Z]{3}$")
EXCHANGE = re.compile(r"^\d{1,9}(\.\d{1,10})?$")


def parse_rates(raw: str) -> dict[str, str]:
    """``"EUR=1.08,CNY=0.138"`` -> ``{"EUR": "1.08", "CNY": "0.138"}``; raises ValueError when malformed."""
    rates: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        code, _, value = item.partition("=")
        code, value = code.strip().upper(), value.strip()
        if not CURRENCY.match(code) or not EXCHANGE.match(value) or Decimal(value) <= 0:
            raise ValueError(f"exchange rate {item!r}: CODE=positive decimal expected")
        rates[code] = value
    return rates


def exchange_for(currency: str, settle_currency: str, rates: Mapping[str, str]) -> str | None:
    """The exchange to record for an account quoted in ``currency`` (None when it settles as quoted or the
    operator configured no rate for it)."""
    if currency == settle_currency:
        return None
    return rates.get(currency)


def convert(micros: int, exchange: str) -> int:
    try:
        factor = Decimal(exchange)
    except InvalidOperation as exc:
        raise ValueError(f"not an exchange rate: {exchange!r}") from exc
    return int((Decimal(micros) * factor).to_integral_value(rounding=ROUND_HALF_UP))


def settle_fields(*, price: int, cost: int, exchange: str | None) -> dict[str, str]:
    """``settleRate``, ``quoteExchange``, ``settlePay``: empty when the account is quoted in the settlement
    currency (the contract fills them only for other quote currencies) or no rate was configured."""
    if exchange is None:
        return {"settleRate": "", "quoteExchange": "", "settlePay": ""}
    return {
        "settleRate": format_amount(convert(price, exchange)),
        "quoteExchange": exchange,
        "settlePay": format_amount(convert(cost, exchange)),
    }
