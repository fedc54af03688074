"""Turning every failure into the contract's envelope: ApiError as-is, anything unexpected as -18."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchboard.api.documented import API_PREFIXES
from switchboard.api.responses import error
from switchboard.api.routes import product_for_path
from switchboard.errors import ApiError, Product

log = logging.getLogger("switchboard.api")


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc)


class ErrorEnvelope:
    """Outermost middleware: an exception that escapes a handler becomes HTTP 200 with the product's
    "Port program unusual" code, never a 500 (WIRE.md rule 1). The exception is logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            product: Product = product_for_path(scope.get("path", ""))
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error(exc if isinstance(exc, ApiError) else ApiError.internal(product, type(exc).__name__))
            await response(scope, receive, send)


async def method_not_allowed_handler(request: Request, exc: Exception) -> Response:
    """A known API path with a method it does not take: the envelope with the parameter-exception code
    (WIRE.md rule 1: clients read only HTTP 200 bodies). Other paths keep the plain 405."""
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse

    from switchboard.api.deps import PARAMETER_ERROR

    path = request.url.path
    if path.startswith(API_PREFIXES):
        product = product_for_path(path)
        return error(ApiError(product, PARAMETER_ERROR[product], f"{request.method} is not accepted here"))
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
