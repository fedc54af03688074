"""Admin API: SMPP accounts (credentials of customers binding to ``switchboard smpp-server``).

Account users see the SMPP accounts of their own apps; creating, changing and removing them is for admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from switchboard.admin.access import Operator, admin_only, services_of, signed_in
from switchboard.admin.errors import NotFound
from switchboard.admin.lookup import app_for
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import Model, Ok
from switchboard.smppd.accounts import DEFAULT_MAX_BINDS, DEFAULT_THROUGHPUT, SmppAccounts
from switchboard.store.smpp import SmppAccount

router = APIRouter(route_class=AdminRoute, tags=["admin: smpp"])
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]


class SmppAccountIn(Model):
    system_id: str = Field(min_length=1, max_length=15)
    app_id: str
    password: str | None = Field(default=None, description="1-8 characters; generated when absent.")
    allowed_ips: list[str] = []
    max_binds: int = DEFAULT_MAX_BINDS
    throughput: int = Field(default=DEFAULT_THROUGHPUT, description="Submits per second; 0 = unlimited.")


class SmppAccountPatch(Model):
    password: str | None = None
    allowed_ips: list[str] | None = None
    max_binds: int | None = None
    throughput: int | None = None
    enabled: bool | None = None


class SmppAccountOut(Model):
    system_id: str
    app_id: str
    allowed_ips: list[str]
    max_binds: int
    throughput: int
    enabled: bool


class NewSmppAccountOut(SmppAccountOut):
    password: str = Field(description="Shown only now.")


def _out(a: SmppAccount) -> SmppAccountOut:
    return SmppAccountOut(
        system_id=a.system_id,
        app_id=a.app_id,
        allowed_ips=a.allowed_ips,
        max_binds=a.max_binds,
        throughput=a.throughput,
        enabled=a.enabled,
    )


@router.get("/smpp-accounts", response_model=list[SmppAccountOut])
async def list_smpp_accounts(operator: SignedIn, request: Request) -> list[SmppAccountOut]:
    services = services_of(request)
    found = []
    for account in await SmppAccounts(services).all():
        try:
            await app_for(services, operator, account.app_id)
        except NotFound:
            continue
        found.append(_out(account))
    return found


@router.post("/smpp-accounts", response_model=NewSmppAccountOut, status_code=201)
async def create_smpp_account(body: SmppAccountIn, _: Admin, request: Request) -> NewSmppAccountOut:
    new = await SmppAccounts(services_of(request)).create(
        body.system_id,
        body.app_id,
        password=body.password,
        allow_ips=body.allowed_ips,
        max_binds=body.max_binds,
        throughput=body.throughput,
    )
    return NewSmppAccountOut(**_out(new.account).model_dump(), password=new.password)


@router.patch("/smpp-accounts/{system_id}", response_model=SmppAccountOut)
async def update_smpp_account(system_id: str, body: SmppAccountPatch, _: Admin, request: Request) -> SmppAccountOut:
    services = services_of(request)
    if await SmppAccounts(services).get(system_id) is None:
        raise NotFound(f"no SMPP account {system_id}")
    account = await SmppAccounts(services).update(
        system_id,
        password=body.password,
        allow_ips=body.allowed_ips,
        max_binds=body.max_binds,
        throughput=body.throughput,
        enabled=body.enabled,
    )
    return _out(account)


@router.delete("/smpp-accounts/{system_id}", response_model=Ok)
async def delete_smpp_account(system_id: str, _: Admin, request: Request) -> Ok:
    services = services_of(request)
    if await SmppAccounts(services).get(system_id) is None:
        raise NotFound(f"no SMPP account {system_id}")
    await SmppAccounts(services).remove(system_id)
    return Ok()
