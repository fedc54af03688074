"""The OpenAPI description of the voice operations (documentation only), as ``api/schemas.py`` for SMS/OTP.

The handlers of ``api/voice.py`` read their parameters by hand (``domain/voice/validation.py``,
``services/audio.py``, ``services/voice.py``) and never validate a request against these models; the models
feed the route decorators only (``openapi_extra=``, ``responses=``). Codes are those of the Voice table.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from switchboard.api.schemas import ISO_TIME_PATTERN, TIME, Amount, ErrorAnswer, Params, Success
from switchboard.services.audio import FILE_ID

VOICE_APP_ID = "A voice app of the API key's account (missing: -22; unknown, foreign or not voice: -52)."
VOICE_ID_PATTERN = r"^\d{19,20}$"
CALLEE_PATTERN = r"^\d{7,15}$"
MAYBE_TIME_PATTERN = "^$|" + ISO_TIME_PATTERN

# --- operation descriptions ------------------------------------------------------------------------------

FILE_UPLOAD = (
    "An audio file of the key's account (no appId), decoded and stored as 8 kHz mu-law; answers its fileId. "
    "Name or content missing -51; name not 5-32 characters -22; name in use -20; 1000 files -23; not base64, "
    "not .mp3/.m4a/.wav, undecodable, empty or over 10 minutes -21 (docs/voice.md)."
)
FILE_QUERY = "The account's audio files (no appId), newest first, paged; `current`/`size` out of range: -22."
FILE_DEL = (
    "Delete audio files of the account (no appId), all or none: no ids -50, over 100 -23, not a list -22, "
    "not the id of an uploaded file -49, unknown or foreign -48."
)
SEND_GROUP = (
    "Call up to 1000 numbers and play an uploaded file. Each callee gets a row in `data`: accepted ones "
    '`terminationCode "0"` and a voiceId, refused ones `""` and -21 (abnormal) or -26 (no voice rate); when '
    "none is accepted the request answers the first callee's code. The price of each call's longest length is "
    "reserved at acceptance (-10 changes nothing) (docs/voice.md)."
)
SEND_CODE = (
    "Call one number and speak a text (TTS, voice OTP), rendered at acceptance: -47 when rendering fails, "
    "-39 unknown or undetectable language, -46 the daily long-text limit, -26 no voice rate, -10 balance."
)
RECORD = (
    "One call of the key's account (no appId) by its voiceId, within the last 2 months: malformed -22, "
    "unknown, foreign or older -24."
)
RECORD_GROUP = RECORD + " sendGroup/sendCode calls only."
RECORD_SIP = RECORD + " sendSip calls only, with the phone's group and name and the recording's id."
RECORD_QUERY = (
    "Calls of the key's account (no appId) created in a window of at most 31 days within the last 2 months "
    "(-25), paged; a malformed time or a missing window -22."
)
RECORD_GROUP_QUERY = RECORD_QUERY + " sendGroup/sendCode calls."
RECORD_SIP_QUERY = RECORD_QUERY + " sendSip calls; `params.sipGroupName` / `params.phoneName` filter exactly."
SEND_SIP = (
    "Click-to-call: ring the app's SIP phone `account`; when it answers, call `callee` through the trunks and "
    "bridge the two (recorded unless the app's `record_calls` is off). Billed by the callee leg's bill period; "
    "the longest length (app option `sip_max_duration`, default 3600 s) is reserved at acceptance (-10). "
    "callee or displayNum not 7-15 digits, calledInfo over 1000 characters, no such phone in the app: -22; "
    "no voice rate -26. An unregistered phone's call ends with terminationCode 480 and nothing billed."
)
GET_VOICE_FILE = (
    "A recording of the account's bridged call (`recordingFileId` of the records, `voiceFileId` of the push) "
    "as an attachment, `audio/mpeg` (or `audio/wav` where no MP3 encoder is installed). Missing id -22; "
    "unknown, another account's or deleted -24 (in the voice envelope)."
)


# --- requests --------------------------------------------------------------------------------------------

Callee = Annotated[str, Field(pattern=CALLEE_PATTERN)]
FileId = Annotated[str, Field(pattern=FILE_ID.pattern, examples=["2611297f3c0e4b6a9d1e2f3a4b5c6d7e8f9a01.wav"])]


class FileUploadBody(Params):
    fileName: str = Field(
        min_length=5,
        max_length=32,
        description="5-32 characters with the suffix .mp3, .m4a or .wav (-22, -21); unique in the account (-20).",
        examples=["welcome.wav"],
    )
    file: str = Field(
        min_length=1,
        description="The file's content in base64 (a `data:...;base64,` prefix is accepted); at most 10 minutes.",
        examples=["UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="],
    )


class PageRequest(Params):
    current: int | None = Field(default=None, ge=1, le=1_000_000, description="Page from 1, default 1 (-22).")
    size: int | None = Field(default=None, ge=1, le=100, description="Page size 1-100, default 25 (-22).")


class FileDelBody(Params):
    fileIdList: Annotated[list[str], Field(min_length=1, max_length=100)] | str = Field(
        description="Up to 100 fileIds of fileUpload or recordings' ids (a comma-separated string is accepted too).",
        examples=[["2611297f3c0e4b6a9d1e2f3a4b5c6d7e8f9a01.wav"]],
    )


class CallFields(Params):
    appId: str = Field(description=VOICE_APP_ID, examples=["7bKq2LmP"])
    displayNum: str | None = Field(
        default=None, pattern=CALLEE_PATTERN, description="The caller id, 7-15 digits (-22)."
    )
    maxDuration: int | None = Field(default=None, ge=1, le=120, description="Seconds after the answer (-22).")
    maxRingingTime: int | None = Field(default=None, ge=20, le=120, description="Seconds, default 60 (-22).")
    calledInfo: str | None = Field(default=None, max_length=1000, description="Echoed in records and pushes (-22).")


class SendGroupBody(CallFields):
    callee: str | list[Callee] = Field(
        description=(
            "Comma-separated numbers with country code, or a JSON array; at most 1000 (-23), none -22. "
            "A number that is not 7-15 digits and possible fails alone with -21."
        ),
        examples=["919876543210,12025550123"],
    )
    fileId: FileId = Field(description="An audio file of the account (missing -50; unknown or deleted -48).")
    loopCount: int | None = Field(default=None, ge=1, le=3, description="Plays of the file, default 1 (-22).")


class VoiceFileQuery(Params):
    voiceFileId: str = Field(description="A recording's id (`recordingFileId`).")


class SendSipBody(Params):
    appId: str = Field(description=VOICE_APP_ID, examples=["7bKq2LmP"])
    account: str = Field(description="The phone's SIP account (sipQuery) in this app (-22).", examples=["4821930571"])
    callee: str = Field(pattern=CALLEE_PATTERN, description="The number to call, 7-15 digits (-22).")
    displayNum: str | None = Field(
        default=None, pattern=CALLEE_PATTERN, description="The caller id, 7-15 digits (-22); default the phone's."
    )
    calledInfo: str | None = Field(default=None, max_length=1000, description="Echoed in records and pushes (-22).")


class SendCodeBody(CallFields):
    callee: str = Field(
        pattern=CALLEE_PATTERN,
        description="One number with country code, 7-15 digits and possible (missing -22, else -21).",
        examples=["919876543210"],
    )
    text: str = Field(
        min_length=1,
        max_length=1000,
        description="The text to speak, at most 1000 characters (-22); text or language missing: -38.",
        examples=["Your code is 1 2 3 4"],
    )
    language: str = Field(
        description="A language code (`EN`, `HI`, `JP`, ... case-insensitive) or `auto` (unknown: -39).",
        examples=["EN"],
    )
    speakingRate: float | None = Field(default=None, ge=0.25, le=4.0, description="Default 1.0 (-22).")
    ssmlGender: Literal[1, 2] | None = Field(default=None, description="1 male, 2 female (the default) (-22).")
    accent: str | None = Field(
        default=None, pattern=r"^\d{1,4}$", description="A country calling code, e.g. `44` with `EN` (-22)."
    )
    loopCount: int | None = Field(default=None, ge=1, le=9, description="Plays of the text, default 1 (-22).")
    recallCount: int | None = Field(default=None, ge=0, le=9, description="Redials when unanswered (-22).")
    recallInterval: int | None = Field(default=None, ge=1, le=999, description="Minutes, default 5 (-22).")


class RecordWindow(Params):
    strTime: TIME = Field(description="Window start, ISO-8601 with an offset (-22).")
    endTime: TIME = Field(description="Window end: at most 31 days after strTime, within the last 2 months (-25).")


class RecordQueryBody(PageRequest):
    params: RecordWindow = Field(description="The window (strTime/endTime are also read at the top level).")


# --- answers ---------------------------------------------------------------------------------------------

VoiceId = Annotated[str, Field(pattern=VOICE_ID_PATTERN)]
MaybeTime = Annotated[str, Field(pattern=MAYBE_TIME_PATTERN, description='ISO-8601, or "" if it never came.')]


class FileUploadAnswer(Success):
    data: FileId = Field(description="The fileId: the date, 32 hex digits and the format.")


class AudioFile(BaseModel):
    fileId: FileId
    fileName: str
    duration: int = Field(ge=0, description="Seconds, rounded up.")
    createTime: str = Field(pattern=ISO_TIME_PATTERN)


class Page(BaseModel):
    total: int = Field(ge=0)
    size: int = Field(ge=1, le=100)
    current: int = Field(ge=1)
    pages: int = Field(ge=0)
    searchCount: bool


class FilePage(Page):
    records: list[AudioFile]


class FileQueryAnswer(Success):
    data: FilePage


class FileDelAnswer(Success):
    data: None = Field(description="Always null.")


class GroupResult(BaseModel):
    voiceId: str = Field(pattern=r"^(\d{19,20})?$", description='"" when the callee was refused.')
    callee: str = Field(description="The normalised number if accepted, else the callee as given.")
    terminationCode: Literal["0", "-21", "-26"]
    terminationReason: str


class SendGroupAnswer(Success):
    data: list[GroupResult] = Field(description="One row per callee, in request order.")


class SendCodeAnswer(Success):
    data: VoiceId


class VoiceRecord(BaseModel):
    voiceId: VoiceId
    callee: str
    displayNum: str
    code: str = Field(description="The country, with the area where the numbering plan tells it.")
    submitTime: str = Field(pattern=ISO_TIME_PATTERN)
    callTime: MaybeTime
    ringingTime: MaybeTime
    answerTime: MaybeTime
    hangupTime: MaybeTime
    callDuration: int = Field(ge=0)
    chargedDuration: int = Field(ge=0)
    billPeriod: str = Field(pattern=r"^\d+\+\d+$", examples=["60+60"])
    rate: Amount
    baseCost: Amount
    cost: Amount
    costEur: str = Field(description='`cost` when the currency is EUR, else "".')
    currency: str
    terminationCode: str = Field(description='A SIP status as text; "" until the call ended.')
    terminationReason: str = Field(description="How it ended, or `queued` / `calling`.")
    voiceFileId: str = Field(description='The fileId of a sendGroup call, else "".')
    feedbackValue: str = Field(description='"-1", or the first key pressed.')
    calledInfo: str
    sipGroupName: str | None = Field(default=None, description="sendSip records: the phone's group.")
    phoneName: str | None = Field(default=None, description="sendSip records: the phone's name.")
    recordingFileId: str | None = Field(
        default=None, description='sendSip records: the recording (getVoiceFile), "" when none was made.'
    )


class RecordAnswer(Success):
    data: VoiceRecord


class RecordPage(Page):
    records: list[VoiceRecord]


class RecordPageAnswer(Success):
    data: RecordPage


# getVoiceFile answers the file itself, or the voice envelope when it refuses.
BINARY = {"schema": {"type": "string", "format": "binary"}}
VOICE_FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ErrorAnswer,
        "description": "The recording (an attachment), or the error envelope (status -22, -24 ...).",
        "content": {"audio/mpeg": BINARY, "audio/wav": BINARY, "application/json": {"schema": {"type": "object"}}},
    }
}
