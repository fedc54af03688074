"""Endpoints HTTP carriers call back: delivery receipts and inbound messages (``/carriers/{name}/...``).

Each carrier authenticates with its own secret (``auth/carrier_auth.py``): in the path
(``/carriers/NAME/SECRET/receipt``), in a header, or as an HMAC of the body, optionally from listed addresses only.
An unknown or disabled carrier, a carrier with no callback secret and wrong credentials all get the same answer as
a path that does not exist (404 ``{"detail": "Not Found"}``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from switchboard.api.deps import read_body
from switchboard.api.responses import JsonResponse
from switchboard.api.wire import WireError, parse_body, parse_query
from switchboard.auth.carrier_auth import CallbackAuth, verify
from switchboard.auth.ip import client_address
from switchboard.connectors.sms.http import HttpCarrierConfig, parse_inbound, parse_receipt
from switchboard.services.carrier_secrets import open_config
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from switchboard.store import carriers

router = APIRouter(include_in_schema=False)
NOT_FOUND = HTTPException(status_code=404, detail="Not Found")


async def _carrier_and_body(request: Request, name: str, token: str | None) -> tuple[HttpCarrierConfig, dict[str, Any]]:
    services: Services = request.app.state.services
    async with services.db.read() as conn:
        carrier = await carriers.get_carrier(conn, name)
    usable = carrier is not None and carrier.type == "http" and carrier.enabled
    auth = CallbackAuth.of(carrier.config) if carrier is not None and usable else None
    try:
        body = await read_body(request)
    except WireError:
        raise HTTPException(status_code=413, detail="Request body too large") from None
    peer = request.client.host if request.client else None
    ip = client_address(peer, request.headers.get("x-forwarded-for"), services.settings.trusted_proxies)
    if not verify(auth, services.secrets, path_token=token, headers=request.headers, body=body, client_ip=ip):
        raise NOT_FOUND
    assert carrier is not None
    try:
        data = parse_query(request.url.query)
        data.update(parse_body(body, request.headers.get("content-type", "")))
        config = HttpCarrierConfig(name=carrier.name, **open_config(carrier.config, services.secrets))
    except WireError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return config, data


def _events(request: Request) -> DeliveryEvents:
    services: Services = request.app.state.services
    events: DeliveryEvents | None = services.caches.get("delivery_events")
    if events is None:  # a process without workers (``switchboard api``): one for the process, for its counters
        events = services.caches.setdefault("delivery_events", DeliveryEvents(services))
    return events


async def _receipt(request: Request, name: str, token: str | None) -> JsonResponse:
    config, data = await _carrier_and_body(request, name, token)
    receipt = parse_receipt(config, data)
    if receipt is not None:
        await _events(request).receipt(receipt)
    return JsonResponse({"ok": True, "final": receipt is not None})


async def _inbound(request: Request, name: str, token: str | None) -> JsonResponse:
    services: Services = request.app.state.services
    config, data = await _carrier_and_body(request, name, token)
    message = parse_inbound(config, data, services.clock)
    if message is None:
        raise HTTPException(status_code=400, detail="from and text are required")
    await _events(request).inbound(message)
    return JsonResponse({"ok": True})


@router.api_route("/{name}/receipt", methods=["GET", "POST"])
async def carrier_receipt(name: str, request: Request) -> JsonResponse:
    return await _receipt(request, name, None)


@router.api_route("/{name}/{token}/receipt", methods=["GET", "POST"])
async def carrier_receipt_with_token(name: str, token: str, request: Request) -> JsonResponse:
    return await _receipt(request, name, token)


@router.api_route("/{name}/inbound", methods=["GET", "POST"])
async def carrier_inbound(name: str, request: Request) -> JsonResponse:
    return await _inbound(request, name, None)


@router.api_route("/{name}/{token}/inbound", methods=["GET", "POST"])
async def carrier_inbound_with_token(name: str, token: str, request: Request) -> JsonResponse:
    return await _inbound(request, name, token)
