"""Admin API: OTP conversion rates (postback/backfill reports against the codes sent) and the backfillRate
figures customers report. An account user sees only the account's own figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import MAX_INT64, MIN_INT64
from switchboard.services.conversions import Conversions

router = APIRouter(route_class=AdminRoute, tags=["admin: otp"])
SignedIn = Annotated[Operator, Depends(signed_in)]
MAX_DAYS = 90


class ConversionRateOut(BaseModel):
    app_id: str
    template_id: int | None
    template_name: str | None
    country: str | None
    sent: int
    converted: int
    rate: float | None


class ReportedRateOut(BaseModel):
    app_id: str
    mcc: str
    converted: int
    base: int
    rate: float
    reported_rate: str | None
    callback_time: str


class ConversionsOut(BaseModel):
    days: int
    rates: list[ConversionRateOut]
    reported: list[ReportedRateOut]


@router.get("/otp/conversions", response_model=ConversionsOut)
async def conversions(
    operator: SignedIn,
    request: Request,
    account_id: Annotated[int | None, Query(alias="accountId", ge=MIN_INT64, le=MAX_INT64)] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 7,
) -> ConversionsOut:
    """Per app, template and country: OTP codes sent and conversions reported in the last ``days``, and the
    backfillRate figures reported in that time."""
    if account_id is not None:
        operator.check_account(account_id)
    scope = operator.scope if operator.scope is not None else account_id
    service = Conversions(services_of(request))
    rows = await service.rates(account_id=scope, days=days)
    reported = await service.reported_rates(account_id=scope, days=days)
    return ConversionsOut(
        days=days,
        rates=[
            ConversionRateOut(
                app_id=r.app_id,
                template_id=r.template_id,
                template_name=r.template_name,
                country=r.country,
                sent=r.sent,
                converted=r.converted,
                rate=None if r.rate is None else round(r.rate, 4),
            )
            for r in rows
        ],
        reported=[
            ReportedRateOut(
                app_id=r["appId"],
                mcc=r["mcc"],
                converted=r["converted"],
                base=r["base"],
                rate=r["rate"],
                reported_rate=r["reportedRate"],
                callback_time=r["callbackTime"],
            )
            for r in reported
        ],
    )
