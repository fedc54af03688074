"""Call-center endpoints (mounted at ``/v3/cc``): agent groups, team leaders, agents, records, SIP trunks, tasks.

Every answer is envelope A with the Call Center code table (see docs/callcenter.md). Handlers are thin: they
parse the page or hand the parameters to a service, and render its result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from switchboard.api import callcenter_schemas as ccs
from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.domain.callcenter.rules import page, text
from switchboard.errors import Product
from switchboard.services.callcenter.agents import Agents
from switchboard.services.callcenter.groups import Groups
from switchboard.services.callcenter.leaders import Leaders
from switchboard.services.callcenter.records import Records
from switchboard.services.callcenter.tasks import Tasks
from switchboard.services.callcenter.trunks import Trunks

router = APIRouter()
UPLOAD_BODY = 6 * 1024 * 1024  # body_limit.MAX_REQUEST_BODY: larger bodies answer -38 there
CcCall = Annotated[Call, Depends(authenticated(Product.CC, app=False))]
AppCall = Annotated[Call, Depends(authenticated(Product.CC))]
MaybeAppCall = Annotated[Call, Depends(authenticated(Product.CC, app=False, app_optional=True))]
UploadCall = Annotated[Call, Depends(authenticated(Product.CC, app=False, max_body=UPLOAD_BODY))]


def post(path: str, body: type[Any], summary: str) -> Callable[[Any], Any]:
    return router.post(
        path,
        summary=summary,
        dependencies=schemas.SIGNED,
        openapi_extra=schemas.post_doc(body, summary + "."),
        responses=schemas.answers(ccs.DataAnswer),
    )


def get(path: str, query: type[Any], summary: str) -> Callable[[Any], Any]:
    return router.get(
        path,
        summary=summary,
        dependencies=schemas.SIGNED,
        openapi_extra=schemas.get_doc(query, summary + "."),
        responses=schemas.answers(ccs.DataAnswer),
    )


# ---- agent groups (C1-C7) ------------------------------------------------------------------------------


@post("/seatGroup/addGroup", ccs.AddGroupBody, "C1: create an agent group in the app")
async def add_group(call: AppCall) -> JsonResponse:
    await Groups(call.services).add(call.principal, call.params)
    return ok(data=None)


@post("/seatGroup/query", ccs.PageBody, "C2: the account's agent groups, paged")
async def query_groups(call: CcCall) -> JsonResponse:
    return ok(data=await Groups(call.services).query(call.principal, page(call.params)))


@post("/seatGroup/updateGroup", ccs.UpdateGroupBody, "C3: rename an agent group")
async def update_group(call: CcCall) -> JsonResponse:
    await Groups(call.services).rename(call.principal, call.params)
    return ok(data=None)


@get("/seatGroup/deleteGroup", ccs.GroupQuery, "C4: delete an empty, unbound agent group")
async def delete_group(call: CcCall) -> JsonResponse:
    await Groups(call.services).delete(call.principal, call.params)
    return ok(data=None)


@get("/seatGroup/basicSettingResp", ccs.GroupQuery, "C5: an agent group's settings")
async def group_settings(call: CcCall) -> JsonResponse:
    return ok(data=await Groups(call.services).settings(call.principal, call.params))


@post("/seatGroup/upload", ccs.FileBody, "C6: upload a transfer ring tone (MP3/WAV, <= 1 MB)")
async def upload_ring(call: CcCall) -> JsonResponse:
    return ok(data=await Groups(call.services).upload_ring(call.principal, call.params))


@get("/seatGroup/ring", ccs.RingQuery, "Download a ring tone of the account")
async def download_ring(call: CcCall) -> Response:
    name, data = await Groups(call.services).ring_bytes(call.principal, text(call.params, "fileName", 1, 32))
    kind = "audio/wav" if name.lower().endswith(".wav") else "audio/mpeg"
    return Response(data, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@post("/seatGroup/basicSetting", ccs.SettingsBody, "C7: change an agent group's settings and tags")
async def save_settings(call: CcCall) -> JsonResponse:
    await Groups(call.services).save_settings(call.principal, call.params)
    return ok(data=None)


# ---- team leaders (C8-C11) -----------------------------------------------------------------------------


@post("/teamleader/add", ccs.LeaderBody, "C8: create a team leader; answers its keyId")
async def add_leader(call: CcCall) -> JsonResponse:
    return ok(data=await Leaders(call.services).add(call.principal, call.params))


@post("/teamleader/query", ccs.PageBody, "C9: the account's team leaders, paged")
async def query_leaders(call: CcCall) -> JsonResponse:
    return ok(data=await Leaders(call.services).query(call.principal, page(call.params)))


@post("/teamleader/update", ccs.LeaderBody, "C10: edit a team leader")
async def update_leader(call: CcCall) -> JsonResponse:
    await Leaders(call.services).update(call.principal, call.params)
    return ok(data=None)


@post("/teamleader/batchUpdateStatus", ccs.StatusBody, "C11: delete, disable or enable team leaders")
async def leader_status(call: CcCall) -> JsonResponse:
    await Leaders(call.services).set_status(call.principal, call.params)
    return ok(data=None)


# ---- agents (C12-C16) ----------------------------------------------------------------------------------


@post("/seat/addSeatList", ccs.AddSeatsBody, "C12: create agents in a group; answers their keyId and name")
async def add_seats(call: CcCall) -> JsonResponse:
    return ok(data=await Agents(call.services).add(call.principal, call.params))


@post("/seat/query", ccs.PageBody, "C13: the account's agents with their statistics, paged")
async def query_seats(call: CcCall) -> JsonResponse:
    return ok(data=await Agents(call.services).query(call.principal, page(call.params)))


@post("/seat/updateSeat", ccs.UpdateSeatBody, "C14: edit an agent")
async def update_seat(call: CcCall) -> JsonResponse:
    await Agents(call.services).update(call.principal, call.params)
    return ok(data=None)


@post("/seat/batchingSeat", ccs.StatusBody, "C15: delete, disable or enable agents")
async def batch_seats(call: CcCall) -> JsonResponse:
    await Agents(call.services).batch(call.principal, call.params)
    return ok(data=None)


@post("/seat/updatePriority", ccs.PriorityBody, "C16: set agents' priorities (1-999)")
async def seat_priority(call: CcCall) -> JsonResponse:
    await Agents(call.services).priorities(call.principal, call.params)
    return ok(data=None)


# ---- records (C17) -------------------------------------------------------------------------------------


@post("/record/query", ccs.PageBody, "C17: call records of a window, paged")
async def query_records(call: CcCall) -> JsonResponse:
    return ok(data=await Records(call.services).query(call.principal, page(call.params)))


# ---- SIP trunks (C18-C20) ------------------------------------------------------------------------------


@post("/sipTrunk/add", ccs.TrunkBody, "C18: create a SIP trunk; answers its keyId")
async def add_trunk(call: CcCall) -> JsonResponse:
    return ok(data=await Trunks(call.services).add(call.principal, call.params))


@post("/sipTrunk/query", ccs.PageBody, "C19: the account's SIP trunks, paged")
async def query_trunks(call: CcCall) -> JsonResponse:
    return ok(data=await Trunks(call.services).query(call.principal, page(call.params)))


@post("/sipTrunk/update", ccs.TrunkBody, "C20: edit a SIP trunk")
async def update_trunk(call: CcCall) -> JsonResponse:
    await Trunks(call.services).update(call.principal, call.params)
    return ok(data=None)


# ---- outbound tasks (C21-C25) --------------------------------------------------------------------------


@post("/preview/upload", ccs.FileBody, "C21: upload a callee list (.xls, .xlsx, .csv)")
async def upload_callees(call: UploadCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).upload(call.principal, call.params))


@post("/preview/submitTask", ccs.TaskBody, "C22: create an outbound task; answers its taskId")
async def submit_task(call: MaybeAppCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).submit(call.principal, call.params))


@post("/preview/resendTask", ccs.TaskBody, "C23: call a task's numbers again")
async def resend_task(call: MaybeAppCall) -> JsonResponse:
    await Tasks(call.services).resend(call.principal, call.params)
    return ok(data=None)


@post("/preview/query", ccs.PageBody, "C24: the account's tasks, paged")
async def query_tasks(call: CcCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).query(call.principal, page(call.params)))


@post("/preview/agent/editTask", ccs.EditTaskBody, "C25: change a group call's remark and calloutRate")
async def edit_task(call: CcCall) -> JsonResponse:
    await Tasks(call.services).edit(call.principal, call.params)
    return ok(data=None)
