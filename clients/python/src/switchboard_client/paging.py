"""Paged queries as chains of operations: each page is an operation whose result carries the operation that
fetches the next page (or ``None`` after the last). The clients only loop over them.

* ``getSentRcd`` pages by offset: ``startIndex`` 0, 50 000, 100 000 ... (at most 50 000 rows per call);
  a short page is the last one. The server lists final messages in the order they became final, so a
  message that turns final while you page comes after the rows already seen: no page shifts.
* ``recordMo`` pages by number: ``current`` 1..``pages``, ``size`` 1..100 rows each.

``recordMo`` pages by position over a changing table: a message that arrives while you page through a window
that includes "now" can shift rows between pages. Page over windows that are already over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from switchboard_client.errors import Product
from switchboard_client.models import MoPage, MoRecord, SentRecord
from switchboard_client.operations import Operation
from switchboard_client.protocol import Call
from switchboard_client.times import TimeArg, format_time

T = TypeVar("T")

SENT_RECORDS_PAGE = 50_000
MAX_MO_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next: Operation[Page[T]] | None


def sent_records(app_id: str, start: TimeArg, end: TimeArg) -> Operation[Page[SentRecord]]:
    return _sent_page(app_id, format_time(start, "start"), format_time(end, "end"), 0)


def _sent_page(app_id: str, start: str, end: str, index: int) -> Operation[Page[SentRecord]]:
    query = {"appId": app_id, "startTime": start, "endTime": end, "startIndex": str(index)}
    answer = yield Call(Product.SMS, "GET", "/v3/getSentRcd", query=query, idempotent=True)
    array = answer.get("array")
    items = [SentRecord.from_wire(item) for item in array if isinstance(item, dict)] if isinstance(array, list) else []
    full = len(items) >= SENT_RECORDS_PAGE
    return Page(items, _sent_page(app_id, start, end, index + len(items)) if full else None)


def mo_records(app_id: str, start: TimeArg, end: TimeArg, page_size: int = 100) -> Operation[Page[MoRecord]]:
    if not 1 <= page_size <= MAX_MO_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_MO_PAGE_SIZE}, got {page_size}")
    return _mo_page(app_id, format_time(start, "start"), format_time(end, "end"), 1, page_size)


def _mo_page(app_id: str, start: str, end: str, current: int, size: int) -> Operation[Page[MoRecord]]:
    body = {"appId": app_id, "current": current, "size": size, "params": {"strTime": start, "endTime": end}}
    answer = yield Call(Product.SMS, "POST", "/v3/recordMo", body=body, idempotent=True)
    page = MoPage.from_wire(answer)
    more = bool(page.records) and current < page.pages
    return Page(page.records, _mo_page(app_id, start, end, current + 1, size) if more else None)
