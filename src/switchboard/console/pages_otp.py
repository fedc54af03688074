"""Console page: OTP conversion rates per app, template and country, and the reported backfillRate figures.

Account users see their own account's figures only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.console.web import ConsoleRoute, render
from switchboard.services.conversions import Conversions

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]
DAY_CHOICES = (1, 7, 30, 90)


@router.get("/otp")
async def otp_page(operator: SignedIn, request: Request) -> Response:
    problems: list[str] = []
    raw_days = request.query_params.get("days", "7").strip()
    days = int(raw_days) if raw_days.isdigit() and int(raw_days) in DAY_CHOICES else 7
    if raw_days and raw_days != str(days):
        problems.append(f"days is one of {', '.join(map(str, DAY_CHOICES))}")
    raw_account = request.query_params.get("account", "").strip()
    account_id: int | None = None
    if raw_account:
        if raw_account.isdigit():
            account_id = int(raw_account)
            operator.check_account(account_id)
        else:
            problems.append("account must be a number")
    scope = operator.scope if operator.scope is not None else account_id
    service = Conversions(services_of(request))
    rates = await service.rates(account_id=scope, days=days)
    reported = await service.reported_rates(account_id=scope, days=days)
    return render(
        request,
        "otp.html",
        q={"days": str(days), "account": raw_account},
        problems=problems,
        days=days,
        day_choices=DAY_CHOICES,
        rates=rates,
        reported=reported,
    )
