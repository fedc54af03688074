"""What a send is made of: the client's groups, the priced candidates, the outcome, the per-app options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from switchboard.domain.sms.validation import Group

DEFAULT_NUMBER_LIMIT = 50
DEFAULT_NUMBER_PERIOD = 3600
DEFAULT_TOTAL_PERIOD = 86400


def gift_shares(rows: list[dict[str, Any]], from_gift: int) -> dict[str, int]:
    """How much of each row's cost the gift bucket paid (msg_id -> amount, only rows it paid part of): the
    debit takes ``from_gift`` from the gift first, row by row in order."""
    shares: dict[str, int] = {}
    for row in rows:
        if from_gift <= 0:
            break
        share = min(row["cost"], from_gift)
        if share:
            row["paid_gift"] = share
            shares[row["msg_id"]] = share
        from_gift -= share
    return shares


@dataclass(frozen=True)
class SendRequest:
    """One send group as the client gave it (all fields optional text)."""

    content: str | None
    numbers: str | None
    sender_id: str | None = None
    order_ids: str | None = None
    send_time: str | None = None


@dataclass(frozen=True)
class Accepted:
    msg_id: str
    number: str
    order_id: str | None


@dataclass
class SendOutcome:
    accepted: list[Accepted]
    failed: int


@dataclass(frozen=True)
class SmsOptions:
    """Per-app SMS options (``switchboard app update APP --option name=value``)."""

    strict_numbers: bool = False
    templates_required: bool = False
    unique_order_ids: bool = False
    total_limit: int = 0  # -27: messages per period per account; 0 = off
    total_period: int = DEFAULT_TOTAL_PERIOD
    number_limit: int = DEFAULT_NUMBER_LIMIT  # -28: messages per period to one number; 0 = off
    number_period: int = DEFAULT_NUMBER_PERIOD

    @classmethod
    def of(cls, options: dict[str, Any]) -> SmsOptions:
        known = {k: options[k] for k in cls.__dataclass_fields__ if k in options}
        return cls(**known)


@dataclass
class Candidate:
    group: Group
    number: str
    country: str
    order_id: str | None
    price: int
    index: int  # position in the request, to answer in order
