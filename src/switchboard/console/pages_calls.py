"""Console pages for voice calls (admins, read-only): the latest calls, one call with its pushes and, for a
bridged call, its recording (played in the page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import FileResponse, Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.admin.api_calls import call_with_pushes
from switchboard.console.web import ConsoleRoute, render
from switchboard.errors import OperatorError
from switchboard.services.recordings import Recordings
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


@router.get("/calls/{voice_id}/recording")
async def call_recording(voice_id: str, _: Admin, request: Request) -> Response:
    services = services_of(request)
    try:
        call = await VoiceAdmin(services).call(voice_id)
    except OperatorError:
        return Response("no such call", status_code=404, media_type="text/plain")
    file_id = call.get("recording_file_id")
    path = Recordings(services).path(file_id) if file_id else None
    if path is None or not path.is_file():
        return Response("no recording", status_code=404, media_type="text/plain")
    return FileResponse(path, media_type="audio/mpeg" if path.suffix == ".mp3" else "audio/wav")
