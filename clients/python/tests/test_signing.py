"""Signing and the shape of requests on the wire."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta, timezone

import httpx
from sdk_testing import API_KEY, API_SECRET, APP_ID, BASE_URL, FakeApi
from switchboard_client import Client, sign
from switchboard_client.protocol import auth_headers

BALANCE = {"status": "0", "reason": "success", "balance": "9.990000", "gift": "0.000000", "credit": "0.000000"}


def test_sign_matches_the_contract_example() -> None:
    assert sign("bDqJFiq9", "7bz1lzh9", "1630468800") == "05d7a50893e22a5c4bb3216ae3396c7c"
    assert auth_headers("bDqJFiq9", "7bz1lzh9", 1630468800) == {
        "Api-Key": "bDqJFiq9",
        "Timestamp": "1630468800",
        "Sign": "05d7a50893e22a5c4bb3216ae3396c7c",
    }


def test_every_request_carries_key_timestamp_sign_and_json_content_type(client: Client, api: FakeApi) -> None:
    api.route("/v3/getBalance", BALANCE)
    api.route("/v3/sendSms", {"status": "0", "reason": "success", "success": "0", "fail": "0", "array": []})
    before = int(time.time())
    client.balance()
    client.send("919876543210", "hi")
    after = int(time.time())
    assert [s.method for s in api.seen] == ["GET", "POST"]
    for seen in api.seen:
        ts = seen.headers["Timestamp"]
        assert ts.isdigit() and len(ts) == 10 and before <= int(ts) <= after
        assert seen.headers["Api-Key"] == API_KEY
        assert (
            seen.headers["Sign"]
            == hashlib.md5(f"{API_KEY}{API_SECRET}{ts}".encode(), usedforsecurity=False).hexdigest()
        )
        assert seen.headers["Sign"] == seen.headers["Sign"].lower()
        assert seen.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert seen.headers["User-Agent"].startswith("switchboard-client/")
    assert api.seen[0].body is None  # GET: no body at all
    assert api.seen[1].body["appId"] == APP_ID


def test_a_retry_is_signed_again_with_a_fresh_timestamp(api: FakeApi, monkeypatch: object) -> None:
    stamps: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        stamps.append(request.headers["Timestamp"])
        if len(stamps) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return api(request)

    api.route("/v3/getBalance", BALANCE)
    clock = iter([1_700_000_000, 1_700_000_007])
    with Client(API_KEY, API_SECRET, BASE_URL, transport=httpx.MockTransport(flaky), retry_backoff=0) as client:
        client._protocol._clock = lambda: next(clock)
        assert str(client.balance().balance) == "9.990000"
    assert stamps == ["1700000000", "1700000007"]


def test_times_are_iso8601_with_offset_and_encoded_in_query_strings(client: Client, api: FakeApi) -> None:
    api.route("/v3/getSentRcd", {"status": "0", "reason": "success", "success": "0", "fail": "0", "array": []})
    start = datetime(2021, 2, 12, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    list(client.sent_records(start, start + timedelta(days=1)))
    (seen,) = api.seen
    assert seen.query["startTime"] == "2021-02-12T00:00:00+08:00"
    assert seen.query["endTime"] == "2021-02-13T00:00:00+08:00"
    assert "%2B08%3A00" in seen.raw_query  # the + is encoded, so no server reads it as a space
    assert seen.query["startIndex"] == "0" and seen.query["appId"] == APP_ID
