"""The dependency every API route starts with: read the parameters, authenticate, hand over a Call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from switchboard.api.wire import MAX_BODY, WireError, parse_body, parse_query, text
from switchboard.auth.authenticate import Authenticator, Failure, Principal, fail
from switchboard.auth.ip import client_address
from switchboard.errors import ApiError, Product
from switchboard.services.context import Services

PARAMETER_ERROR: dict[Product, int] = {
    Product.SMS: -22,
    Product.VOICE: -22,
    Product.AIVOICE: -27,
    Product.CC: -22,
}


@dataclass(frozen=True)
class Call:
    """An authenticated request: who calls, for which product, with which parameters."""

    product: Product
    principal: Principal
    params: dict[str, Any]
    method: str
    services: Services

    @property
    def app_id(self) -> str:
        assert self.principal.app is not None
        return self.principal.app.app_id


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def read_params(request: Request, product: Product, *, max_body: int = MAX_BODY) -> dict[str, Any]:
    if "\x00" in request.scope.get("path", ""):
        raise ApiError(product, PARAMETER_ERROR[product], "NUL characters are not accepted")
    try:
        params = parse_query(request.url.query)
    except WireError as exc:
        raise ApiError(product, PARAMETER_ERROR[product], str(exc)) from exc
    if request.method == "GET":
        return params
    try:
        body = await read_body(request, max_body)
        params.update(parse_body(body, request.headers.get("content-type", ""), max_body=max_body))
    except WireError as exc:
        raise ApiError(product, PARAMETER_ERROR[product], str(exc)) from exc
    return params


async def read_body(request: Request, max_body: int = MAX_BODY) -> bytes:
    """The body, refusing more than ``max_body`` bytes without reading them all (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise WireError(f"body over {max_body} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise WireError(f"body over {max_body} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _holder(params: dict[str, Any], name: str | None) -> dict[str, Any]:
    if name is None:
        return params
    inner = params.get(name)
    return inner if isinstance(inner, dict) else {}


def authenticated(
    product: Product,
    *,
    app: bool = True,
    app_optional: bool = False,
    restricted_keys: bool = False,
    max_body: int = MAX_BODY,
    app_in: str | None = None,
) -> Callable[[Request], Awaitable[Call]]:
    """A dependency for routes of ``product``; ``app`` says whether the route needs an appId, ``app_in`` names
    the object that holds it when it is not top-level (the AI-voice paged calls: ``params.appId``). With
    ``app_optional`` an appId is checked when the request gives one (the principal has no app otherwise): for
    calls whose app follows from what they name (a verification, a template), which clients send without it.
    ``max_body`` raises the body limit for the few requests that carry bulk data (group-call tasks).

    A key restricted to some apps (``allowed_apps``) reaches only its apps: on a route of the whole account
    (``app=False``: audio files, record queries, creating apps) it is refused with the product's "key may not
    use this app" code, unless ``restricted_keys`` says the route is fine for any key of the account (getBalance).
    docs/auth.md holds the rule."""

    async def dependency(request: Request) -> Call:
        request.state.product = product
        params = await read_params(request, product, max_body=max_body)
        services = services_of(request)
        peer = request.client.host if request.client else None
        ip = client_address(peer, request.headers.get("x-forwarded-for"), services.settings.trusted_proxies)
        principal = await Authenticator(services).authenticate(
            product,
            request.headers,
            ip,
            app_id=text(_holder(params, app_in), "appId", "appid") if app or app_optional else None,
            app_required=app,
        )
        if principal.key.allowed_apps is not None and not (app or app_optional or restricted_keys):
            raise fail(product, Failure.APP_NOT_PERMITTED)
        return Call(product=product, principal=principal, params=params, method=request.method, services=services)

    return dependency
