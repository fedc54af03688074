"""The bare ASGI app of the "ceiling" scenario: reads the body, answers a small fixed JSON.

``python -m bench.ceiling_app --port N --loop asyncio`` serves it the way ``switchboard serve`` serves the
platform: ``uvicorn.Server(uvicorn.Config(app, ...)).serve()`` inside ``asyncio.run`` (so the stock asyncio
loop, httptools parser, no access log). ``--loop auto`` uses ``uvicorn.run`` instead, which picks uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY = b'{"status":"0","reason":"success","success":"1","fail":"0","array":[]}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole request body, as a real endpoint must
        message = await receive()
        more = bool(message.get("more_body"))
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    parser = argparse.ArgumentParser(description="Bare ASGI endpoint for the bench ceiling.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=["asyncio", "auto"], default="asyncio")
    args = parser.parse_args()
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="info", access_log=False)
    if args.loop == "auto":
        uvicorn.Server(config).run()  # uvicorn's own loop choice: uvloop when installed
    else:
        asyncio.run(uvicorn.Server(config).serve())  # as `switchboard serve` does


if __name__ == "__main__":
    main()
