"""The console's dashboard: traffic per hour, delivery rates, queues, carriers and low balances (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin import dashboard
from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.console.charts import hour_chart, rate_chart
from switchboard.console.web import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Operator, Depends(signed_in)]


@router.get("/")
async def dashboard_page(operator: SignedIn, request: Request, below: str | None = None) -> Response:
    stats = await dashboard.build(services_of(request), operator.scope, dashboard.alert_threshold(below))
    return render(
        request,
        "dashboard.html",
        stats=stats,
        hours=hour_chart(stats.hourly),
        countries=rate_chart(stats.by_country),
        carriers=rate_chart(stats.by_carrier),
        below=below or dashboard.DEFAULT_ALERT_BELOW,
    )
