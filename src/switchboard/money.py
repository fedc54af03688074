"""Money is exact: amounts are integers of micro-units (10**-6 of the currency unit).

Six decimals is what the wire shows (``"99.990000"``) and is fine enough for per-message rates such as
0.0123. Decimal is used only to parse and print; arithmetic is on integers.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SCALE = 6
UNIT = 10**SCALE
# The largest amount and balance: a trillion units, in micro-units 10**18, inside the store's signed 64-bit
# integers (about 9.2 * 10**18) with room for a sum of two.
MAX_AMOUNT = 10**12 * UNIT
_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)  # plain ASCII decimals: no "1_000", "1e3", " 5", "٥"


class MoneyError(ValueError):
    """An amount that is not a finite decimal with at most six places."""


def parse_amount(value: str | int | Decimal) -> int:
    """Decimal text (ASCII digits, an optional minus and decimal point, nothing else) to micro-units, refusing
    more than six decimal places and amounts beyond :data:`MAX_AMOUNT`."""
    if isinstance(value, bool) or (isinstance(value, str) and not _TEXT.fullmatch(value)):
        raise MoneyError(f"not an amount: {value!r}")
    try:
        amount = Decimal(value) if isinstance(value, int | Decimal) else Decimal(value[:64])
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    if abs(amount) > MAX_AMOUNT // UNIT:
        raise MoneyError(f"over the largest amount ({MAX_AMOUNT // UNIT:,}): {str(value)[:40]!r}")
    micros = amount * UNIT
    if micros != micros.to_integral_value():
        raise MoneyError(f"at most {SCALE} decimal places: {value!r}")
    return int(micros)


def format_amount(micros: int) -> str:
    """Micro-units to the wire form with six decimals, e.g. ``99990000 -> "99.990000"``."""
    return str((Decimal(micros) / UNIT).quantize(Decimal(1).scaleb(-SCALE), rounding=ROUND_HALF_UP))
