"""Console pages for group-call tasks (admins, read-only): every task with its live progress, and one task
with its counts, its outcomes over time and its numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.console.campaign_chart import outcome_chart
from switchboard.console.web import ConsoleRoute, render
from switchboard.errors import OperatorError
from switchboard.services.campaign_admin import NUMBER_STATES, CampaignAdmin

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]
STATUS_NAMES = ("waiting", "calling", "finished", "submit failed", "cancelled", "suspended", "submitting")


@router.get("/campaigns")
async def campaigns_page(_: Admin, request: Request) -> Response:
    tasks = await CampaignAdmin(services_of(request)).tasks()
    return render(request, "campaigns.html", tasks=tasks, names=STATUS_NAMES)


@router.get("/campaigns/{campaign_id}")
async def campaign_page(campaign_id: str, _: Admin, request: Request) -> Response:
    if not campaign_id.isdigit():
        raise HTTPException(status_code=404)
    admin = CampaignAdmin(services_of(request))
    try:
        task = await admin.task(int(campaign_id))
    except OperatorError as exc:
        raise HTTPException(status_code=404) from exc
    state = request.query_params.get("state", "")
    numbers = await admin.numbers(int(campaign_id), state=state or None)
    chart = outcome_chart(await admin.timeline(int(campaign_id)))
    return render(
        request,
        "campaign.html",
        t=task,
        numbers=numbers,
        chart=chart,
        names=STATUS_NAMES,
        states=NUMBER_STATES,
        selected=state,
    )
