"""Admin API: rates (with CSV import), sensitive words, templates, carriers and routes. Admins only, except
reading an app's templates, which its account's users may do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from switchboard.admin.access import Operator, admin_only, services_of, signed_in
from switchboard.admin.dashboard import carrier_states
from switchboard.admin.errors import NotFound
from switchboard.admin.lookup import app_for
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import (
    MAX_INT64,
    MIN_INT64,
    CallbackIn,
    CallbackOut,
    CarrierIn,
    CarrierOut,
    Ok,
    carrier_out,
)
from switchboard.admin.traffic_schemas import (
    ApprovalIn,
    Count,
    RateIn,
    RateOut,
    RouteIn,
    RouteOut,
    TemplateIn,
    TemplateOut,
    WordIn,
    WordOut,
    rate_out,
    route_out,
    template_out,
)
from switchboard.errors import OperatorError
from switchboard.services.carriers import CarrierAdmin
from switchboard.services.catalog import Catalog, RateInput

router = APIRouter(route_class=AdminRoute, tags=["admin: configuration"])
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]
AccountParam = Annotated[int | None, Query(alias="accountId", ge=MIN_INT64, le=MAX_INT64)]
MAX_CSV = 5 * 1024 * 1024


@router.get("/rates", response_model=list[RateOut])
async def list_rates(_: Admin, request: Request, product: str | None = None) -> list[RateOut]:
    return [rate_out(r) for r in await Catalog(services_of(request)).rates(product)]


@router.put("/rates", response_model=Count)
async def set_rates(body: list[RateIn], _: Admin, request: Request) -> Count:
    """Insert or replace rates, all or nothing."""
    inputs = [RateInput(r.product, r.country, r.price, r.currency, r.prefix, r.account_id) for r in body]
    return Count(count=await Catalog(services_of(request)).set_rates(inputs))


CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "A header line product,country,price[,currency][,prefix][,account], then one rate a line.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.post("/rates/import", response_model=Count, openapi_extra=CSV_BODY)
async def import_rates(_: Admin, request: Request) -> Count:
    """Rates from a CSV body (UTF-8), all or nothing."""
    raw = await request.body()
    if len(raw) > MAX_CSV:
        raise OperatorError("the CSV is over 5 MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OperatorError("the CSV is not UTF-8") from exc
    return Count(count=await Catalog(services_of(request)).set_rates(Catalog.parse_rate_csv(text)))


@router.delete("/rates", response_model=Ok)
async def remove_rate(
    _: Admin,
    request: Request,
    product: str,
    country: str,
    prefix: str = "",
    account_id: AccountParam = None,
) -> Ok:
    try:
        await Catalog(services_of(request)).remove_rate(product, country, prefix, account_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()


@router.get("/words", response_model=list[WordOut])
async def list_words(_: Admin, request: Request) -> list[WordOut]:
    return [WordOut(word=w["word"], account_id=w["account_id"]) for w in await Catalog(services_of(request)).words()]


@router.post("/words", response_model=Ok, status_code=201)
async def add_word(body: WordIn, _: Admin, request: Request) -> Ok:
    await Catalog(services_of(request)).add_word(body.word, body.account_id)
    return Ok()


@router.delete("/words", response_model=Ok)
async def remove_word(_: Admin, request: Request, word: str, account_id: AccountParam = None) -> Ok:
    try:
        await Catalog(services_of(request)).remove_word(word, account_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()


@router.get("/apps/{app_id}/templates", response_model=list[TemplateOut])
async def list_templates(app_id: str, operator: SignedIn, request: Request) -> list[TemplateOut]:
    services = services_of(request)
    await app_for(services, operator, app_id)
    return [template_out(t) for t in await Catalog(services).templates(app_id)]


@router.post("/apps/{app_id}/templates", response_model=TemplateOut, status_code=201)
async def add_template(app_id: str, body: TemplateIn, operator: Admin, request: Request) -> TemplateOut:
    services = services_of(request)
    await app_for(services, operator, app_id)
    catalog = Catalog(services)
    template_id = await catalog.add_template(app_id, body.content, approved=body.approved)
    return next(template_out(t) for t in await catalog.templates(app_id) if t.id == template_id)


@router.post("/templates/{template_id}/approval", response_model=Ok)
async def approve_template(template_id: int, body: ApprovalIn, _: Admin, request: Request) -> Ok:
    try:
        await Catalog(services_of(request)).approve_template(template_id, body.approved)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()


@router.delete("/templates/{template_id}", response_model=Ok)
async def remove_template(template_id: int, _: Admin, request: Request) -> Ok:
    try:
        await Catalog(services_of(request)).remove_template(template_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()


def _live(request: Request) -> dict[str, dict[str, Any]]:
    states = carrier_states(services_of(request)) or []
    return {s.name: {"state": s.state, "up": s.up, **s.details, "binds": s.binds} for s in states}


@router.get("/carriers", response_model=list[CarrierOut])
async def list_carriers(_: Admin, request: Request) -> list[CarrierOut]:
    """Configured carriers (secrets hidden), with the live connector state where this process dispatches."""
    live = _live(request)
    return [carrier_out(c, live.get(c.name)) for c in await CarrierAdmin(services_of(request)).carriers()]


@router.post("/carriers", response_model=CarrierOut, status_code=201)
async def add_carrier(body: CarrierIn, _: Admin, request: Request) -> CarrierOut:
    """Add a carrier (checked before saving); dispatching processes start it when restarted."""
    return carrier_out(await CarrierAdmin(services_of(request)).add(body.name, body.type, body.config), None)


async def _set_carrier(request: Request, name: str, enabled: bool) -> CarrierOut:
    admin = CarrierAdmin(services_of(request))
    try:
        await admin.set_enabled(name, enabled)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return carrier_out(await admin.get(name), _live(request).get(name))


@router.post("/carriers/{name}/enable", response_model=CarrierOut)
async def enable_carrier(name: str, _: Admin, request: Request) -> CarrierOut:
    return await _set_carrier(request, name, True)


@router.post("/carriers/{name}/disable", response_model=CarrierOut)
async def disable_carrier(name: str, _: Admin, request: Request) -> CarrierOut:
    return await _set_carrier(request, name, False)


@router.post("/carriers/{name}/callback", response_model=CallbackOut)
async def set_carrier_callback(name: str, body: CallbackIn, _: Admin, request: Request) -> CallbackOut:
    """Give an HTTP carrier a new callback secret (the old one stops working at once); answered once."""
    secret = await CarrierAdmin(services_of(request)).set_callback(
        name, mode=body.mode, header=body.header, allow_ips=body.allow_ips
    )
    return CallbackOut(
        secret=secret,
        receipt_path=f"/carriers/{name}/{secret}/receipt",
        inbound_path=f"/carriers/{name}/{secret}/inbound",
    )


@router.get("/routes", response_model=list[RouteOut])
async def list_routes(_: Admin, request: Request) -> list[RouteOut]:
    return [route_out(r) for r in await CarrierAdmin(services_of(request)).routes()]


@router.post("/routes", response_model=RouteOut, status_code=201)
async def add_route(body: RouteIn, _: Admin, request: Request) -> RouteOut:
    admin = CarrierAdmin(services_of(request))
    route_id = await admin.add_route(
        body.carriers,
        position=body.position,
        country=body.country,
        prefix=body.prefix,
        account_id=body.account_id,
        sender_id=body.sender_id,
    )
    return next(route_out(r) for r in await admin.routes() if r.id == route_id)


@router.delete("/routes/{route_id}", response_model=Ok)
async def remove_route(route_id: int, _: Admin, request: Request) -> Ok:
    try:
        await CarrierAdmin(services_of(request)).remove_route(route_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return Ok()
