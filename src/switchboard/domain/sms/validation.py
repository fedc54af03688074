"""Validation of a send request, one group (content + numbers) at a time. Pure: no I/O.

Whole-request failures raise ApiError with the SMS code; a number that is abnormal only counts in
``fail`` (unless every number is abnormal, then the request gets -9). See docs/sms.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from switchboard.domain.numbers import Number, classify, split_numbers
from switchboard.domain.sms.encoding import Analysis, analyse, utf16_length
from switchboard.errors import ApiError, Product

MAX_CONTENT = 1024  # characters, counted in UTF-16 code units as the platform's Java clients count them
MAX_SENDER_ID = 32
MAX_ORDER_ID = 64
GET_MAX_NUMBERS = 100
POST_MAX_NUMBERS = 1000
SCHEDULE_HORIZON = timedelta(days=35)
SCHEDULE_GRACE = timedelta(minutes=5)  # a sendTime this far in the past still means "now"

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")
OFFSET_AS_SPACE = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
ORDER_ID = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces


def sms_error(code: int, detail: str | None = None) -> ApiError:
    return ApiError(Product.SMS, code, detail)


@dataclass(frozen=True)
class Entry:
    """One number of a group, as given, with what it became."""

    raw: str
    number: Number | None  # None: abnormal
    order_id: str | None


@dataclass(frozen=True)
class Group:
    content: str
    analysis: Analysis
    sender_id: str | None
    send_at: datetime | None  # None: send now
    entries: list[Entry]


def parse_time(value: str) -> datetime:
    """ISO-8601 with an offset (``Z`` allowed). A raw ``+`` that form decoding turned into a space is put back."""
    text = value.strip()
    text = OFFSET_AS_SPACE.sub(r"\1+\2", text)
    if not ISO_WITH_OFFSET.match(text):
        raise ValueError(f"not ISO-8601 with an offset: {value!r}")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"no offset: {value!r}")
    return parsed


def check_content(content: str | None) -> tuple[str, Analysis]:
    if content is None or not content.strip():
        raise sms_error(-4)
    if utf16_length(content) > MAX_CONTENT:
        raise sms_error(-5, f"over {MAX_CONTENT} characters")
    return content, analyse(content)


def check_send_time(send_time: str | None, now: datetime) -> datetime | None:
    if send_time is None:
        return None
    try:
        when = parse_time(send_time)
    except ValueError as exc:
        raise sms_error(-11, str(exc)) from exc
    if when < now - SCHEDULE_GRACE or when > now + SCHEDULE_HORIZON:
        raise sms_error(-11, "sendTime must be within the next 35 days")
    return when if when > now else None


def check_group(
    *,
    content: str | None,
    numbers: str | None,
    sender_id: str | None,
    order_ids: str | None,
    send_time: str | None,
    now: datetime,
    max_numbers: int = POST_MAX_NUMBERS,
    strict_numbers: bool = False,
) -> Group:
    """One send group. Numbers are classified; the caller checks the total count against its limit."""
    text, analysis = check_content(content)
    raw_numbers = split_numbers(numbers or "")
    if not raw_numbers:
        raise sms_error(-8)
    if len(raw_numbers) > max_numbers:
        raise sms_error(-7, f"more than {max_numbers} numbers")
    if sender_id is not None and len(sender_id) > MAX_SENDER_ID:
        raise sms_error(-22, f"senderId over {MAX_SENDER_ID} characters")
    orders: list[str | None] = [None] * len(raw_numbers)
    if order_ids is not None:
        given = [item.strip() for item in order_ids.split(",")]
        if len(given) != len(raw_numbers):
            raise sms_error(-22, "orderId count differs from the numbers count")
        if any(not ORDER_ID.match(o) or len(o) > MAX_ORDER_ID for o in given):
            raise sms_error(-22, f"each orderId is 1 to {MAX_ORDER_ID} printable characters")
        orders = list(given)
    send_at = check_send_time(send_time, now)
    entries = [
        Entry(raw=raw, number=classify(raw, strict=strict_numbers), order_id=order)
        for raw, order in zip(raw_numbers, orders, strict=True)
    ]
    return Group(content=text, analysis=analysis, sender_id=sender_id, send_at=send_at, entries=entries)


def check_count(groups: list[Group], limit: int) -> None:
    if sum(len(g.entries) for g in groups) > limit:
        raise sms_error(-7, f"more than {limit} numbers")
