"""SMS report endpoints: ``getReport``, ``getSentRcd``, ``recordMo``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.api.wire import integer, text
from switchboard.domain.sms.validation import sms_error
from switchboard.errors import Product
from switchboard.services.reports import Reports

router = APIRouter()
SmsCall = Annotated[Call, Depends(authenticated(Product.SMS))]


@router.post(
    "/getReport",
    summary="Delivery status of up to 200 msgIds",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.GetReportQuery, schemas.GET_REPORT),
    responses=schemas.answers(schemas.ReportAnswer),
)
@router.get(
    "/getReport",
    summary="Delivery status of up to 200 msgIds",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(schemas.GetReportQuery, schemas.GET_REPORT),
    responses=schemas.answers(schemas.ReportAnswer),
)
async def get_report(call: SmsCall) -> JsonResponse:
    result = await Reports(call.services).report(call.principal, text(call.params, "msgIds", "msgids", "msgId"))
    return ok(**result)


@router.post(
    "/getSentRcd",
    summary="Final states in a time window (<= 31 days)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.GetSentRcdQuery, schemas.GET_SENT_RCD),
    responses=schemas.answers(schemas.SentRcdAnswer),
)
@router.get(
    "/getSentRcd",
    summary="Final states in a time window (<= 31 days)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(schemas.GetSentRcdQuery, schemas.GET_SENT_RCD),
    responses=schemas.answers(schemas.SentRcdAnswer),
)
async def get_sent_records(call: SmsCall) -> JsonResponse:
    try:
        index = integer(call.params, "startIndex") or 0
    except ValueError as exc:
        raise sms_error(-22, str(exc)) from exc
    result = await Reports(call.services).sent(
        call.principal, text(call.params, "startTime"), text(call.params, "endTime"), index
    )
    return ok(**result)


@router.post(
    "/recordMo",
    summary="Inbound (MO) messages in a time window, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.RecordMoBody, schemas.RECORD_MO),
    responses=schemas.answers(schemas.RecordMoAnswer),
)
async def record_mo(call: SmsCall) -> JsonResponse:
    params = dict(call.params)
    for name in ("current", "size"):
        try:
            params[name] = integer(call.params, name)
        except ValueError as exc:
            raise sms_error(-22, str(exc)) from exc
    return ok(data=await Reports(call.services).inbound(call.principal, params))
