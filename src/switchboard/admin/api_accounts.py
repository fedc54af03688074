"""Admin API: accounts (balance, ledger, lock, credit line), their API keys and their apps.

Account users reach their own account only (others answer 404); top-ups, locks, credit lines, new accounts
and app options are for admins (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from switchboard.admin.access import Operator, admin_only, services_of, signed_in
from switchboard.admin.lookup import account_for, app_for, details_for, key_for
from switchboard.admin.oversight import MAX_PAGE, MAX_PAGE_SIZE, PAGE_SIZE, Oversight
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import (
    AccountIn,
    AccountOut,
    AllowedIpsIn,
    AppIn,
    AppOut,
    AppPatch,
    CreditIn,
    KeyIn,
    KeyOut,
    LedgerOut,
    NewAccountOut,
    NewKeyOut,
    TopUpIn,
    account_out,
    app_out,
    key_out,
    ledger_out,
)
from switchboard.services.tenancy import Tenancy

router = APIRouter(route_class=AdminRoute, tags=["admin: accounts"])
SignedIn = Annotated[Operator, Depends(signed_in)]
Admin = Annotated[Operator, Depends(admin_only)]


@router.get("/accounts", response_model=list[AccountOut])
async def list_accounts(operator: SignedIn, request: Request) -> list[AccountOut]:
    services = services_of(request)
    if operator.scope is not None:
        return [account_out(await account_for(services, operator, operator.scope))]
    return [account_out(a) for a in await Tenancy(services).accounts()]


@router.post("/accounts", response_model=NewAccountOut, status_code=201)
async def create_account(body: AccountIn, _: Admin, request: Request) -> NewAccountOut:
    """A new account with its first API key (the secret is shown only now) and one app per product."""
    new = await Tenancy(services_of(request)).create_account(
        name=body.name,
        balance=body.balance,
        currency=body.currency,
        gift=body.gift,
        credit=body.credit,
        allow_ips=body.allow_ips,
    )
    return NewAccountOut(
        account=account_out(new.account), api_key=new.api_key, api_secret=new.api_secret, apps=new.apps
    )


@router.get("/accounts/{account_id}", response_model=AccountOut)
async def show_account(account_id: int, operator: SignedIn, request: Request) -> AccountOut:
    return account_out(await account_for(services_of(request), operator, account_id))


@router.post("/accounts/{account_id}/topup", response_model=AccountOut)
async def top_up(account_id: int, body: TopUpIn, operator: Admin, request: Request) -> AccountOut:
    services = services_of(request)
    await account_for(services, operator, account_id)
    account = await Tenancy(services).topup(account_id, body.amount, gift=body.gift, reference=body.reference)
    return account_out(account)


@router.post("/accounts/{account_id}/lock", response_model=AccountOut)
async def lock(account_id: int, operator: Admin, request: Request) -> AccountOut:
    services = services_of(request)
    await account_for(services, operator, account_id)
    return account_out(await Tenancy(services).set_account_flags(account_id, locked=True))


@router.post("/accounts/{account_id}/unlock", response_model=AccountOut)
async def unlock(account_id: int, operator: Admin, request: Request) -> AccountOut:
    services = services_of(request)
    await account_for(services, operator, account_id)
    return account_out(await Tenancy(services).set_account_flags(account_id, locked=False))


@router.put("/accounts/{account_id}/credit", response_model=AccountOut)
async def credit_line(account_id: int, body: CreditIn, operator: Admin, request: Request) -> AccountOut:
    services = services_of(request)
    await account_for(services, operator, account_id)
    return account_out(await Tenancy(services).set_credit_line(account_id, body.amount))


@router.get("/accounts/{account_id}/ledger", response_model=list[LedgerOut])
async def ledger(
    account_id: int,
    operator: SignedIn,
    request: Request,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> list[LedgerOut]:
    """Ledger entries, newest first."""
    services = services_of(request)
    await account_for(services, operator, account_id)
    return [ledger_out(r) for r in (await Oversight(services).ledger(account_id, page, size)).items]


@router.get("/accounts/{account_id}/keys", response_model=list[KeyOut])
async def list_keys(account_id: int, operator: SignedIn, request: Request) -> list[KeyOut]:
    _, keys, _ = await details_for(services_of(request), operator, account_id)
    return [key_out(k) for k in keys]


@router.post("/accounts/{account_id}/keys", response_model=NewKeyOut, status_code=201)
async def create_key(account_id: int, body: KeyIn, operator: SignedIn, request: Request) -> NewKeyOut:
    """A new API key; its secret is shown only now."""
    services = services_of(request)
    await account_for(services, operator, account_id)
    api_key, secret = await Tenancy(services).create_key(account_id, allow_ips=body.allow_ips, apps=body.apps or None)
    return NewKeyOut(api_key=api_key, api_secret=secret)


async def _update_key(request: Request, operator: Operator, account_id: int, api_key: str, **values: object) -> KeyOut:
    services = services_of(request)
    await key_for(services, operator, account_id, api_key)
    return key_out(await Tenancy(services).update_key(api_key, **values))


@router.post("/accounts/{account_id}/keys/{api_key}/enable", response_model=KeyOut)
async def enable_key(account_id: int, api_key: str, operator: SignedIn, request: Request) -> KeyOut:
    return await _update_key(request, operator, account_id, api_key, enabled=True)


@router.post("/accounts/{account_id}/keys/{api_key}/disable", response_model=KeyOut)
async def disable_key(account_id: int, api_key: str, operator: SignedIn, request: Request) -> KeyOut:
    return await _update_key(request, operator, account_id, api_key, enabled=False)


@router.put("/accounts/{account_id}/keys/{api_key}/allowed-ips", response_model=KeyOut)
async def allowed_ips(
    account_id: int, api_key: str, body: AllowedIpsIn, operator: SignedIn, request: Request
) -> KeyOut:
    """The addresses or CIDRs the key may be used from; an empty list allows any."""
    return await _update_key(request, operator, account_id, api_key, allowed_ips=body.allow_ips)


@router.get("/accounts/{account_id}/apps", response_model=list[AppOut])
async def list_apps(account_id: int, operator: SignedIn, request: Request) -> list[AppOut]:
    _, _, apps = await details_for(services_of(request), operator, account_id)
    return [app_out(a) for a in apps]


@router.post("/accounts/{account_id}/apps", response_model=AppOut, status_code=201)
async def create_app(account_id: int, body: AppIn, operator: SignedIn, request: Request) -> AppOut:
    services = services_of(request)
    await account_for(services, operator, account_id)
    return app_out(await Tenancy(services).create_app(account_id, body.product, body.name))


@router.get("/apps/{app_id}", response_model=AppOut)
async def show_app(app_id: str, operator: SignedIn, request: Request) -> AppOut:
    return app_out(await app_for(services_of(request), operator, app_id))


@router.patch("/apps/{app_id}", response_model=AppOut)
async def update_app(app_id: str, body: AppPatch, operator: SignedIn, request: Request) -> AppOut:
    """Push URLs (any user of the account) and options (admins only)."""
    services = services_of(request)
    await app_for(services, operator, app_id)
    if body.options:
        operator.require_admin()
    updated = await Tenancy(services).update_app(
        app_id,
        options=body.options,
        report_url=body.report_url,
        inbound_url=body.inbound_url,
        call_url=body.call_url,
    )
    return app_out(updated)
