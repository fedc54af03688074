"""Console page for SIP phones (admins, read-only): every phone of the voice apps with its registration state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.console.web import ConsoleRoute, render
from switchboard.services.phones import PhoneAdmin

router = APIRouter(route_class=ConsoleRoute)
Admin = Annotated[Operator, Depends(admin_only)]


@router.get("/phones")
async def phones_page(_: Admin, request: Request) -> Response:
    app_id = request.query_params.get("app", "").strip()[:32]
    phones = await PhoneAdmin(services_of(request)).phones(app_id=app_id or None, limit=500)
    registered = sum(1 for p in phones if p.registered)
    return render(request, "phones.html", phones=phones, app_id=app_id, registered=registered)
