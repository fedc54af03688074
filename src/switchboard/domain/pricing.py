"""Choosing the price of a destination.

Rates are kept per product, globally or for one account, for a country (ISO alpha-2, or ``*`` for every
country) and optionally a number prefix (e.g. ``9198`` for a carrier's range). For one number the most
specific rate wins, in this order:

1. the account's own rates before the global price list;
2. within each, the longest matching prefix, then the exact country, then ``*``.

Only rates in the account's currency count; with none, the destination has no price (SMS -19).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WILDCARD = "*"


@dataclass(frozen=True)
class Rate:
    country: str
    prefix: str
    account_id: int | None
    price: int  # micro-units per segment (SMS) or per billing block (voice)
    currency: str


class PriceList:
    """The rates that can apply to one account, indexed for quick lookups of many numbers."""

    def __init__(self, rates: Iterable[Rate], *, account_id: int, currency: str) -> None:
        usable = [r for r in rates if r.currency == currency and r.account_id in (None, account_id)]
        self._tiers = [
            sorted((r for r in usable if r.account_id == account_id), key=_specificity, reverse=True),
            sorted((r for r in usable if r.account_id is None), key=_specificity, reverse=True),
        ]

    def rate_for(self, country: str, number: str) -> Rate | None:
        for tier in self._tiers:
            for rate in tier:
                if rate.country not in (country, WILDCARD):
                    continue
                if rate.prefix and not number.startswith(rate.prefix):
                    continue
                return rate
        return None


def _specificity(rate: Rate) -> tuple[int, int]:
    return (len(rate.prefix), 0 if rate.country == WILDCARD else 1)
