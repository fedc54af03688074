"""Console pages for accounts: list and create, balance with top-up and ledger, lock, credit line, API keys
(a new secret is shown once), IP allow-lists, apps with push URLs and options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of, signed_in
from switchboard.admin.lookup import account_for, app_for, details_for, key_for
from switchboard.admin.oversight import PAGE_SIZE, Oversight
from switchboard.console.forms import Form, read_form
from switchboard.console.web import ConsoleRoute, page_param, render, see_other
from switchboard.errors import OperatorError, Product
from switchboard.services.sms import SmsOptions
from switchboard.services.tenancy import Tenancy
from switchboard.store.tenants import App

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]


def option_fields(app: App) -> list[tuple[str, str, Any]]:
    """(name, "bool" | "int", current value) of an SMS app's options; other products have none yet."""
    if app.product != Product.SMS.value:
        return []
    current = SmsOptions.of(app.options)
    return [
        (f.name, "bool" if isinstance(getattr(current, f.name), bool) else "int", getattr(current, f.name))
        for f in fields(SmsOptions)
    ]


def options_from(form: Form, app: App) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, kind, current in option_fields(app):
        if kind == "bool":
            options[name] = form.flag(f"opt_{name}")
        else:
            value = form.integer(f"opt_{name}")
            options[name] = current if value is None else value
    return options


async def account_view(
    request: Request,
    operator: Operator,
    account_id: int,
    *,
    status: int = 200,
    message: str = "",
    new_key: tuple[str, str] | None = None,
) -> Response:
    services = services_of(request)
    account, keys, apps = await details_for(services, operator, account_id)
    ledger = await Oversight(services).ledger(account_id, page_param(request), PAGE_SIZE)
    return render(
        request,
        "account.html",
        status=status,
        account=account,
        keys=keys,
        apps=[(app, option_fields(app)) for app in apps],
        ledger=ledger,
        message=message,
        new_key=new_key,
        products=[p.value for p in Product],
    )


async def change(
    request: Request, operator: Operator, account_id: int, action: Callable[[], Awaitable[object]]
) -> Response:
    """Run a change, then show the account again; a refusal re-shows it with the reason."""
    await account_for(services_of(request), operator, account_id)
    try:
        await action()
    except OperatorError as exc:
        return await account_view(request, operator, account_id, status=422, message=str(exc))
    return see_other(f"/accounts/{account_id}")


@router.get("/accounts")
async def accounts_page(operator: SignedIn, request: Request) -> Response:
    if operator.scope is not None:
        return see_other(f"/accounts/{operator.scope}")
    everything = await Tenancy(services_of(request)).accounts()
    page = page_param(request)
    shown = everything[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    has_next = len(everything) > page * PAGE_SIZE
    return render(request, "accounts.html", accounts=shown, page=page, has_next=has_next, message="")


@router.post("/accounts")
async def create_account(operator: Admin, request: Request) -> Response:
    form = await read_form(request)
    try:
        new = await Tenancy(services_of(request)).create_account(
            name=form.text("name"),
            balance=form.text("balance") or "0",
            currency=form.text("currency") or "USD",
            credit=form.text("credit") or "0",
            allow_ips=form.items("allow_ips"),
        )
    except OperatorError as exc:
        accounts = await Tenancy(services_of(request)).accounts()
        return render(
            request,
            "accounts.html",
            status=422,
            accounts=accounts[:PAGE_SIZE],
            page=1,
            has_next=False,
            message=str(exc),
        )
    return await account_view(request, operator, new.account.id, new_key=(new.api_key, new.api_secret))


@router.get("/accounts/{account_id}")
async def account_page(account_id: int, operator: SignedIn, request: Request) -> Response:
    return await account_view(request, operator, account_id)


@router.post("/accounts/{account_id}/topup")
async def top_up(account_id: int, operator: Admin, request: Request) -> Response:
    form = await read_form(request)
    tenancy = Tenancy(services_of(request))
    return await change(
        request,
        operator,
        account_id,
        lambda: tenancy.topup(
            account_id, form.text("amount"), gift=form.flag("gift"), reference=form.text("reference")
        ),
    )


@router.post("/accounts/{account_id}/lock")
async def lock(account_id: int, operator: Admin, request: Request) -> Response:
    tenancy = Tenancy(services_of(request))
    return await change(request, operator, account_id, lambda: tenancy.set_account_flags(account_id, locked=True))


@router.post("/accounts/{account_id}/unlock")
async def unlock(account_id: int, operator: Admin, request: Request) -> Response:
    tenancy = Tenancy(services_of(request))
    return await change(request, operator, account_id, lambda: tenancy.set_account_flags(account_id, locked=False))


@router.post("/accounts/{account_id}/credit")
async def credit_line(account_id: int, operator: Admin, request: Request) -> Response:
    form = await read_form(request)
    tenancy = Tenancy(services_of(request))
    return await change(request, operator, account_id, lambda: tenancy.set_credit_line(account_id, form.text("amount")))


@router.post("/accounts/{account_id}/keys")
async def create_key(account_id: int, operator: SignedIn, request: Request) -> Response:
    """A new API key; the page shows its secret this once."""
    form = await read_form(request)
    await account_for(services_of(request), operator, account_id)
    try:
        new_key = await Tenancy(services_of(request)).create_key(account_id, allow_ips=form.items("allow_ips"))
    except OperatorError as exc:
        return await account_view(request, operator, account_id, status=422, message=str(exc))
    return await account_view(request, operator, account_id, new_key=new_key)


@router.post("/accounts/{account_id}/keys/{api_key}/{action}")
async def update_key(account_id: int, api_key: str, action: str, operator: SignedIn, request: Request) -> Response:
    """``enable``, ``disable`` or ``ips`` (the allow-list; empty allows any address)."""
    form = await read_form(request)
    services = services_of(request)
    await key_for(services, operator, account_id, api_key)
    actions: dict[str, dict[str, Any]] = {
        "enable": {"enabled": True},
        "disable": {"enabled": False},
        "ips": {"allowed_ips": form.items("allow_ips")},
    }
    values = actions.get(action, {})
    if not values:
        return await account_view(request, operator, account_id, status=404, message=f"no key action {action!r}")
    return await change(request, operator, account_id, lambda: Tenancy(services).update_key(api_key, **values))


@router.post("/accounts/{account_id}/apps")
async def create_app(account_id: int, operator: SignedIn, request: Request) -> Response:
    form = await read_form(request)
    tenancy = Tenancy(services_of(request))
    return await change(
        request,
        operator,
        account_id,
        lambda: tenancy.create_app(account_id, form.text("product"), form.optional("name")),
    )


@router.post("/apps/{app_id}")
async def update_app(app_id: str, operator: SignedIn, request: Request) -> Response:
    """Push URLs (empty clears one) and, for admins, the app's options."""
    form = await read_form(request)
    services = services_of(request)
    app = await app_for(services, operator, app_id)
    options = options_from(form, app) if operator.is_admin and form.flag("with_options") else None
    urls = {name: form.text(name) for name in ("report_url", "inbound_url", "call_url")}
    return await change(
        request, operator, app.account_id, lambda: Tenancy(services).update_app(app_id, options=options, **urls)
    )
