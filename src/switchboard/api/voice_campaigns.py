"""Group-call task endpoints (V14-V20, mounted with the voice router at ``/v3/voice`` and ``/voice``).

They answer in envelope B: ``{"code": "<code>", "msg": "<text>", "data": ...}``, errors included (an
authentication failure, a bad parameter, or an unexpected exception rendered as -18), always HTTP 200, with
``status``/``reason`` (envelope A) repeating the code and text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from switchboard.api import campaign_schemas as cs
from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse
from switchboard.api.schemas import Params
from switchboard.errors import SUCCESS_REASON, ApiError, Product
from switchboard.services.campaign_changes import CampaignChanges
from switchboard.services.campaigns import CampaignService

log = logging.getLogger("switchboard.api")


def envelope_b(code: int | str, msg: str, data: Any = None) -> JsonResponse:
    """Envelope B, with envelope A's ``status``/``reason`` beside it: the contract's pages disagree on which
    one these endpoints use (REFERENCE.md section 10), so a client reading either finds its fields."""
    return JsonResponse({"code": str(code), "msg": msg, "data": data, "status": str(code), "reason": msg})


def ok_b(data: Any = None) -> JsonResponse:
    return envelope_b(0, SUCCESS_REASON, data)


class EnvelopeBRoute(APIRoute):
    """Every failure of these routes, from authentication on, in envelope B."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return envelope_b(exc.code, exc.reason)
            except Exception as exc:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                internal = ApiError.internal(Product.VOICE, type(exc).__name__)
                return envelope_b(internal.code, internal.reason)

        return handle


router = APIRouter(route_class=EnvelopeBRoute)
# A task of 200,000 numbers (or 100,000 rows with texts, or a file sent with it) is more than the API's usual
# 4 MiB: the requests that carry numbers may be up to TASK_BODY.
TASK_BODY = 32 * 1024 * 1024
AppCall = Annotated[Call, Depends(authenticated(Product.VOICE))]
TaskCall = Annotated[Call, Depends(authenticated(Product.VOICE, max_body=TASK_BODY))]
UpdateCall = Annotated[Call, Depends(authenticated(Product.VOICE, app=False, max_body=TASK_BODY))]
AccountCall = Annotated[Call, Depends(authenticated(Product.VOICE, app=False))]


def doc(body: type[Params] | None, description: str) -> dict[str, Any]:
    return schemas.post_doc(body, description) if body else schemas.get_doc(None, description)


@router.post(
    "/group/call/send",
    summary="Create a group-call task (up to 200,000 numbers); answers its jobId",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.SendBody, cs.SEND),
    responses=cs.answers_b(cs.JobIdAnswer),
)
async def group_call_send(call: TaskCall) -> JsonResponse:
    return ok_b(await CampaignService(call.services).send(call.principal, call.params))


@router.post(
    "/group/call/query",
    summary="The account's group-call tasks of a window, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.QueryBody, cs.QUERY),
    responses=cs.answers_b(cs.TaskPageAnswer),
)
async def group_call_query(call: AccountCall) -> JsonResponse:
    return ok_b(await CampaignService(call.services).query(call.principal, call.params))


@router.get(
    "/group/call/detail/{job_id}",
    summary="One group-call task with its counts",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(None, cs.DETAIL),
    responses=cs.answers_b(cs.TaskDetailAnswer, path_parameter=True),
)
async def group_call_detail(job_id: str, call: AccountCall) -> JsonResponse:
    return ok_b(await CampaignService(call.services).detail(call.principal, job_id))


@router.post(
    "/group/call/update",
    summary="Change a waiting or suspended task",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.UpdateBody, cs.UPDATE),
    responses=cs.answers_b(cs.JobIdAnswer),
)
async def group_call_update(call: UpdateCall) -> JsonResponse:
    return ok_b(await CampaignChanges(call.services).update(call.principal, call.params))


@router.post(
    "/group/call/resend",
    summary="Call a finished task's numbers again (all or failed) as a new task",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.ResendBody, cs.RESEND),
    responses=cs.answers_b(cs.JobIdAnswer),
)
async def group_call_resend(call: AppCall) -> JsonResponse:
    return ok_b(await CampaignChanges(call.services).resend(call.principal, call.params))


@router.post(
    "/group/call/provisional",
    summary="Suspend tasks",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.JobIdsBody, cs.PROVISIONAL),
    responses=cs.answers_b(cs.NullAnswer),
)
async def group_call_provisional(call: AccountCall) -> JsonResponse:
    await CampaignChanges(call.services).suspend(call.principal, call.params)
    return ok_b()


@router.post(
    "/group/call/continue",
    summary="Resume suspended tasks",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.JobIdsBody, cs.CONTINUE),
    responses=cs.answers_b(cs.NullAnswer),
)
async def group_call_continue(call: AccountCall) -> JsonResponse:
    await CampaignChanges(call.services).resume(call.principal, call.params)
    return ok_b()


@router.post(
    "/group/call/cancel",
    summary="Cancel tasks (numbers not called yet are refunded)",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.JobIdsBody, cs.CANCEL),
    responses=cs.answers_b(cs.NullAnswer),
)
async def group_call_cancel(call: AccountCall) -> JsonResponse:
    await CampaignChanges(call.services).cancel(call.principal, call.params)
    return ok_b()


@router.post(
    "/group/call/resend/ai",
    summary="Call a task's numbers again with an AI script",
    dependencies=schemas.SIGNED,
    openapi_extra=doc(cs.ResendAiBody, cs.RESEND_AI),
    responses=cs.answers_b(cs.JobIdAnswer),
)
async def group_call_resend_ai(call: AccountCall) -> JsonResponse:
    return ok_b(await CampaignChanges(call.services).resend_ai(call.principal, call.params))
