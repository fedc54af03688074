"""Money is exact: amounts are integers of micro-units (10**-6 of the currency unit).

Six decimals is what the wire shows (``"99.990000"``) and is fine enough for per-message rates such as
0.0123. Decimal is used only to parse and print; arithmetic is on integers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SCALE = 6
UNIT = 10**SCALE


class MoneyError(ValueError):
    """An amount that is not a finite decimal with at most six places."""


def parse_amount(value: str | int | Decimal) -> int:
    """Decimal text to micro-units, refusing more than six decimal places."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    micros = amount * UNIT
    if micros != micros.to_integral_value():
        raise MoneyError(f"at most {SCALE} decimal places: {value!r}")
    return int(micros)


def format_amount(micros: int) -> str:
    """Micro-units to the wire form with six decimals, e.g. ``99990000 -> "99.990000"``."""
    return str((Decimal(micros) / UNIT).quantize(Decimal(1).scaleb(-SCALE), rounding=ROUND_HALF_UP))
