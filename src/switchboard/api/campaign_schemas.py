"""The OpenAPI description of the group-call task operations (V14-V20; documentation only, see schemas.py).

Their answers are envelope B: ``code`` (a string, ``"0"`` on success), ``msg`` and ``data``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from switchboard.api.schemas import Params

SEND_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
HH_MM = r"^([01]?\d|2[0-3]):[0-5]\d$"
EVERY_OUTCOME_B = (
    "Every outcome, success or error, is HTTP 200 with a JSON object in envelope B: `code` is a string, "
    '`"0"` on success, else the error code (`"-22"`, ...), `msg` is `"success"` or the reason text of the '
    "code, and `data` is the result (`null` on errors); `status` and `reason` repeat `code` and `msg` (some "
    "pages of the contract show envelope A for these endpoints). Only an unknown path answers 404."
)

SEND = (
    "Create a group-call task: up to 200,000 numbers (numberList) or 100,000 rows (numberInfoList) called with "
    "one audio, paced by the trunks, within daily windows, with an optional SMS after each call. The price of "
    "every number's longest call is reserved at acceptance (-10 changes nothing). Codes in docs/voice.md."
)
QUERY = "The account's tasks created in a window (yyyy-MM-dd HH:mm:ss, account time zone), newest first, paged."
DETAIL = "One task of the account with its counts (unknown or another account's: -24)."
UPDATE = "Change a waiting or suspended task (-43 otherwise); its numbers stay, its reservation follows the limit."
RESEND = "Call a finished or cancelled task's numbers again (-42 otherwise) as a new task: all or the failed ones."
PROVISIONAL = "Suspend waiting or calling tasks, all or none (-24 unknown, -20 suspended, -54 other states)."
CONTINUE = "Resume suspended tasks, all or none (-24 unknown, -20 waiting, -54 other states)."
CANCEL = "Cancel waiting, calling or suspended tasks; what their uncalled numbers reserved is refunded."
RESEND_AI = "Re-call a task with an AI script: checked, then -24 (no AI script exists until intelligent voice)."


class Window(BaseModel):
    strTime: str = Field(pattern=HH_MM, examples=["09:00"])
    endTime: str = Field(pattern=HH_MM, examples=["18:00"])


class NumberInfo(BaseModel):
    calleeNumber: str = Field(examples=["919876543210"])
    text1: str | None = Field(default=None, max_length=30)
    text2: str | None = Field(default=None, max_length=30)
    text3: str | None = Field(default=None, max_length=30)
    text4: str | None = Field(default=None, max_length=30)
    text5: str | None = Field(default=None, max_length=30)


class TaskFields(Params):
    taskName: str = Field(min_length=2, max_length=64, description="Unique in the account (-41).")
    source: Literal[1, 2, 3] = Field(description="1 uploaded file, 2 file sent now, 3 TTS (-49).")
    voiceFileId: str | None = Field(default=None, description="source 1 (-50 missing, -48 unknown).")
    uploadName: str | None = Field(default=None, description="source 2, with baseFile (-51).")
    baseFile: str | None = Field(default=None, description="source 2: base64 .mp3/.m4a/.wav.")
    text: str | None = Field(default=None, max_length=1000, description="source 3, with lan (-38).")
    lan: str | None = Field(default=None, examples=["EN"])
    sendTime: str | None = Field(default=None, pattern=SEND_TIME_PATTERN, description="Account time zone.")
    loopCount: int | None = Field(default=None, ge=1, le=9, description="Plays of the audio per call.")
    maxCalls: int = Field(ge=1, le=999, description="Seconds of talk before the forced hang-up.")
    maxRingingTime: int | None = Field(default=None, ge=20, le=120, description="-25 outside 20-120.")
    allowSendTime: list[Window] | None = Field(default=None, max_length=3, description="Daily windows (-23 > 3).")
    displayNum: str | None = Field(default=None, pattern=r"^\d{0,20}$")
    hangUpSms: Literal[0, 1] | None = None
    smsAppId: str | None = None
    smsContent: str | None = Field(default=None, max_length=1000, description="${text1}..${text5} are filled.")
    senderId: str | None = Field(default=None, max_length=32)
    feedbackPush: Literal[0, 1] | None = None
    feedbackValue: str | None = Field(default=None, pattern=r"^[0-9]$")
    successPush: Literal[0, 1] | None = None
    successPushTime: int | None = Field(default=None, ge=0, le=9999)
    failedPush: Literal[0, 1] | None = None
    ringPush: Literal[0, 1] | None = None
    toSeat: Literal[0, 1] | None = Field(default=None, description="1: -24 until the call center exists.")


class SendBody(TaskFields):
    appId: str = Field(description="A voice app of the key's account.", examples=["7bKq2LmP"])
    numberList: Annotated[list[str], Field(min_length=1, max_length=200_000)] | None = None
    numberInfoList: Annotated[list[NumberInfo], Field(min_length=1, max_length=100_000)] | None = None


class UpdateBody(TaskFields):
    keyId: int = Field(ge=1, description="The task's jobId.")


class ResendBody(TaskFields):
    appId: str = Field(examples=["7bKq2LmP"])
    keyId: int = Field(ge=1)
    resendType: Literal[0, 1] | None = Field(default=None, description="0 all (default), 1 the failed ones.")


class QueryParams(BaseModel):
    strTime: str = Field(pattern=SEND_TIME_PATTERN, examples=["2026-11-29 00:00:00"])
    endTime: str = Field(pattern=SEND_TIME_PATTERN, examples=["2026-11-30 00:00:00"])
    statusList: list[int] | None = None
    idxAppId: str | None = None
    searchCondition: str | None = None
    taskType: int | None = None


class QueryBody(Params):
    current: int | None = Field(default=None, ge=1, le=1_000_000)
    size: int | None = Field(default=None, ge=1, le=100)
    params: QueryParams


class JobIdsBody(Params):
    jobIdList: list[int] = Field(min_length=1, max_length=100, examples=[[1]])


class ResendAiBody(Params):
    keyId: int = Field(ge=1)
    taskName: str = Field(min_length=2, max_length=64)
    resendType: Literal[0, 1]
    scriptId: int = Field(ge=1)
    displayNum: str | None = None
    sendTime: str | None = None
    maxCalls: int | None = None
    allowSendTime: list[Window] | None = Field(default=None, max_length=3)
    maxRingingTime: int | None = Field(default=None, ge=20, le=120)
    enableRecording: Literal[0, 1] | None = None
    calloutRate: int | None = None


# --- answers ---------------------------------------------------------------------------------------------


class SuccessB(BaseModel):
    code: Literal["0"]
    msg: Literal["success"]
    status: Literal["0"] = Field(description="Envelope A's field, the same as code.")
    reason: Literal["success"]


class ErrorB(BaseModel):
    code: str = Field(pattern=r"^-\d+$", examples=["-22"])
    msg: str
    data: None
    status: str = Field(pattern=r"^-\d+$", description="Envelope A's field, the same as code.")
    reason: str


class JobIdAnswer(SuccessB):
    data: int = Field(description="The task's jobId.")


class NullAnswer(SuccessB):
    data: None


class TaskSummary(BaseModel):
    jobId: int
    taskName: str
    status: int = Field(ge=0, le=6)
    rate: str = Field(pattern=r"^\d+\.\d{2}%$")
    numCnt: int
    callNum: int
    success: int
    fail: int
    createdTime: str


class TaskPage(BaseModel):
    total: int
    size: int
    current: int
    pages: int
    searchCount: bool
    records: list[TaskSummary]


class TaskPageAnswer(SuccessB):
    data: TaskPage


class TaskDetail(TaskSummary):
    appId: str
    displayNum: str
    source: int
    sendTime: str
    finishTime: str
    chargeLen: int
    callDuration: int
    acd: int
    successRate: str
    callLossNum: int
    keyFeedbackNum: int
    toseatNum: int


class TaskDetailAnswer(SuccessB):
    data: TaskDetail


def answers_b(success: type[SuccessB], *, path_parameter: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses`` in envelope B (see schemas.answers)."""
    documented: dict[int | str, dict[str, Any]] = {
        200: {
            "model": success | ErrorB,
            "description": EVERY_OUTCOME_B,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    if path_parameter:
        documented["default"] = {"description": "Not used: every outcome of this operation is HTTP 200 (above)."}
    return documented
