"""The load generator's HTTP/1.1 clients: one keep-alive connection each, ``post(body, headers)``.

``raw`` is a minimal client on asyncio streams (some 25x less CPU per request than httpx on this machine), so that
on a small machine the generator does not become the bottleneck it is meant to measure; ``httpx`` is the
ordinary client, kept for comparison (``--client httpx``).
"""

from __future__ import annotations

import asyncio
from typing import Protocol
from urllib.parse import urlsplit

import httpx

# What a failed request raises, for either client.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    ValueError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    httpx.HTTPError,
)


class Poster(Protocol):
    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class RawConnection:
    """One keep-alive connection to ``url``'s host, reopened after any error or ``Connection: close``."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path, self.timeout = parts.path or "/", timeout
        self.prefix = f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._exchange(body, headers), self.timeout)
        except BaseException:
            await self.close()
            raise

    async def _exchange(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        head = self.prefix + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        response_head = (await reader.readuntil(b"\r\n\r\n")).lower()
        status = int(response_head[9:12])
        if b"\r\ntransfer-encoding: chunked" in response_head:
            content = await _read_chunked(reader)
        else:
            content = await reader.readexactly(_content_length(response_head))
        if b"\r\nconnection: close" in response_head:
            await self.close()
        return status, content

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()


def _content_length(head: bytes) -> int:
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        raise ValueError("response without Content-Length")
    start += len(b"\r\ncontent-length:")
    return int(head[start : head.index(b"\r\n", start)])


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class HttpxConnection:
    """A request slot on a shared httpx client whose pool holds one connection per slot."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = await self.client.post(self.url, content=body, headers=headers)
        return response.status_code, response.content

    async def close(self) -> None:
        return None
