"""Account endpoints: ``getBalance`` (SMS table)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.errors import Product
from switchboard.money import format_amount
from switchboard.store import tenants

router = APIRouter()


# The balance is the account's, and every key of the account may read it (an app-restricted key included).
BalanceCall = Annotated[Call, Depends(authenticated(Product.SMS, app=False, restricted_keys=True))]


@router.post(
    "/getBalance",
    summary="Account balance, gift and credit line",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(None, schemas.BALANCE),
    responses=schemas.answers(schemas.BalanceAnswer),
)
@router.get(
    "/getBalance",
    summary="Account balance, gift and credit line",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, schemas.BALANCE),
    responses=schemas.answers(schemas.BalanceAnswer),
)
async def get_balance(
    call: Annotated[Call, Depends(authenticated(Product.SMS, app=False, restricted_keys=True))],
) -> JsonResponse:
    async with call.services.db.read() as conn:
        account = await tenants.get_account(conn, call.principal.account.id) or call.principal.account
    return ok(
        balance=format_amount(account.balance),
        gift=format_amount(account.gift),
        credit=format_amount(account.credit),
    )
