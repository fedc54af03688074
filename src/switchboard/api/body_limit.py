"""One body-size limit for every route (API, admin API, console, carrier callbacks), enforced as the body
streams in: a declared ``Content-Length`` over the limit is refused before anything is read, a body that grows
past it is refused at the chunk that crosses it, and the rest is never read.

The refusal is HTTP 413 ``{"detail": "Request body too large"}``; on the Onbuka API's paths it is the
contract's envelope instead (HTTP 200 with the product's parameter-exception code, as the API's own 4 MiB
check in ``deps.read_body`` answers), since those clients read only HTTP 200 bodies.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchboard.api.documented import API_PREFIXES
from switchboard.api.responses import error
from switchboard.api.routes import product_for_path
from switchboard.errors import ApiError

# Above the largest legitimate body: a 5 MiB file (rates CSV, console uploads) in a multipart form.
MAX_REQUEST_BODY = 6 * 1024 * 1024


# Upload paths whose product table has a "file too large" code: they answer it instead of the parameter code.
TOO_LARGE_CODES: dict[str, int] = {"/v3/cc/preview/upload": -38, "/v3/cc/seatgroup/upload": -38}


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the body passes the limit, after the 413 was sent. Handlers may turn it into
    an answer of their own (a 400, an error page): that answer is dropped."""


def too_large(path: str, limit: int) -> Response:
    if path.startswith(API_PREFIXES):
        from switchboard.api.deps import PARAMETER_ERROR

        product = product_for_path(path)
        code = TOO_LARGE_CODES.get(path.lower().rstrip("/"), PARAMETER_ERROR[product])
        return error(ApiError(product, code, f"body over {limit} bytes"))
    return JSONResponse({"detail": "Request body too large"}, status_code=413, headers={"Connection": "close"})


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit():
            return int(value)
    return 0


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if _declared_length(scope) > self.limit:
            await too_large(path, self.limit)(scope, receive, send)
            return
        received = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    if not started and not refused:
                        refused = True  # answered here, whatever the app makes of the exception below
                        await too_large(path, self.limit)(scope, receive, send)
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the app's own answer to the body it could not read is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not refused:
                raise
