"""Voice endpoints (mounted at ``/v3/voice`` and ``/voice``): audio files, calls and call records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import FileResponse, Response

from switchboard.api import schemas
from switchboard.api import voice_schemas as vs
from switchboard.api.deps import Call, authenticated
from switchboard.api.responses import JsonResponse, ok
from switchboard.domain.voice.validation import int_field, text_field
from switchboard.errors import Product
from switchboard.services.audio import AudioFiles
from switchboard.services.recordings import Recordings
from switchboard.services.sip_calls import send_sip
from switchboard.services.voice import MESSAGE_TYPES, SIP_TYPES, VoiceService

router = APIRouter()
VoiceCall = Annotated[Call, Depends(authenticated(Product.VOICE))]
AccountCall = Annotated[Call, Depends(authenticated(Product.VOICE, app=False))]
# Record reads: any key of the account; a key restricted to some apps sees only their calls.
RecordsCall = Annotated[Call, Depends(authenticated(Product.VOICE, app=False, restricted_keys=True))]


@router.post(
    "/fileUpload",
    summary="Upload an audio file (base64 .mp3/.m4a/.wav); answers its fileId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.FileUploadBody, vs.FILE_UPLOAD),
    responses=schemas.answers(vs.FileUploadAnswer),
)
async def file_upload(call: AccountCall) -> JsonResponse:
    files = AudioFiles(call.services)
    file_id = await files.upload(call.principal, text_field(call.params, "fileName"), text_field(call.params, "file"))
    return ok(data=file_id)


@router.post(
    "/fileQuery",
    summary="The account's audio files, paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.PageRequest, vs.FILE_QUERY),
    responses=schemas.answers(vs.FileQueryAnswer),
)
async def file_query(call: AccountCall) -> JsonResponse:
    current = int_field(call.params, "current", 1, 1_000_000)
    size = int_field(call.params, "size", 1, 100)
    return ok(data=await AudioFiles(call.services).query(call.principal, current, size))


@router.post(
    "/fileDel",
    summary="Delete audio files (up to 100 fileIds)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.FileDelBody, vs.FILE_DEL),
    responses=schemas.answers(vs.FileDelAnswer),
)
async def file_delete(call: AccountCall) -> JsonResponse:
    await AudioFiles(call.services).delete(call.principal, call.params.get("fileIdList"))
    return ok(data=None)


@router.post(
    "/sendGroup",
    summary="Call up to 1000 numbers and play an uploaded audio file",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.SendGroupBody, vs.SEND_GROUP),
    responses=schemas.answers(vs.SendGroupAnswer),
)
async def send_group(call: VoiceCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).send_group(call.principal, call.params))


@router.post(
    "/sendCode",
    summary="Call one number and speak a text (TTS / voice OTP); answers its voiceId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.SendCodeBody, vs.SEND_CODE),
    responses=schemas.answers(vs.SendCodeAnswer),
)
async def send_code(call: VoiceCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).send_code(call.principal, call.params))


@router.post(
    "/sendSip",
    summary="Click-to-call: ring one of the app's SIP phones, then the callee, and bridge them; its voiceId",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.SendSipBody, vs.SEND_SIP),
    responses=schemas.answers(vs.SendCodeAnswer),
)
async def send_sip_call(call: VoiceCall) -> JsonResponse:
    return ok(data=await send_sip(VoiceService(call.services), call.principal, call.params))


@router.get(
    "/getVoiceFile",
    summary="Download a recording of a bridged call (attachment, audio/mpeg)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(vs.VoiceFileQuery, vs.GET_VOICE_FILE),
    responses=vs.VOICE_FILE_ANSWERS,
)
async def get_voice_file(call: AccountCall) -> Response:
    found = await Recordings(call.services).open(call.principal, call.params.get("voiceFileId"))
    return FileResponse(found.path, media_type=found.media_type, filename=found.file_id)


@router.get(
    "/recordGroup/{voice_id}",
    summary="One voice-message call record (sendGroup / sendCode)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, vs.RECORD_GROUP),
    responses=schemas.answers(vs.RecordAnswer, path_parameter=True),
)
async def record_group(voice_id: str, call: RecordsCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).record(call.principal, voice_id, MESSAGE_TYPES))


@router.post(
    "/recordGroupQuery",
    summary="Voice-message call records of a window (<= 31 days), paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.RecordQueryBody, vs.RECORD_GROUP_QUERY),
    responses=schemas.answers(vs.RecordPageAnswer),
)
async def record_group_query(call: RecordsCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).records(call.principal, call.params, MESSAGE_TYPES))


@router.get(
    "/recordSip/{voice_id}",
    summary="One SIP-call record (sendSip)",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.get_doc(None, vs.RECORD_SIP),
    responses=schemas.answers(vs.RecordAnswer, path_parameter=True),
)
async def record_sip(voice_id: str, call: RecordsCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).record(call.principal, voice_id, SIP_TYPES))


@router.post(
    "/recordSipQuery",
    summary="SIP-call records of a window (<= 31 days), paged",
    dependencies=schemas.SIGNED,
    openapi_extra=schemas.post_doc(vs.RecordQueryBody, vs.RECORD_SIP_QUERY),
    responses=schemas.answers(vs.RecordPageAnswer),
)
async def record_sip_query(call: RecordsCall) -> JsonResponse:
    return ok(data=await VoiceService(call.services).records(call.principal, call.params, SIP_TYPES))
