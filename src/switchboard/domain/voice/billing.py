"""Voice billing: blocks of a fixed length, money reserved up front, and the settlement of a call.

- The voice rate of a destination is the price of one block of ``block`` seconds (default 60; the app
  option ``bill_block`` changes it). ``billPeriod`` shows it as ``"60+60"``.
- An answered call is charged ``ceil(duration / block)`` blocks, at least one; ``chargedDuration`` is
  ``blocks * block``. An unanswered call costs nothing.
- The duration of an answered call is counted in whole seconds, rounded up, from the answer to our BYE
  (or the callee's), and never more than the call's limit: the time at which we hang up at the latest.
- At acceptance the price of a call of the full limit is reserved (debited); at the end the difference
  is refunded, so the balance never pays more than the exact charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_BLOCK = 60
HANGUP_GRACE = 1  # seconds between the end of the playback and our BYE


def call_limit(audio_ms: int, loops: int, max_duration: int | None) -> int:
    """The longest an answered call lasts, in seconds: the playback (plus the grace) or maxDuration."""
    playback = math.ceil(audio_ms * max(1, loops) / 1000) + HANGUP_GRACE
    return min(playback, max_duration) if max_duration else playback


def blocks(seconds: int, block: int) -> int:
    """Blocks charged for an answered call of ``seconds``: at least one."""
    if block <= 0:
        raise ValueError("a billing block is at least one second")
    return max(1, math.ceil(seconds / block))


@dataclass(frozen=True)
class Charge:
    seconds: int  # chargedDuration
    cost: int  # micro-units


def charge(seconds: int, *, block: int, price: int, answered: bool = True) -> Charge:
    if not answered:
        return Charge(0, 0)
    count = blocks(seconds, block)
    return Charge(count * block, count * price)


def reservation(limit_seconds: int, *, block: int, price: int) -> int:
    return charge(limit_seconds, block=block, price=price).cost


def bill_period(block: int) -> str:
    return f"{block}+{block}"


def duration(answered_at: float | None, ended_at: float | None, limit: int) -> int:
    """Whole seconds from answer to hang-up, rounded up, capped at the call's limit (0 if never answered)."""
    if answered_at is None or ended_at is None:
        return 0
    return min(limit, max(0, math.ceil(round(ended_at - answered_at, 3))))


@dataclass(frozen=True)
class Settlement:
    """How a reservation ends: what the call cost, and what goes back to each bucket."""

    cost: int
    refund_gift: int
    refund_balance: int


def settle(*, reserved: int, paid_gift: int, cost: int) -> Settlement:
    """Spend the gift part of the reservation first (as the debit did), refund the rest."""
    if cost > reserved:
        raise ValueError("a call cannot cost more than its reservation")
    gift_spent = min(paid_gift, cost)
    balance_spent = cost - gift_spent
    return Settlement(cost, paid_gift - gift_spent, (reserved - paid_gift) - balance_spent)
