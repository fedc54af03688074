"""ccRecordQuery (V21, mounted at ``/v3/voice`` and ``/voice``): the call center's records seen from the voice
side, with the Voice code table. Same records and filters as C17 (docs/callcenter.md), the window named
``strTime``/``endTime`` (at most 31 days, within the last 2 months: -25 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.api import callcenter_schemas as ccs
from switchboard.api import schemas
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.errors import Product
from switchboard.services.callcenter.records import Records

router = APIRouter()
VoiceCall = Annotated[Call, Depends(authenticated(Product.VOICE, app=False))]


@router.post(
    "/ccRecordQuery",
    summary="V21: call-center records of a window, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(ccs.PageBody, "V21: call-center records of a window, paged."),
    responses=schemas.answers(ccs.DataAnswer),
)
async def cc_record_query(call: VoiceCall) -> JsonResponse:
    return ok(data=await Records(call.services).voice_query(call.principal, call.params))
