"""Every API operation, written once, as a generator that *yields* the :class:`Call` objects it needs and
*receives* their decoded answers; its return value is the typed result.

An operation never does I/O: a driver (:func:`drive` for the sync client, :func:`drive_async` for the async
one) sends each yielded call and feeds the answer back. An operation may need several calls (``get_report``
asks 200 ids at a time) and still be one piece of code for both clients.

The public factories check their arguments *eagerly* (when the client method is called), then hand back the
lazy generator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, Literal, TypeAlias, TypeVar, cast

from switchboard_client.errors import Product
from switchboard_client.models import Balance, Report, SendGroup, SendResult
from switchboard_client.protocol import Call
from switchboard_client.times import TimeArg, format_time
from switchboard_client.unset import UNSET, Unset, drop_unset

T = TypeVar("T")
Answer: TypeAlias = dict[str, Any]
Operation: TypeAlias = Generator[Call, Answer, T]

REPORT_CHUNK = 200  # getReport takes at most 200 msgIds per call
Numbers: TypeAlias = str | Sequence[str]
OrderIds: TypeAlias = str | Sequence[str] | None | Unset


def drive(operation: Operation[T], exchange: Callable[[Call], Answer]) -> T:
    """Run ``operation`` to completion with a blocking ``exchange``."""
    try:
        call = next(operation)
        while True:
            call = operation.send(exchange(call))
    except StopIteration as done:
        return cast(T, done.value)
    finally:
        operation.close()


async def drive_async(operation: Operation[T], exchange: Callable[[Call], Awaitable[Answer]]) -> T:
    """Run ``operation`` to completion with an awaitable ``exchange``."""
    try:
        call = next(operation)
        while True:
            call = operation.send(await exchange(call))
    except StopIteration as done:
        return cast(T, done.value)
    finally:
        operation.close()


def single(call: Call, parse: Callable[[Answer], T]) -> Operation[T]:
    """An operation of exactly one call."""
    answer = yield call
    return parse(answer)


def join_list(value: str | Sequence[str], name: str) -> str:
    """A comma list from a str (sent as given) or a sequence of str."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        items = [str(v).strip() for v in value]
        if any("," in item for item in items):
            raise ValueError(f"{name}: an element contains a comma")
        return ",".join(items)
    raise TypeError(f"{name} must be a str or a sequence of str, not {type(value).__name__}")


def _optional_list(value: OrderIds, name: str) -> str | None | Unset:
    return value if value is None or value is UNSET else join_list(value, name)


def _optional_time(value: TimeArg | None | Unset, name: str) -> str | None | Unset:
    return value if value is None or value is UNSET else format_time(value, name)


def _has_order_ids(value: OrderIds) -> bool:
    return value is not None and value is not UNSET and bool(value)


def _group_fields(group: SendGroup) -> dict[str, Any]:
    return drop_unset(
        {
            "numbers": join_list(group.numbers, "numbers"),
            "content": group.content,
            "senderId": group.sender_id,
            "orderId": _optional_list(group.order_ids, "order_ids"),
            "sendTime": _optional_time(group.send_time, "send_time"),
        }
    )


def _check_retry_sends(retry_sends: bool, order_ids: Sequence[OrderIds]) -> None:
    if retry_sends and not all(_has_order_ids(ids) for ids in order_ids):
        raise ValueError(
            "retry_sends=True needs order_ids for every number: without them a retried send can send twice"
        )


def balance() -> Operation[Balance]:
    return single(Call(Product.SMS, "GET", "/v3/getBalance", idempotent=True), Balance.from_wire)


def send(
    app_id: str,
    numbers: Numbers,
    content: str,
    *,
    sender_id: str | None | Unset = UNSET,
    order_ids: OrderIds = UNSET,
    send_time: TimeArg | None | Unset = UNSET,
    retry_sends: bool = False,
) -> Operation[SendResult]:
    _check_retry_sends(retry_sends, [order_ids])
    group = _group_fields(SendGroup(numbers, content, sender_id, order_ids, send_time))
    call = Call(Product.SMS, "POST", "/v3/sendSms", body={"appId": app_id, **group}, idempotent=retry_sends)
    return single(call, SendResult.from_wire)


def as_group(group: SendGroup | Mapping[str, Any]) -> SendGroup:
    if isinstance(group, SendGroup):
        return group
    if isinstance(group, Mapping):
        return SendGroup(**group)
    raise TypeError(f"a batch group must be a SendGroup or a mapping, not {type(group).__name__}")


def send_batch(
    app_id: str, groups: Sequence[SendGroup | Mapping[str, Any]], *, retry_sends: bool = False
) -> Operation[SendResult]:
    parsed = [as_group(g) for g in groups]
    _check_retry_sends(retry_sends, [g.order_ids for g in parsed])
    body = {"appId": app_id, "array": [_group_fields(g) for g in parsed]}
    call = Call(Product.SMS, "POST", "/v3/sendSms/batch", body=body, idempotent=retry_sends)
    return single(call, SendResult.from_wire)


def split_ids(msg_ids: str | Sequence[str]) -> list[str]:
    """The distinct ids in order, from a comma list or a sequence."""
    raw = msg_ids.split(",") if isinstance(msg_ids, str) else [str(i) for i in msg_ids]
    return list(dict.fromkeys(i.strip() for i in raw if i.strip()))


def get_report(app_id: str, msg_ids: str | Sequence[str]) -> Operation[Report]:
    return _report_chunks(app_id, split_ids(msg_ids))


def _report_chunks(app_id: str, ids: list[str]) -> Operation[Report]:
    parts: list[Report] = []
    for start in range(0, len(ids), REPORT_CHUNK):
        query = {"appId": app_id, "msgIds": ",".join(ids[start : start + REPORT_CHUNK])}
        answer = yield Call(Product.SMS, "GET", "/v3/getReport", query=query, idempotent=True)
        parts.append(Report.from_wire(answer))
    return Report.merge(parts)


def generic(
    product: Product | str,
    method: Literal["GET", "POST"],
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    idempotent: bool | None = None,
) -> Operation[Answer]:
    """Any endpoint: GET ``params`` go to the query string (``None`` values as empty strings), POST
    ``params`` are the JSON body. ``UNSET`` values are dropped. Idempotent (retried) by default for GET only."""
    method_upper = cast(Literal["GET", "POST"], method.upper())
    if method_upper not in ("GET", "POST"):
        raise ValueError(f"method must be GET or POST, not {method!r}")
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    values = drop_unset(params or {})
    retry = method_upper == "GET" if idempotent is None else idempotent
    if method_upper == "GET":
        query = {k: "" if v is None else str(v) for k, v in values.items()}
        call = Call(Product(product), "GET", path, query=query, idempotent=retry)
    else:
        call = Call(Product(product), "POST", path, body=values, idempotent=retry)
    return single(call, lambda answer: answer)
