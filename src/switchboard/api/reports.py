"""SMS report endpoints: ``getReport``, ``getSentRcd``, ``recordMo``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.api.wire import integer, text
from switchboard.domain.sms.validation import sms_error
from switchboard.errors import Product
from switchboard.services.reports import Reports

router = APIRouter()
SmsCall = Annotated[Call, Depends(authenticated(Product.SMS))]


@router.api_route("/getReport", methods=["GET", "POST"], summary="Delivery status of up to 200 msgIds")
async def get_report(call: SmsCall) -> JsonResponse:
    result = await Reports(call.services).report(call.principal, text(call.params, "msgIds", "msgids", "msgId"))
    return ok(**result)


@router.api_route("/getSentRcd", methods=["GET", "POST"], summary="Final states in a time window (<= 31 days)")
async def get_sent_records(call: SmsCall) -> JsonResponse:
    try:
        index = integer(call.params, "startIndex") or 0
    except ValueError as exc:
        raise sms_error(-22, str(exc)) from exc
    result = await Reports(call.services).sent(
        call.principal, text(call.params, "startTime"), text(call.params, "endTime"), index
    )
    return ok(**result)


@router.post("/recordMo", summary="Inbound (MO) messages in a time window, paged")
async def record_mo(call: SmsCall) -> JsonResponse:
    params = dict(call.params)
    for name in ("current", "size"):
        try:
            params[name] = integer(call.params, name)
        except ValueError as exc:
            raise sms_error(-22, str(exc)) from exc
    return ok(data=await Reports(call.services).inbound(call.principal, params))
