"""Retries after network errors: only where repeating cannot do anything twice."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sdk_testing import API_KEY, API_SECRET, APP_ID, BASE_URL, FakeApi
from switchboard_client import AsyncClient, Client, SendGroup, SmsError, TransportError

BALANCE = {"status": "0", "reason": "success", "balance": "1.000000", "gift": "0", "credit": "0"}
SENT = {"status": "0", "reason": "success", "success": "1", "fail": "0", "array": []}
REPORT = {"status": "0", "reason": "success", "success": "0", "fail": "0", "sending": "0", "nofound": "1", "array": []}
RCD = {"status": "0", "reason": "success", "success": "0", "fail": "0", "array": []}
MO = {"status": "0", "reason": "success", "data": {"total": 0, "size": 100, "current": 1, "pages": 0, "records": []}}


class Flaky:
    """Fails the first ``failures`` requests with ``error`` *after* the fake server handled them (the answer is
    lost on the way back, the worst case for a send), then answers normally."""

    def __init__(self, api: FakeApi, failures: int, error: type[httpx.TransportError] = httpx.ReadTimeout) -> None:
        self.api, self.failures, self.error, self.attempts = api, failures, error, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.error in (httpx.ConnectError, httpx.ConnectTimeout) and self.attempts <= self.failures:
            raise self.error("no connection", request=request)  # never reached the server
        response = self.api(request)
        if self.attempts <= self.failures:
            raise self.error("answer lost", request=request)
        return response


def make(
    api: FakeApi, failures: int, retries: int = 2, error: type[httpx.TransportError] = httpx.ReadTimeout
) -> Client:
    transport = httpx.MockTransport(Flaky(api, failures, error))
    return Client(API_KEY, API_SECRET, BASE_URL, app_id=APP_ID, transport=transport, retries=retries, retry_backoff=0)


@pytest.fixture(autouse=True)
def routes(api: FakeApi) -> None:
    api.route("/v3/getBalance", BALANCE)
    api.route("/v3/sendSms", SENT)
    api.route("/v3/sendSms/batch", SENT)
    api.route("/v3/getReport", REPORT)
    api.route("/v3/getSentRcd", RCD)
    api.route("/v3/recordMo", MO)


QUERIES: dict[str, Callable[[Client], object]] = {
    "/v3/getBalance": lambda c: c.balance(),
    "/v3/getReport": lambda c: c.get_report(["2108021054011000095"]),
    "/v3/getSentRcd": lambda c: list(c.sent_records("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")),
    "/v3/recordMo": lambda c: list(c.mo_records("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")),
}


@pytest.mark.parametrize("path", list(QUERIES))
def test_queries_are_retried_after_network_errors(api: FakeApi, path: str) -> None:
    with make(api, failures=2) as client:
        QUERIES[path](client)
    assert len(api.calls(path)) == 3


def test_retries_give_up_after_the_configured_number(api: FakeApi) -> None:
    with make(api, failures=5, retries=2) as client, pytest.raises(TransportError, match="3 attempt") as caught:
        client.balance()
    assert len(api.seen) == 3 and caught.value.sent is True
    with make(api, failures=1, retries=0) as client, pytest.raises(TransportError):
        client.balance()
    assert len(api.seen) == 4


def test_a_send_is_never_retried_by_default(api: FakeApi) -> None:
    with make(api, failures=2) as client:
        with pytest.raises(TransportError) as caught:
            client.send("919876543210", "hello")
        assert caught.value.sent is True  # the server may have sent it: unknown outcome
        with pytest.raises(TransportError):
            client.send_batch([SendGroup("919876543210", "hello")])
    assert len(api.calls("/v3/sendSms")) == 1
    assert len(api.calls("/v3/sendSms/batch")) == 1


def test_order_ids_alone_do_not_make_a_send_retried(api: FakeApi) -> None:
    with make(api, failures=1) as client, pytest.raises(TransportError):
        client.send("919876543210", "hello", order_ids=["o1"])
    assert len(api.calls("/v3/sendSms")) == 1


def test_a_send_with_order_ids_and_retry_sends_is_retried(api: FakeApi) -> None:
    with make(api, failures=2) as client:
        client.send("919876543210", "hello", order_ids=["o1"], retry_sends=True)
        client.send_batch([SendGroup("919876543210", "hello", order_ids="o2")], retry_sends=True)
    assert len(api.calls("/v3/sendSms")) == 3
    assert len(api.calls("/v3/sendSms/batch")) == 1
    assert {s.body["orderId"] for s in api.calls("/v3/sendSms")} == {"o1"}  # the same ids every time


def test_retry_sends_without_order_ids_is_refused_before_sending(api: FakeApi) -> None:
    with make(api, failures=0) as client:
        with pytest.raises(ValueError, match="order_ids"):
            client.send("919876543210", "hello", retry_sends=True)
        with pytest.raises(ValueError, match="order_ids"):
            client.send_batch(
                [SendGroup("919876543210", "a", order_ids="o1"), SendGroup("919876543211", "b")], retry_sends=True
            )
    assert api.seen == []


def test_refusals_are_never_retried(api: FakeApi) -> None:
    api.route("/v3/getBalance", {"status": "-18", "reason": "Port program unusual"})
    with make(api, failures=0) as client, pytest.raises(SmsError):
        client.balance()
    assert len(api.seen) == 1


def test_a_refused_connection_reports_that_nothing_was_sent(api: FakeApi) -> None:
    with make(api, failures=1, error=httpx.ConnectError) as client, pytest.raises(TransportError) as caught:
        client.send("919876543210", "hello")
    assert caught.value.sent is False and api.seen == []


async def test_the_async_client_retries_the_same_way(api: FakeApi) -> None:
    flaky = Flaky(api, failures=2)
    transport = httpx.MockTransport(flaky)
    async with AsyncClient(
        API_KEY, API_SECRET, BASE_URL, app_id=APP_ID, transport=transport, retry_backoff=0
    ) as client:
        await client.balance()
        assert len(api.seen) == 3
        flaky.attempts, flaky.failures = 0, 1
        with pytest.raises(TransportError):
            await client.send("919876543210", "hello")
        assert len(api.calls("/v3/sendSms")) == 1
