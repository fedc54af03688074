"""Endpoints HTTP carriers call back: delivery receipts and inbound messages (``/carriers/{name}/...``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from switchboard.api.responses import JsonResponse
from switchboard.api.wire import WireError, parse_body, parse_query
from switchboard.connectors.sms.http import HttpCarrierConfig, parse_inbound, parse_receipt
from switchboard.services.carrier_secrets import open_config
from switchboard.services.context import Services
from switchboard.services.delivery import DeliveryEvents
from switchboard.store import carriers

router = APIRouter(include_in_schema=False)


async def _carrier_and_body(request: Request, name: str) -> tuple[HttpCarrierConfig, dict[str, Any]]:
    services: Services = request.app.state.services
    async with services.db.read() as conn:
        carrier = await carriers.get_carrier(conn, name)
    if carrier is None or carrier.type != "http" or not carrier.enabled:
        raise HTTPException(status_code=404, detail="no such HTTP carrier")
    try:
        data = parse_query(request.url.query)
        data.update(parse_body(await request.body(), request.headers.get("content-type", "")))
    except WireError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return HttpCarrierConfig(name=carrier.name, **open_config(carrier.config, services.secrets)), data


def _events(request: Request) -> DeliveryEvents:
    services: Services = request.app.state.services
    events: DeliveryEvents | None = services.caches.get("delivery_events")
    return events or DeliveryEvents(services)


@router.api_route("/{name}/receipt", methods=["GET", "POST"])
async def carrier_receipt(name: str, request: Request) -> JsonResponse:
    config, data = await _carrier_and_body(request, name)
    receipt = parse_receipt(config, data)
    if receipt is not None:
        await _events(request).receipt(receipt)
    return JsonResponse({"ok": True, "final": receipt is not None})


@router.api_route("/{name}/inbound", methods=["GET", "POST"])
async def carrier_inbound(name: str, request: Request) -> JsonResponse:
    services: Services = request.app.state.services
    config, data = await _carrier_and_body(request, name)
    message = parse_inbound(config, data, services.clock)
    if message is None:
        raise HTTPException(status_code=400, detail="from and text are required")
    await _events(request).inbound(message)
    return JsonResponse({"ok": True})
