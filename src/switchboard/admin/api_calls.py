"""Admin API: voice calls (read-only, admins), from the voice service's own operator view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from switchboard.admin.access import Operator, admin_only, services_of
from switchboard.admin.errors import NotFound
from switchboard.admin.oversight import Oversight
from switchboard.admin.queries import PushFilter
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import Model
from switchboard.admin.traffic_schemas import PushDetail, push_detail
from switchboard.errors import OperatorError
from switchboard.money import format_amount
from switchboard.services.voice import VoiceAdmin

router = APIRouter(route_class=AdminRoute, tags=["admin: traffic"])
Admin = Annotated[Operator, Depends(admin_only)]


class CallOut(Model):
    voice_id: str
    account_id: int
    app_id: str
    type: int
    callee: str
    display_num: str | None
    country: str
    status: str
    trunk: str | None
    cost: str
    currency: str
    call_duration: int
    charged_duration: int
    termination_code: str | None
    termination_reason: str | None
    sip_code: str | None
    keys: str
    created_at: datetime
    call_at: datetime | None
    ringing_at: datetime | None
    answer_at: datetime | None
    hangup_at: datetime | None
    sip_group_name: str | None = None  # sendSip calls: the phone's group and name, the recording
    phone_name: str | None = None
    recording_file_id: str | None = None


class CallDetail(Model):
    call: CallOut
    pushes: list[PushDetail]


def call_out(row: dict[str, Any]) -> CallOut:
    return CallOut(**{**row, "cost": format_amount(row["cost"])})


async def call_with_pushes(request: Request, voice_id: str) -> CallDetail:
    services = services_of(request)
    try:
        row = await VoiceAdmin(services).call(voice_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    oversight = Oversight(services)
    pushes = []
    for push in (await oversight.pushes(PushFilter(ref=voice_id, kind="call"))).items:
        view = await oversight.push(push["id"], None)
        if view is not None:
            pushes.append(push_detail(view.push, view.attempts))
    return CallDetail(call=call_out(row), pushes=pushes)


@router.get("/calls", response_model=list[CallOut])
async def list_calls(
    _: Admin,
    request: Request,
    status: Annotated[str | None, Query(description="queued | calling | done")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[CallOut]:
    """The latest calls, newest first."""
    return [call_out(c) for c in await VoiceAdmin(services_of(request)).calls(limit=limit, status=status or None)]


@router.get("/calls/{voice_id}", response_model=CallDetail)
async def show_call(voice_id: str, _: Admin, request: Request) -> CallDetail:
    """A call and its result pushes with their attempts."""
    return await call_with_pushes(request, voice_id)
