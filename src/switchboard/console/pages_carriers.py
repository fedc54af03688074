"""Console pages for carriers (configuration and live connector state) and the route table."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.admin.dashboard import carrier_states
from switchboard.admin.schemas import redacted
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.errors import OperatorError
from switchboard.services.carriers import TYPES, CarrierAdmin

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]


async def carriers_view(
    request: Request, *, status: int = 200, message: str = "", callback: tuple[str, str] | None = None
) -> Response:
    configured = await CarrierAdmin(services_of(request)).carriers()
    live = carrier_states(services_of(request))
    by_name = {state.name: state for state in live or []}
    rows = [(c, json.dumps(redacted(c.config), ensure_ascii=False), by_name.get(c.name)) for c in configured]
    builtin = [s for s in live or [] if s.name not in {c.name for c in configured}]
    return render(
        request,
        "carriers.html",
        status=status,
        rows=rows,
        builtin=builtin,
        dispatching=live is not None,
        types=TYPES,
        message=message,
        callback=callback,
    )


@router.get("/carriers")
async def carriers_page(_: Admin, request: Request) -> Response:
    return await carriers_view(request)


def _config(text: str) -> dict[str, Any]:
    try:
        config = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise OperatorError(f"the configuration is not JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(config, dict):
        raise OperatorError("the configuration must be a JSON object")
    return config


@router.post("/carriers")
async def add_carrier(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    admin = CarrierAdmin(services_of(request))
    try:
        config = _config(form.text("config"))
        carrier = await admin.add(form.text("name"), form.text("type"), config)
    except OperatorError as exc:
        return await carriers_view(request, status=422, message=str(exc))
    if carrier.type == "http":
        return await carriers_view(request, callback=(carrier.name, await admin.set_callback(carrier.name)))
    return see_other("/carriers")


@router.post("/carriers/{name}/callback")
async def new_callback_secret(name: str, _: Admin, request: Request) -> Response:
    """A new callback secret for an HTTP carrier (token mode), shown once; the old one stops working."""
    try:
        secret = await CarrierAdmin(services_of(request)).set_callback(name)
    except OperatorError as exc:
        return await carriers_view(request, status=422, message=str(exc))
    return await carriers_view(request, callback=(name, secret))


@router.post("/carriers/{name}/{action}")
async def switch_carrier(name: str, action: str, _: Admin, request: Request) -> Response:
    """``enable`` or ``disable`` a carrier."""
    if action not in ("enable", "disable"):
        return await carriers_view(request, status=404, message=f"no carrier action {action!r}")
    try:
        await CarrierAdmin(services_of(request)).set_enabled(name, action == "enable")
    except OperatorError as exc:
        return await carriers_view(request, status=404, message=str(exc))
    return see_other("/carriers")


async def routes_view(request: Request, *, status: int = 200, message: str = "") -> Response:
    admin = CarrierAdmin(services_of(request))
    return render(
        request,
        "routes.html",
        status=status,
        routes=await admin.routes(),
        carriers=[c.name for c in await admin.carriers()],
        message=message,
    )


@router.get("/routes")
async def routes_page(_: Admin, request: Request) -> Response:
    return await routes_view(request)


@router.post("/routes")
async def add_route(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    try:
        await CarrierAdmin(services_of(request)).add_route(
            form.items("carriers"),
            position=form.integer("position"),
            country=form.optional("country"),
            prefix=form.optional("prefix"),
            account_id=form.integer("account_id"),
            sender_id=form.optional("sender_id"),
        )
    except OperatorError as exc:
        return await routes_view(request, status=422, message=str(exc))
    return see_other("/routes")


@router.post("/routes/{route_id}/remove")
async def remove_route(route_id: int, _: Admin, request: Request) -> Response:
    try:
        await CarrierAdmin(services_of(request)).remove_route(route_id)
    except OperatorError as exc:
        return await routes_view(request, status=404, message=str(exc))
    return see_other("/routes")
