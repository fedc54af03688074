"""SMS endpoints: ``sendSms`` (GET and POST) and ``sendSms/batch``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.api.wire import text
from switchboard.domain.sms.validation import GET_MAX_NUMBERS, POST_MAX_NUMBERS, sms_error
from switchboard.errors import Product
from switchboard.services.sms import SendOutcome, SendRequest, SmsService

router = APIRouter()
SmsCall = Annotated[Call, Depends(authenticated(Product.SMS))]


def _group(params: dict[str, Any]) -> SendRequest:
    return SendRequest(
        content=text(params, "content"),
        numbers=text(params, "numbers", "number", "mobile"),
        sender_id=text(params, "senderId", "senderid"),
        order_ids=text(params, "orderId", "orderid"),
        send_time=text(params, "sendTime", "sendtime"),
    )


def _render(outcome: SendOutcome) -> JsonResponse:
    return ok(
        success=str(len(outcome.accepted)),
        fail=str(outcome.failed),
        array=[{"msgId": a.msg_id, "number": a.number, "orderId": a.order_id or ""} for a in outcome.accepted],
    )


@router.post(
    "/sendSms",
    summary="Send one content to up to 100 (GET) or 1000 numbers",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.SendSmsBody, schemas.SEND_SMS),
    responses=schemas.answers(schemas.SendAnswer),
)
@router.get(
    "/sendSms",
    summary="Send one content to up to 100 (GET) or 1000 numbers",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(schemas.SendSmsQuery, schemas.SEND_SMS),
    responses=schemas.answers(schemas.SendAnswer),
)
async def send_sms(call: SmsCall) -> JsonResponse:
    limit = GET_MAX_NUMBERS if call.method == "GET" else POST_MAX_NUMBERS
    service = SmsService(call.services)
    outcome = await service.send(call.principal, [_group(call.params)], max_numbers=limit)
    call.services.wake("dispatch")
    return _render(outcome)


@router.post(
    "/sendSms/batch",
    summary="Send different contents in one call (up to 1000 numbers in all)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.SendBatchBody, schemas.SEND_BATCH),
    responses=schemas.answers(schemas.SendAnswer),
)
async def send_batch(call: SmsCall) -> JsonResponse:
    elements = call.params.get("array")
    if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
        raise sms_error(-22, "array must be a list of objects")
    if not elements:
        raise sms_error(-8)
    service = SmsService(call.services)
    outcome = await service.send(call.principal, [_group(e) for e in elements], max_numbers=POST_MAX_NUMBERS)
    call.services.wake("dispatch")
    return _render(outcome)
