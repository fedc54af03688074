"""SIP phone endpoints (mounted at ``/v3/voice`` and ``/voice``): sipAdd (V2), sipQuery (V3), sipReset (V4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from switchboard.api import schemas
from switchboard.api.deps import Call, read_params, services_of
from switchboard.api.responses import JsonResponse, ok
from switchboard.api.voice_schemas import VOICE_APP_ID, Page, PageRequest
from switchboard.auth.authenticate import Authenticator
from switchboard.auth.ip import client_address
from switchboard.domain.voice.phones import check_account, check_page, check_sip_add, nested_app_id
from switchboard.errors import Product
from switchboard.services.phones import PhoneService

router = APIRouter()


async def app_call(request: Request) -> Call:
    """As ``authenticated(Product.VOICE)``, reading the appId at the top level or in ``params`` (sipQuery)."""
    request.state.product = Product.VOICE
    params = await read_params(request, Product.VOICE)
    services = services_of(request)
    peer = request.client.host if request.client else None
    ip = client_address(peer, request.headers.get("x-forwarded-for"), services.settings.trusted_proxies)
    principal = await Authenticator(services).authenticate(
        Product.VOICE, request.headers, ip, app_id=nested_app_id(params), app_required=True
    )
    return Call(product=Product.VOICE, principal=principal, params=params, method=request.method, services=services)


PhoneCall = Annotated[Call, Depends(app_call)]

SIP_ADD = (
    "Create one group of 1-50 SIP phones in a voice app; each gets a generated account and password (sipQuery "
    "answers them). Names missing or not 4-32 characters, displayNum not 7-13 digits, quantity under 1: -22; "
    "quantity over 50 or the app's phone cap passed: -23; groupName or phoneName used in the app: -20."
)
SIP_QUERY = "The app's phones (appId in `params`), oldest first, paged: accounts and passwords to register with."
SIP_RESET = "A new password for a phone of the app; its registrations end. Unknown account -24, malformed -22."


class SipAddBody(schemas.Params):
    appId: str = Field(description=VOICE_APP_ID, examples=["7bKq2LmP"])
    groupName: str = Field(min_length=4, max_length=32, description="Unique in the app (-20).", examples=["sales"])
    phoneName: str = Field(min_length=4, max_length=32, description="Unique in the app (-20).", examples=["desk"])
    quantity: int = Field(ge=1, le=50, description="Phones to create, 1-50 (over 50: -23).", examples=[2])
    displayNum: str | None = Field(default=None, pattern=r"^\d{7,13}$", description="Caller id, 7-13 digits.")


class AppParams(BaseModel):
    appId: str = Field(description=VOICE_APP_ID)


class SipQueryBody(PageRequest):
    params: AppParams


class SipResetBody(schemas.Params):
    appId: str = Field(description=VOICE_APP_ID)
    account: str = Field(min_length=4, max_length=32, description="A phone account of the app.")


class NullAnswer(schemas.Success):
    data: None = Field(description="Always null.")


class PhoneRecord(BaseModel):
    groupName: str
    phoneName: str
    account: str
    password: str
    displayNum: str


class PhonePage(Page):
    records: list[PhoneRecord]


class SipQueryAnswer(schemas.Success):
    data: PhonePage


class Credentials(BaseModel):
    account: str
    password: str


class SipResetAnswer(schemas.Success):
    data: Credentials


@router.post(
    "/sipAdd",
    summary="Create SIP phones (a group of 1-50) in a voice app",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(SipAddBody, SIP_ADD),
    responses=schemas.answers(NullAnswer),
)
async def sip_add(call: PhoneCall) -> JsonResponse:
    assert call.principal.app is not None
    await PhoneService(call.services).add(call.principal.app, check_sip_add(call.params))
    return ok(data=None)


@router.post(
    "/sipQuery",
    summary="The app's SIP phones with their accounts and passwords, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(SipQueryBody, SIP_QUERY),
    responses=schemas.answers(SipQueryAnswer),
)
async def sip_query(call: PhoneCall) -> JsonResponse:
    return ok(data=await PhoneService(call.services).query(call.principal, check_page(call.params)))


@router.post(
    "/sipReset",
    summary="Reset a SIP phone's password",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(SipResetBody, SIP_RESET),
    responses=schemas.answers(SipResetAnswer),
)
async def sip_reset(call: PhoneCall) -> JsonResponse:
    return ok(data=await PhoneService(call.services).reset(call.principal, check_account(call.params)))
