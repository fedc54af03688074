"""``postback/backfill`` (S8): the customer reports that a verification code was used (SMS code table)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.errors import Product
from switchboard.services.conversions import Conversions

router = APIRouter()
SmsCall = Annotated[Call, Depends(authenticated(Product.SMS))]
BACKFILL = (
    "Report that the code sent in `msgid` (or to `number`) was used at `time`; stored once per msgid (or per "
    "number and time). Empty number or time, or a msgid that is not the app's message to that number: -14."
)


class BackfillBody(schemas.AppRequest):
    msgid: str | None = Field(default=None, description="The msgId (or an OTP call's voiceId) of the code.")
    number: str = Field(description="The number the code was sent to, with its country code.")
    time: str = Field(pattern=r"^\d{10}(\d{3})?$", description="Unix time in milliseconds the code was used.")


@router.post(
    "/postback/backfill",
    summary="Report a verification-code conversion",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(BackfillBody, BACKFILL),
    responses=schemas.answers(schemas.Success),
)
async def backfill(call: SmsCall) -> JsonResponse:
    await Conversions(call.services).backfill(call.principal, call.params)
    return ok()
