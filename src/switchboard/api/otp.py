"""OTP endpoints (SMS code table): verification send, sendRule, verify, resend, records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import otp_schemas, schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.api.wire import integer, text
from switchboard.domain.sms.validation import sms_error
from switchboard.errors import Product
from switchboard.services.otp import Otp, OtpSend
from switchboard.services.otp_manage import template_wire

router = APIRouter()
OtpCall = Annotated[Call, Depends(authenticated(Product.SMS))]
# Calls whose app follows from the verification or template they name: the vendor SDK sends no appId.
OwnedCall = Annotated[Call, Depends(authenticated(Product.SMS, app=False, app_optional=True))]


def _request(call: Call, *, with_code: bool) -> OtpSend:
    try:
        template_id = integer(call.params, "templateId")
        flow_id = integer(call.params, "flowId")
    except ValueError as exc:
        raise sms_error(-22, str(exc)) from exc
    return OtpSend(
        to=text(call.params, "to"),
        template_id=template_id,
        flow_id=flow_id,
        channel=text(call.params, "channel"),
        order_id=text(call.params, "orderId"),
        code=text(call.params, "code") if with_code else None,
    )


@router.post(
    "/verification/send",
    summary="The platform generates a code and sends it",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.OtpSendBody, schemas.OTP_SEND),
    responses=schemas.answers(schemas.VerificationAnswer),
)
async def send(call: OtpCall) -> JsonResponse:
    return ok(data=await Otp(call.services).send(call.principal, _request(call, with_code=False)))


@router.post(
    "/verification/sendRule",
    summary="Send a code the customer chose",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.OtpSendRuleBody, schemas.OTP_SEND_RULE),
    responses=schemas.answers(schemas.VerificationAnswer),
)
async def send_rule(call: OtpCall) -> JsonResponse:
    request = _request(call, with_code=True)
    if request.code is None:
        raise sms_error(-22, "code is required")
    return ok(data=await Otp(call.services).send(call.principal, request))


@router.post(
    "/verification/verify",
    summary="Check a code",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(otp_schemas.VerifyBody, schemas.OTP_VERIFY),
    responses=schemas.answers(schemas.VerifiedAnswer),
)
async def verify(call: OwnedCall) -> JsonResponse:
    result = await Otp(call.services).verify(
        call.principal, text(call.params, "verificationId"), text(call.params, "code")
    )
    return ok(data=result)


@router.post(
    "/verification/resend",
    summary="Send a new code for a pending verification",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(otp_schemas.ResendBody, schemas.OTP_RESEND),
    responses=schemas.answers(schemas.VerificationAnswer),
)
async def resend(call: OwnedCall) -> JsonResponse:
    return ok(data=await Otp(call.services).resend(call.principal, text(call.params, "verificationId")))


@router.post(
    "/verification/record/{verification_id}",
    summary="One verification",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(otp_schemas.OptionalApp, schemas.OTP_RECORD),
    responses=schemas.answers(schemas.VerificationRecordAnswer, path_parameter=True),
)
@router.get(
    "/verification/record/{verification_id}",
    summary="One verification",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(otp_schemas.OptionalApp, schemas.OTP_RECORD),
    responses=schemas.answers(schemas.VerificationRecordAnswer, path_parameter=True),
)
async def record(verification_id: str, call: OwnedCall) -> JsonResponse:
    return ok(data=await Otp(call.services).record(call.principal, verification_id=verification_id))


@router.post(
    "/verification/orderId/record",
    summary="A verification by orderId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(schemas.OtpOrderQuery, schemas.OTP_RECORD_BY_ORDER),
    responses=schemas.answers(schemas.VerificationRecordAnswer),
)
@router.get(
    "/verification/orderId/record",
    summary="A verification by orderId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(schemas.OtpOrderQuery, schemas.OTP_RECORD_BY_ORDER),
    responses=schemas.answers(schemas.VerificationRecordAnswer),
)
async def record_by_order(call: OtpCall) -> JsonResponse:
    order_id = text(call.params, "orderId")
    if order_id is None:
        raise sms_error(-22, "orderId is required")
    return ok(data=await Otp(call.services).record(call.principal, order_id=order_id))


@router.post(
    "/template/list",
    summary="The app's OTP templates",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(otp_schemas.OptionalApp, schemas.OTP_TEMPLATES),
    responses=schemas.answers(schemas.OtpTemplatesAnswer),
)
@router.get(
    "/template/list",
    summary="The app's OTP templates",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(otp_schemas.OptionalApp, schemas.OTP_TEMPLATES),
    responses=schemas.answers(schemas.OtpTemplatesAnswer),
)
async def template_list(call: OwnedCall) -> JsonResponse:
    rows = await Otp(call.services).templates_for(call.principal)
    return ok(data=[template_wire(r) for r in rows])
