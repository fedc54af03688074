"""OTP management endpoints of the vendor SDK (SMS code table): otp/app, otp/template, otp/flow, backfillRate.

The SDK adds with POST, updates with PUT (POST accepted too) and reads with GET (POST accepted too).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import otp_schemas as docs
from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.errors import Product
from switchboard.services.conversions import Conversions
from switchboard.services.otp_manage import OtpManagement

router = APIRouter()
AppCall = Annotated[Call, Depends(authenticated(Product.SMS))]
AccountCall = Annotated[Call, Depends(authenticated(Product.SMS, app=False))]
OwnedCall = Annotated[Call, Depends(authenticated(Product.SMS, app=False, app_optional=True))]


@router.post(
    "/app/add",
    summary="Create an OTP app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.AppBody, docs.APP_ADD),
    responses=schemas.answers(docs.ObjectAnswer),
)
async def app_add(call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).add_app(call.principal, call.params))


@router.put(
    "/app/update/{app_id}",
    summary="Update an OTP app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.AppBody, docs.APP_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.post(
    "/app/update/{app_id}",
    summary="Update an OTP app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.AppBody, docs.APP_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def app_update(app_id: str, call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).update_app(call.principal, app_id, call.params))


@router.post(
    "/app/details/{app_id}",
    summary="An OTP app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(None, docs.APP_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.get(
    "/app/details/{app_id}",
    summary="An OTP app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, docs.APP_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def app_details(app_id: str, call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).app_details(call.principal, app_id))


@router.post(
    "/template/add",
    summary="Add an OTP template",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.TemplateBody, docs.TEMPLATE_ADD),
    responses=schemas.answers(docs.ObjectAnswer),
)
async def template_add(call: AppCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).add_template(call.principal, call.params))


@router.put(
    "/template/update/{template_id}",
    summary="Update an OTP template",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.TemplateBody, docs.TEMPLATE_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.post(
    "/template/update/{template_id}",
    summary="Update an OTP template",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.TemplateBody, docs.TEMPLATE_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def template_update(template_id: str, call: OwnedCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).update_template(call.principal, template_id, call.params))


@router.post(
    "/template/details/{template_id}",
    summary="An OTP template",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.OptionalApp, docs.TEMPLATE_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.get(
    "/template/details/{template_id}",
    summary="An OTP template",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(docs.OptionalApp, docs.TEMPLATE_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def template_details(template_id: str, call: OwnedCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).template_details(call.principal, template_id))


@router.post(
    "/flow/add",
    summary="Create an OTP flow",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.FlowBody, docs.FLOW_ADD),
    responses=schemas.answers(docs.ObjectAnswer),
)
async def flow_add(call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).add_flow(call.principal, call.params))


@router.put(
    "/flow/update/{flow_id}",
    summary="Update an OTP flow",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.FlowBody, docs.FLOW_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.post(
    "/flow/update/{flow_id}",
    summary="Update an OTP flow",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.FlowBody, docs.FLOW_UPDATE),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def flow_update(flow_id: str, call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).update_flow(call.principal, flow_id, call.params))


@router.post(
    "/flow/details/{flow_id}",
    summary="An OTP flow",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(None, docs.FLOW_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
@router.get(
    "/flow/details/{flow_id}",
    summary="An OTP flow",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, docs.FLOW_DETAILS),
    responses=schemas.answers(docs.ObjectAnswer, path_parameter=True),
)
async def flow_details(flow_id: str, call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).flow_details(call.principal, flow_id))


@router.post(
    "/flow/list",
    summary="The account's OTP flows",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(None, docs.FLOW_LIST),
    responses=schemas.answers(docs.ListAnswer),
)
@router.get(
    "/flow/list",
    summary="The account's OTP flows",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, docs.FLOW_LIST),
    responses=schemas.answers(docs.ListAnswer),
)
async def flow_list(call: AccountCall) -> JsonResponse:
    return ok(data=await OtpManagement(call.services).flows(call.principal))


@router.post(
    "/backfillRate",
    summary="Report a conversion rate",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(docs.BackfillRateBody, docs.BACKFILL_RATE),
    responses=schemas.answers(schemas.Success),
)
async def backfill_rate(call: AppCall) -> JsonResponse:
    await Conversions(call.services).backfill_rate(call.principal, call.params)
    return ok()
