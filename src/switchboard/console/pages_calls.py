"""Console pages for voice calls (admins, read-only): the latest calls and one call with its pushes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.admin.api_calls import call_with_pushes
from switchboard.console.web import ConsoleRoute, render
from switchboard.services.voice import VoiceAdmin

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]
STATES = ("queued", "calling", "done")


@router.get("/calls")
async def calls_page(_: Admin, request: Request) -> Response:
    status = request.query_params.get("status", "")
    calls = await VoiceAdmin(services_of(request)).calls(limit=200, status=status if status in STATES else None)
    return render(request, "calls.html", calls=calls, selected=status, states=STATES)


@router.get("/calls/{voice_id}")
async def call_page(voice_id: str, _: Admin, request: Request) -> Response:
    detail = await call_with_pushes(request, voice_id)
    return render(request, "call.html", c=detail.call, pushes=detail.pushes)
