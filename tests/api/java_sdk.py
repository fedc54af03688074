"""Requests shaped exactly as the vendor's official Java SDK sends them, for the wire-compatibility tests.

The SDK signs with md5(key + secret + seconds) and sends the same headers on every method (among them
``Content-Type: application/json;charset=utf-8`` even on a GET, and ``origin: java-sdk``). Its JSON writer
serialises every getter of a request class, so a field the caller did not set goes out as ``null``, and it
escapes ``/`` as ``\\/``. GET queries are built by string concatenation: nothing is URL-encoded, so a time
``+08:00`` arrives as a raw ``+`` and an unset field as the text ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from switchboard.auth.signature import sign
from tests.conftest import Caller


def headers(caller: Caller) -> dict[str, str]:
    timestamp = str(int(caller.clock.time()))
    return {
        "accept": "*/*",
        "connection": "Keep-Alive",
        "user-agent": "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)",
        "Content-Type": "application/json;charset=utf-8",
        "Sign": sign(caller.new.api_key, caller.new.api_secret, timestamp),
        "Timestamp": timestamp,
        "Api-Key": caller.new.api_key,
        "origin": "java-sdk",
    }


def body(fields: dict[str, Any]) -> bytes:
    """The SDK's JSON: every field of the request class, unset ones as null, ``/`` escaped."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/").encode()


async def post(client: httpx.AsyncClient, caller: Caller, path: str, fields: dict[str, Any]) -> Any:
    response = await client.post(path, content=body(fields), headers=headers(caller))
    assert response.status_code == 200, response.text
    return response.json()


async def put(client: httpx.AsyncClient, caller: Caller, path: str, fields: dict[str, Any]) -> Any:
    response = await client.put(path, content=body(fields), headers=headers(caller))
    assert response.status_code == 200, response.text
    return response.json()


async def get(client: httpx.AsyncClient, caller: Caller, path_and_raw_query: str) -> Any:
    """A GET whose query is sent byte for byte as given (the SDK concatenates it unencoded)."""
    path, _, query = path_and_raw_query.partition("?")
    url = httpx.URL(path, query=query.encode())
    response = await client.get(url, headers=headers(caller))
    assert response.status_code == 200, response.text
    return response.json()
