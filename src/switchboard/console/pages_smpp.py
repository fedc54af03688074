"""Console page for SMPP accounts (customers binding to ``switchboard smpp-server``): list, create, enable,
disable, remove. The password of a new account is shown once, on the page that created it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.console.forms import read_form
from switchboard.console.web import ConsoleRoute, render, see_other
from switchboard.errors import OperatorError
from switchboard.smppd.accounts import DEFAULT_MAX_BINDS, DEFAULT_THROUGHPUT, SmppAccounts

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]


async def smpp_view(request: Request, *, status: int = 200, message: str = "", created: str = "") -> Response:
    return render(
        request,
        "smpp.html",
        status=status,
        accounts=await SmppAccounts(services_of(request)).all(),
        message=message,
        created=created,
        max_binds=DEFAULT_MAX_BINDS,
        throughput=DEFAULT_THROUGHPUT,
    )


@router.get("/smpp")
async def smpp_page(_: Admin, request: Request) -> Response:
    return await smpp_view(request)


@router.post("/smpp")
async def create_smpp_account(_: Admin, request: Request) -> Response:
    form = await read_form(request)
    try:
        throughput = form.integer("throughput")
        new = await SmppAccounts(services_of(request)).create(
            form.text("system_id"),
            form.text("app_id"),
            password=form.optional("password"),
            allow_ips=form.items("allow_ips"),
            max_binds=form.integer("max_binds") or DEFAULT_MAX_BINDS,
            throughput=DEFAULT_THROUGHPUT if throughput is None else throughput,
        )
    except OperatorError as exc:
        return await smpp_view(request, status=422, message=str(exc))
    return await smpp_view(
        request, status=201, created=f"{new.account.system_id}: password {new.password} (shown only now)"
    )


@router.post("/smpp/{system_id}/{action}")
async def change_smpp_account(system_id: str, action: str, _: Admin, request: Request) -> Response:
    """``enable``, ``disable`` or ``remove`` an SMPP account."""
    accounts = SmppAccounts(services_of(request))
    try:
        if action == "remove":
            await accounts.remove(system_id)
        elif action in ("enable", "disable"):
            await accounts.update(system_id, enabled=action == "enable")
        else:
            return await smpp_view(request, status=404, message=f"no SMPP account action {action!r}")
    except OperatorError as exc:
        return await smpp_view(request, status=404, message=str(exc))
    return see_other("/smpp")
