"""Console pages for what admins configure: rates (with CSV import), sensitive words and templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.admin.lookup import app_for
from switchboard.admin.oversight import PAGE_SIZE
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, page_param, render, see_other
from switchboard.errors import OperatorError, Product
from switchboard.services.catalog import Catalog, RateInput

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]


async def rates_view(request: Request, *, status: int = 200, message: str = "") -> Response:
    everything = await Catalog(services_of(request)).rates()
    page = page_param(request)
    return render(
        request,
        "rates.html",
        status=status,
        rates=everything[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        has_next=len(everything) > page * PAGE_SIZE,
        message=message,
        products=[p.value for p in Product],
    )


async def rates_change(request: Request, action: Callable[[], Awaitable[object]]) -> Response:
    try:
        await action()
    except OperatorError as exc:
        return await rates_view(request, status=422, message=str(exc))
    return see_other("/rates")


@router.get("/rates")
async def rates_page(_: Admin, request: Request) -> Response:
    return await rates_view(request)


@router.post("/rates")
async def set_rate(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    rate = RateInput(
        product=form.text("product") or "sms",
        country=form.text("country"),
        price=form.text("price"),
        currency=form.text("currency") or "USD",
        prefix=form.text("prefix"),
        account_id=form.integer("account_id"),
    )
    return await rates_change(request, lambda: Catalog(services_of(request)).set_rates([rate]))


@router.post("/rates/import")
async def import_rates(_: Admin, request: Request) -> Response:
    """Rates from an uploaded CSV file, all or nothing."""
    form = await read_form(request)
    text = await form.upload("csv")
    catalog = Catalog(services_of(request))
    return await rates_change(request, lambda: catalog.set_rates(Catalog.parse_rate_csv(text)))


@router.post("/rates/remove")
async def remove_rate(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    catalog = Catalog(services_of(request))
    return await rates_change(
        request,
        lambda: catalog.remove_rate(
            form.text("product"), form.text("country"), form.text("prefix"), form.integer("account_id")
        ),
    )


async def words_view(request: Request, *, status: int = 200, message: str = "") -> Response:
    words = await Catalog(services_of(request)).words()
    page = page_param(request)
    return render(
        request,
        "words.html",
        status=status,
        words=words[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        has_next=len(words) > page * PAGE_SIZE,
        message=message,
    )


@router.get("/words")
async def words_page(_: Admin, request: Request) -> Response:
    return await words_view(request)


@router.post("/words/{action}")
async def change_word(action: str, _: Admin, request: Request) -> Response:
    """``add`` or ``remove`` a sensitive word (global, or of one account)."""
    form = await read_form(request)
    catalog = Catalog(services_of(request))
    try:
        if action == "add":
            await catalog.add_word(form.text("word"), form.integer("account_id"))
        elif action == "remove":
            await catalog.remove_word(form.text("word"), form.integer("account_id"))
        else:
            return await words_view(request, status=404, message=f"no word action {action!r}")
    except OperatorError as exc:
        return await words_view(request, status=422, message=str(exc))
    return see_other("/words")


async def templates_view(request: Request, operator: Operator, *, status: int = 200, message: str = "") -> Response:
    app_id = request.query_params.get("app", "").strip()
    app = await app_for(services_of(request), operator, app_id) if app_id else None
    templates = await Catalog(services_of(request)).templates(app_id) if app else []
    return render(request, "templates.html", status=status, app=app, templates=templates, message=message)


@router.get("/templates")
async def templates_page(operator: Admin, request: Request) -> Response:
    return await templates_view(request, operator)


@router.post("/templates")
async def template_action(operator: Admin, request: Request) -> Response:
    """``add`` a template to an app, ``approve``/``unapprove`` or ``remove`` one."""
    form = await read_form(request)
    app_id, action = form.text("app_id"), form.text("action")
    await app_for(services_of(request), operator, app_id)
    catalog = Catalog(services_of(request))
    template_id = form.integer("template_id") or 0
    try:
        if action == "add":
            await catalog.add_template(app_id, form.text("content"), approved=form.flag("approved"))
        elif action in ("approve", "unapprove"):
            await catalog.approve_template(template_id, action == "approve")
        elif action == "remove":
            await catalog.remove_template(template_id)
    except OperatorError as exc:
        return render(request, "error.html", status=422, status_code=422, message=str(exc))
    return see_other(f"/templates?app={app_id}")
