"""The push receiver of the delivery scenarios: timestamps every delivery report that arrives.

``python -m bench.receiver --port P`` runs in its own process (its CPU is not the platform's). It answers every
POST or GET with 200 and the body ``ACK/Jasmin`` (what Jasmin's DLR thrower requires; Switchboard takes any
2xx), and records (message id, epoch time of arrival, SMSC message id or ""): the ``msgid`` of a Switchboard
report (JSON), or the ``id`` and ``id_smsc`` of a Jasmin DLR (form fields or query string). ``GET /dump``
returns them as JSON, ``GET /count`` their number; ``GET /health`` answers 200. HTTP/1.1 keep-alive,
Content-Length bodies only (what both senders use).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import orjson

ACK = b"ACK/Jasmin"


class Receiver(asyncio.Protocol):
    arrivals: list[tuple[str, float, str]] = []
    unparsed = 0

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, _, rest = lines[0].partition(" ")
            target = rest.rpartition(" ")[0]
            self.handle(method, target, headers, body)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        arrived = time.time()
        path = urlsplit(target)
        if method == "GET" and path.path == "/dump":
            self.answer(orjson.dumps({"arrivals": Receiver.arrivals, "unparsed": Receiver.unparsed}))
            return
        if method == "GET" and path.path == "/count":
            self.answer(str(len(Receiver.arrivals)).encode())
            return
        if method == "GET" and path.path == "/health":
            self.answer(b"ok")
            return
        msg_id, smsc_id = message_id(body, path.query)
        if msg_id:
            Receiver.arrivals.append((msg_id, arrived, smsc_id))
        else:
            Receiver.unparsed += 1
        self.answer(ACK, close=headers.get("connection", "").lower() == "close")

    def answer(self, body: bytes, close: bool = False) -> None:
        if self.transport is None:
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        if close:
            head += "Connection: close\r\n"
        self.transport.write(head.encode() + b"\r\n" + body)
        if close:
            self.transport.close()


def message_id(body: bytes, query: str) -> tuple[str | None, str]:
    """The message id a report is about and the SMSC's id when it carries one: JSON ``msgid`` (Switchboard),
    form or query ``id`` and ``id_smsc`` (Jasmin)."""
    if body[:1] == b"{":
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None, ""
        value = data.get("msgid") if isinstance(data, dict) else None
        return (str(value) if value else None), ""
    fields = parse_qs(body.decode(errors="replace")) if body else parse_qs(query)
    ids, smsc = fields.get("id"), fields.get("id_smsc")
    return (ids[0] if ids else None), (smsc[0] if smsc else "")


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="Timestamping push receiver for the bench.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
