"""The two clients: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio). Same methods, same results.

How the sync client shares the async one's logic
------------------------------------------------
The core is written once and does no I/O ("sans-I/O"):

* :mod:`~switchboard_client.protocol` signs and builds each ``httpx.Request``, decodes each answer, turns
  refusals into exceptions and decides whether a failed attempt may be retried;
* :mod:`~switchboard_client.operations` and :mod:`~switchboard_client.paging` express every endpoint as a
  generator that yields the calls it needs and returns the typed result (``get_report``'s chunking and the
  paging of ``sent_records``/``mo_records`` live there, once).

Each client is only a *driver*: it sends the yielded requests with its own httpx client (``httpx.Client`` or
``httpx.AsyncClient``), feeds the answers back and sleeps between retries (``time.sleep`` or
``asyncio.sleep``). The per-method bodies are one line each.

Running the async client on a private event loop in a thread was the other option; it was not chosen
because it needs a background thread per client, breaks in programs that fork, makes ``transport=``
different for the two clients, and turns every sync call into cross-thread hand-offs.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx

from switchboard_client import operations as ops
from switchboard_client import paging
from switchboard_client.config import Config
from switchboard_client.errors import ConfigurationError, Product
from switchboard_client.models import Balance, MoRecord, Report, SendGroup, SendResult, SentRecord
from switchboard_client.operations import Numbers, Operation, OrderIds
from switchboard_client.paging import Page
from switchboard_client.protocol import Call, Protocol, RetryPolicy
from switchboard_client.times import TimeArg
from switchboard_client.unset import UNSET, Unset

T = TypeVar("T")


class _Base:
    """Configuration shared by both clients."""

    def __init__(
        self,
        api_key: str | None,
        api_secret: str | None,
        base_url: str | None,
        *,
        app_id: str | None,
        retries: int,
        retry_backoff: float,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must not be negative")
        self.config = Config.resolve(api_key, api_secret, base_url, app_id)
        self._protocol = Protocol(self.config, RetryPolicy(retries=retries, backoff=retry_backoff))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r}, api_key={self.config.api_key!r})"

    def _app(self, app_id: str | None | Unset) -> str:
        if isinstance(app_id, str) and app_id:
            return app_id
        if self.config.app_id:
            return self.config.app_id
        raise ConfigurationError("no app id: pass app_id=... to the method or the client, or set SWITCHBOARD_APP_ID")


class AsyncClient(_Base):
    """The asyncio client. Use as ``async with AsyncClient() as client:`` or call :meth:`aclose`.

    ``api_key``/``api_secret``/``base_url``/``app_id`` default to the environment (see
    :mod:`switchboard_client.config`). ``transport`` replaces httpx's network transport (e.g.
    ``httpx.MockTransport`` in tests). ``retries``: extra attempts after a network error, for idempotent
    calls only; ``retry_backoff``: the first wait in seconds (doubling each time).
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        *,
        app_id: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        super().__init__(api_key, api_secret, base_url, app_id=app_id, retries=retries, retry_backoff=retry_backoff)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _exchange(self, call: Call) -> dict[str, Any]:
        for attempt in itertools.count():
            try:
                response = await self._http.send(self._protocol.request(call))
            except httpx.HTTPError as exc:
                await asyncio.sleep(self._protocol.after_failure(call, exc, attempt))
                continue
            return self._protocol.response(call, response)
        raise AssertionError("unreachable")

    async def _run(self, operation: Operation[T]) -> T:
        return await ops.drive_async(operation, self._exchange)

    async def _paginate(self, operation: Operation[Page[T]]) -> AsyncIterator[T]:
        step: Operation[Page[T]] | None = operation
        while step is not None:
            page = await self._run(step)
            for item in page.items:
                yield item
            step = page.next

    # --- account -------------------------------------------------------------------------------------------

    async def balance(self) -> Balance:
        """``GET /v3/getBalance``."""
        return await self._run(ops.balance())

    # --- SMS -------------------------------------------------------------------------------------------------

    async def send(
        self,
        numbers: Numbers,
        content: str,
        *,
        sender_id: str | None | Unset = UNSET,
        order_ids: OrderIds = UNSET,
        send_time: TimeArg | None | Unset = UNSET,
        app_id: str | None | Unset = UNSET,
        retry_sends: bool = False,
    ) -> SendResult:
        """``POST /v3/sendSms``: one content to up to 1000 numbers. See :meth:`Client.send`."""
        return await self._run(
            ops.send(
                self._app(app_id),
                numbers,
                content,
                sender_id=sender_id,
                order_ids=order_ids,
                send_time=send_time,
                retry_sends=retry_sends,
            )
        )

    async def send_batch(
        self,
        groups: Sequence[SendGroup | Mapping[str, Any]],
        *,
        app_id: str | None | Unset = UNSET,
        retry_sends: bool = False,
    ) -> SendResult:
        """``POST /v3/sendSms/batch``: several contents in one all-or-nothing request. See
        :meth:`Client.send_batch`."""
        return await self._run(ops.send_batch(self._app(app_id), groups, retry_sends=retry_sends))

    async def get_report(self, msg_ids: str | Sequence[str], *, app_id: str | None | Unset = UNSET) -> Report:
        """``GET /v3/getReport``, 200 ids per call, answers added up. See :meth:`Client.get_report`."""
        return await self._run(ops.get_report(self._app(app_id), msg_ids))

    def sent_records(
        self, start: TimeArg, end: TimeArg, *, app_id: str | None | Unset = UNSET
    ) -> AsyncIterator[SentRecord]:
        """``GET /v3/getSentRcd`` over all pages: ``async for record in client.sent_records(a, b)``."""
        return self._paginate(paging.sent_records(self._app(app_id), start, end))

    def mo_records(
        self, start: TimeArg, end: TimeArg, page_size: int = 100, *, app_id: str | None | Unset = UNSET
    ) -> AsyncIterator[MoRecord]:
        """``POST /v3/recordMo`` over all pages: ``async for record in client.mo_records(a, b)``."""
        return self._paginate(paging.mo_records(self._app(app_id), start, end, page_size))

    # --- extension point -------------------------------------------------------------------------------------

    async def request(
        self,
        product: Product | str,
        method: Literal["GET", "POST"],
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Any endpoint, signed, with the product's errors. See :meth:`Client.request`."""
        return await self._run(ops.generic(product, method, path, params, idempotent=idempotent))


class Client(_Base):
    """The blocking client. Use as ``with Client() as client:`` or call :meth:`close`.

    ``api_key``/``api_secret``/``base_url``/``app_id`` default to the environment
    (``SWITCHBOARD_API_KEY``, ``SWITCHBOARD_API_SECRET``, ``SWITCHBOARD_BASE_URL``, ``SWITCHBOARD_APP_ID``;
    ``ONBUKA_*`` also work). ``transport`` replaces httpx's network transport (e.g. ``httpx.MockTransport``).
    ``retries``: extra attempts after a network error, for idempotent calls only (queries, balance, and sends
    with ``retry_sends=True``); ``retry_backoff``: the first wait in seconds (doubling each time).
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        *,
        app_id: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        super().__init__(api_key, api_secret, base_url, app_id=app_id, retries=retries, retry_backoff=retry_backoff)
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _exchange(self, call: Call) -> dict[str, Any]:
        for attempt in itertools.count():
            try:
                response = self._http.send(self._protocol.request(call))
            except httpx.HTTPError as exc:
                time.sleep(self._protocol.after_failure(call, exc, attempt))
                continue
            return self._protocol.response(call, response)
        raise AssertionError("unreachable")

    def _run(self, operation: Operation[T]) -> T:
        return ops.drive(operation, self._exchange)

    def _paginate(self, operation: Operation[Page[T]]) -> Iterator[T]:
        step: Operation[Page[T]] | None = operation
        while step is not None:
            page = self._run(step)
            yield from page.items
            step = page.next

    # --- account -------------------------------------------------------------------------------------------

    def balance(self) -> Balance:
        """``GET /v3/getBalance``: ``Balance(balance, gift, credit)`` as ``Decimal``."""
        return self._run(ops.balance())

    # --- SMS -------------------------------------------------------------------------------------------------

    def send(
        self,
        numbers: Numbers,
        content: str,
        *,
        sender_id: str | None | Unset = UNSET,
        order_ids: OrderIds = UNSET,
        send_time: TimeArg | None | Unset = UNSET,
        app_id: str | None | Unset = UNSET,
        retry_sends: bool = False,
    ) -> SendResult:
        """``POST /v3/sendSms``: ``content`` to ``numbers`` (a comma list or a sequence; at most 1000).

        ``order_ids``: your ids, one per number. ``send_time``: schedule it (tz-aware ``datetime`` or an
        ISO-8601 string). ``app_id``: default from the client / ``SWITCHBOARD_APP_ID``.

        A send is **not retried** after a network error by default: the request may have reached the server,
        which cannot tell a retry from a new request, so a retry could send (and charge) every message twice.
        With ``order_ids`` for every number *and* the app option ``unique_order_ids=true`` on the server, a
        repeated orderId is answered with the original msgId instead of being sent again; only then is a
        retry safe, so pass ``retry_sends=True`` to opt in (it is refused without ``order_ids``).
        """
        return self._run(
            ops.send(
                self._app(app_id),
                numbers,
                content,
                sender_id=sender_id,
                order_ids=order_ids,
                send_time=send_time,
                retry_sends=retry_sends,
            )
        )

    def send_batch(
        self,
        groups: Sequence[SendGroup | Mapping[str, Any]],
        *,
        app_id: str | None | Unset = UNSET,
        retry_sends: bool = False,
    ) -> SendResult:
        """``POST /v3/sendSms/batch``: each group (:class:`SendGroup` or a mapping with the same field names)
        has its own content; 1000 numbers in all. All or nothing: a request-level refusal in any group sends
        nothing. ``retry_sends`` as for :meth:`send` (every group needs ``order_ids``)."""
        return self._run(ops.send_batch(self._app(app_id), groups, retry_sends=retry_sends))

    def get_report(self, msg_ids: str | Sequence[str], *, app_id: str | None | Unset = UNSET) -> Report:
        """``GET /v3/getReport`` for any number of ids (asked 200 at a time, counts and items added up;
        duplicates are asked once; no ids: an empty report without a request). Messages still queued report
        ``sending``."""
        return self._run(ops.get_report(self._app(app_id), msg_ids))

    def sent_records(self, start: TimeArg, end: TimeArg, *, app_id: str | None | Unset = UNSET) -> Iterator[SentRecord]:
        """``GET /v3/getSentRcd``: every message that reached a final state in ``[start, end]`` (at most 31
        days), fetched 50 000 at a time as you iterate."""
        return self._paginate(paging.sent_records(self._app(app_id), start, end))

    def mo_records(
        self, start: TimeArg, end: TimeArg, page_size: int = 100, *, app_id: str | None | Unset = UNSET
    ) -> Iterator[MoRecord]:
        """``POST /v3/recordMo``: every inbound message in ``[start, end]`` (at most one month), fetched
        ``page_size`` (1..100) at a time as you iterate."""
        return self._paginate(paging.mo_records(self._app(app_id), start, end, page_size))

    # --- extension point -------------------------------------------------------------------------------------

    def request(
        self,
        product: Product | str,
        method: Literal["GET", "POST"],
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Any endpoint, for products without typed methods yet (voice, AI voice, call center, OTP):
        signed like the rest, the answer returned as a dict, a refusal raised as ``product``'s error
        (``"sms"`` also for OTP, ``"voice"``, ``"aivoice"``, ``"cc"``). GET ``params`` become the query
        string, POST ``params`` the JSON body. Retried after network errors only when ``idempotent``
        (default: GET).

        ``client.request("voice", "POST", "/v3/voice/sendCode", {"appId": ..., ...})``
        """
        return self._run(ops.generic(product, method, path, params, idempotent=idempotent))
