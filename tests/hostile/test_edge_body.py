"""Oversized bodies on every route: refused at the limit, the rest never read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from switchboard.api.body_limit import MAX_REQUEST_BODY
from switchboard.api.deps import PARAMETER_ERROR
from switchboard.errors import Product
from switchboard.services.context import Services
from switchboard.services.users import Users
from tests.conftest import Caller

CHUNK = 64 * 1024
TOTAL = 20 * 1024 * 1024


class Stream:
    """A body of ``TOTAL`` bytes, sent in chunks with no declared length; counts what was read."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < TOTAL:
            self.sent += CHUNK
            yield (b"a=" + b"1" * 8189 + b"&") * (CHUNK // 8192)  # fields of 8 KiB: under the form parser's own caps


@pytest.fixture
async def token(services: Services) -> str:
    """The console is on once an admin exists; a bearer token of that admin for the admin API."""
    await Users(services).create_user("ops@example.com", "correct horse battery", "admin")
    return await Users(services).issue_token("ops@example.com")


@pytest.mark.parametrize("path", ["/console/login", "/admin/api/carriers", "/carriers/web/receipt", "/nowhere"])
async def test_a_streamed_body_past_the_limit_is_refused_unread(
    client: httpx.AsyncClient, token: str, path: str
) -> None:
    stream = Stream()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {token}"}
    answer = await client.post(path, content=stream, headers=headers)
    assert stream.sent <= MAX_REQUEST_BODY + 2 * CHUNK
    if path != "/nowhere":  # a route that reads no body refuses without reading any
        assert answer.status_code == 413, answer.text
        assert answer.json() == {"detail": "Request body too large"}


@pytest.mark.parametrize("path", ["/console/login", "/admin/api/session"])
async def test_a_declared_length_past_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient, token: str, path: str
) -> None:
    answer = await client.post(path, content=b"x" * (MAX_REQUEST_BODY + 1))
    assert answer.status_code == 413


async def test_the_api_answers_its_own_envelope(client: httpx.AsyncClient, caller: Caller) -> None:
    stream = Stream()
    answer = await client.post("/v3/sendSms", content=stream, headers=caller.headers())
    assert answer.status_code == 200
    assert answer.json()["status"] == str(PARAMETER_ERROR[Product.SMS])
    assert stream.sent <= MAX_REQUEST_BODY + 2 * CHUNK
