"""Intelligent-voice endpoints (mounted at ``/v3/AiVoice`` and ``/aivoice``): flows, lines, robot tasks.

Every answer is envelope A with the Intelligent-voice code table (see docs/aivoice.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import aivoice_schemas as ais
from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.errors import Product
from switchboard.services.aivoice.flows import Flows
from switchboard.services.aivoice.tasks import Tasks, record_query

router = APIRouter()
AiCall = Annotated[Call, Depends(authenticated(Product.AIVOICE))]


AiPagedCall = Annotated[Call, Depends(authenticated(Product.AIVOICE, app_in="params"))]


@router.post(
    "/dialogFlowList",
    summary="A1: the account's dialog flows",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.AppBody, "A1: the account's dialog flows."),
    responses=schemas.answers(ais.DataAnswer),
)
async def dialog_flow_list(call: AiCall) -> JsonResponse:
    return ok(data=await Flows(call.services).listed(call.principal.account.id))


@router.post(
    "/channelList",
    summary="A2: the account's outbound lines",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.AppBody, "A2: the account's outbound lines."),
    responses=schemas.answers(ais.DataAnswer),
)
async def channel_list(call: AiCall) -> JsonResponse:
    return ok(data=await Flows(call.services).lines(call.principal.account.id))


@router.post(
    "/taskAdd",
    summary="A3: create a robot task; answers its jobId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.TaskBody, "A3: create a robot task; answers its jobId."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_add(call: AiCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).add(call.principal, call.params))


@router.post(
    "/taskEdit",
    summary="A4: change a task that is not running",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.TaskBody, "A4: change a task that is not running."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_edit(call: AiCall) -> JsonResponse:
    await Tasks(call.services).edit(call.principal, call.params)
    return ok(data=None)


@router.post(
    "/properties",
    summary="A5: the variables a task's flow needs",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.JobBody, "A5: the variables a task's flow needs."),
    responses=schemas.answers(ais.DataAnswer),
)
async def properties(call: AiCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).properties(call.principal, call.params))


@router.post(
    "/importCustomer",
    summary="A6: import <= 100 customers; answers the failed rows",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.ImportBody, "A6: import <= 100 customers; answers the failed rows."),
    responses=schemas.answers(ais.DataAnswer),
)
async def import_customer(call: AiCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).import_customers(call.principal, call.params))


@router.post(
    "/importCustomer/del",
    summary="A7: delete numbers not yet called",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.ImportDelBody, "A7: delete numbers not yet called."),
    responses=schemas.answers(ais.DataAnswer),
)
async def import_customer_del(call: AiCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).delete_customers(call.principal, call.params))


@router.post(
    "/taskStart",
    summary="A8: start (or resume) a task",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.JobBody, "A8: start (or resume) a task."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_start(call: AiCall) -> JsonResponse:
    await Tasks(call.services).start(call.principal, call.params)
    return ok(data=None)


@router.post(
    "/taskStop",
    summary="A9: pause a running task",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.JobBody, "A9: pause a running task."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_stop(call: AiCall) -> JsonResponse:
    await Tasks(call.services).stop(call.principal, call.params)
    return ok(data=None)


@router.post(
    "/taskDel",
    summary="A10: delete a task that is not running",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.JobBody, "A10: delete a task that is not running."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_del(call: AiCall) -> JsonResponse:
    await Tasks(call.services).delete(call.principal, call.params)
    return ok(data=None)


@router.post(
    "/taskList",
    summary="A11: the app's tasks, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.PageBody, "A11: the app's tasks, paged."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_list(call: AiPagedCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).listed(call.principal, call.params))


@router.post(
    "/taskNoCall",
    summary="A12: numbers not called yet, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.PageBody, "A12: numbers not called yet, paged."),
    responses=schemas.answers(ais.DataAnswer),
)
async def task_no_call(call: AiPagedCall) -> JsonResponse:
    return ok(data=await Tasks(call.services).no_call(call.principal, call.params))


@router.post(
    "/recordQuery",
    summary="A13: robot call records of a window, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ais.PageBody, "A13: robot call records of a window, paged."),
    responses=schemas.answers(ais.DataAnswer),
)
async def record_query_route(call: AiPagedCall) -> JsonResponse:
    return ok(data=await record_query(call.services, call.principal, call.params))
