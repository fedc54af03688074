"""The OpenAPI description of the Onbuka-compatible operations (documentation only).

The handlers read their parameters by hand (``api/wire.py``, ``api/deps.py``: tolerant parsing per WIRE.md)
and never validate a request against these models. The models only feed the route decorators:

- ``openapi_extra=``: the ``Api-Key``/``Sign``/``Timestamp`` header parameters, the query parameters of a
  GET, the JSON request body of a POST (schemas inlined, so the document needs no extra components);
- ``responses=``: the answer of every outcome, HTTP 200 with envelope A (success model or error envelope);
- ``dependencies=SIGNED``: registers the security scheme. Its dependency does nothing at run time: it reads
  neither the request nor its headers (authentication is ``auth/authenticate.py``'s job).

A field is ``null``-able where the wire rules say ``null`` means "not given"; unknown keys are ignored,
so no model forbids extra properties.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from fastapi import Security
from fastapi import params as fastapi_params
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

APP_ID = "An SMS app of the API key's account (missing: -22; unknown, foreign or not SMS: -1)."
MSG_ID_PATTERN = r"^\d{19}$"
ISO_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$"
ISO_TIME_EXAMPLE = "2026-11-29T09:30:00+08:00"
EVERY_OUTCOME = (
    "Every outcome, success or error, is HTTP 200 with a JSON object (envelope A): `status` is a string, "
    '`"0"` on success, else the error code (`"-22"`, ...), and `reason` is `"success"` or the reason text '
    "of the code; the other fields are present on success only. Counts and amounts are strings, paging "
    "fields integers. Only an unknown path answers 404."
)
LENIENT = (
    ' Parsing is tolerant (WIRE.md): `null` and `""` mean "not given" for optional fields, unknown keys are '
    "ignored, a form body is accepted too, and parameters may also come from the query string (body keys win). "
    "A body that is not a JSON object, not UTF-8 or over 4 MiB: -22."
)


# --- operation descriptions ------------------------------------------------------------------------------

BALANCE = "The key's account (no appId): balance, gift and credit line with six decimals, in its currency."
SEND_SMS = (
    "One content to several numbers. A request-level failure answers its code and changes nothing; an abnormal, "
    "unpriced or over-limit number only counts in `fail` (docs/sms.md)."
)
SEND_BATCH = "Different contents in one call: one transaction, at most 1000 numbers in all (docs/sms.md)."
GET_REPORT = "Delivery status of up to 200 msgIds of the app; others are counted in `nofound` (docs/reports.md)."
GET_SENT_RCD = "Final states (delivered, failed, expired) of messages accepted in a window of at most 31 days."
RECORD_MO = "Inbound (MO) messages received in a window of at most one month, paged."
OTP_SEND = "The platform generates a code and sends it through the SMS pipeline (docs/otp.md)."
OTP_SEND_RULE = "Send a code the customer chose (`templateId` optional)."
OTP_VERIFY = "Check a code: wrong -21, exhausted -23, expired -25, already verified -20, unknown -24."
OTP_RESEND = "A new code replaces the old one: at most 3 resends, 30 s apart (-23, -15)."
OTP_RECORD = "One verification of the key's account by its id (unknown: -24)."
OTP_RECORD_BY_ORDER = "One verification by the orderId given when it was sent (unknown: -24)."
OTP_TEMPLATES = "The app's OTP templates; without an appId, those of every SMS app the key may use."


# --- security --------------------------------------------------------------------------------------------


class SignedHeaders(APIKeyHeader):
    """The security scheme in the document. Calling it does nothing: it never touches the request."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        return None


SIGNED_HEADERS = SignedHeaders(
    name="Api-Key",
    scheme_name="SignedHeaders",
    auto_error=False,
    description=(
        "The account's API key in `Api-Key`, always sent with `Timestamp` (Unix seconds as a string; 13-digit "
        "milliseconds too; within +-30 minutes of the server clock, else -16) and `Sign` = "
        "md5(ApiKey + ApiSecret + Timestamp) as 32 hex digits, either case. A missing header or a wrong "
        "signature answers -1 (still HTTP 200)."
    ),
)
SIGNED: list[fastapi_params.Depends] = [Security(SIGNED_HEADERS)]

AUTH_HEADERS: list[dict[str, Any]] = [
    {
        "name": "Api-Key",
        "in": "header",
        "required": True,
        "description": "The account's API key.",
        "schema": {"type": "string", "minLength": 1, "examples": ["bDqJFiq9"]},
    },
    {
        "name": "Sign",
        "in": "header",
        "required": True,
        "description": "md5(ApiKey + ApiSecret + Timestamp) in hex; upper or lower case.",
        "schema": {"type": "string", "pattern": "^[0-9A-Fa-f]{32}$", "examples": ["05d7a50893e22a5c4bb3216ae3396c7c"]},
    },
    {
        "name": "Timestamp",
        "in": "header",
        "required": True,
        "description": "Unix time in seconds (or 13-digit milliseconds), within +-30 minutes of the server clock.",
        "schema": {"type": "string", "pattern": r"^\d{10}(\d{3})?$", "examples": ["1630468800"]},
    },
]


# --- requests --------------------------------------------------------------------------------------------

TIME = Annotated[str, Field(pattern=ISO_TIME_PATTERN, examples=[ISO_TIME_EXAMPLE])]


class Params(BaseModel):
    """Base of the request models: extra keys are allowed (and ignored by the server)."""

    model_config = ConfigDict(extra="allow")


class AppRequest(Params):
    appId: str = Field(description=APP_ID, examples=["4luaKsL2"])


class SendFields(Params):
    content: str = Field(
        max_length=1024,
        description="At most 1024 UTF-16 code units (-5); empty or blank: -4.",
        examples=["Hello from Switchboard"],
    )
    senderId: str | None = Field(default=None, max_length=32, description="At most 32 characters (-22).")
    orderId: str | None = Field(
        default=None,
        description="Comma-separated, one per number, each 1-64 printable characters without spaces (-22).",
        examples=["a1,a2"],
    )
    sendTime: TIME | None = Field(
        default=None,
        description="Beyond the Onbuka docs: schedules the message; ISO-8601 with an offset, <= 35 days ahead (-11).",
    )


class SendSmsQuery(SendFields):
    """``GET /v3/sendSms``: URL-encoded query parameters."""

    appId: str = Field(description=APP_ID, examples=["4luaKsL2"])
    numbers: str = Field(
        description="Comma-separated numbers with country code (raw `,` or `%2C`); at most 100 on GET (-7).",
        examples=["919876543210,8613800138000"],
    )


class SendGroup(SendFields):
    """One group of numbers with its content: the body of sendSms, an element of sendSms/batch."""

    numbers: str | int | list[str] = Field(
        description=(
            "Comma-separated numbers with country code; a JSON number or an array of strings is accepted too. "
            "At most 1000 (-7); none: -8; abnormal numbers count in `fail` (-9 if all are). "
            "Aliases: `number`, `mobile`."
        ),
        examples=["919876543210,8613800138000"],
    )


class SendSmsBody(SendGroup):
    """``POST /v3/sendSms``: a JSON body."""

    appId: str = Field(description=APP_ID, examples=["4luaKsL2"])


class SendBatchBody(AppRequest):
    """``POST /v3/sendSms/batch``: one transaction; all groups together at most 1000 numbers."""

    array: list[SendGroup] = Field(
        min_length=1,
        description=(
            "The groups (empty: -8; not a list of objects: -22). "
            "A request-level failure in any group refuses the whole batch."
        ),
    )


class GetReportQuery(AppRequest):
    msgIds: str = Field(
        pattern=r"^\d{19}(,\d{19})*$",
        description=(
            "Up to 200 comma-separated 19-digit msgIds (raw `,` or `%2C`; `msgids` is accepted too); "
            "empty, over 200 or malformed: -14."
        ),
        examples=["2611291200000000001,2611291200000000002"],
    )


class GetSentRcdQuery(AppRequest):
    startTime: TIME = Field(
        description="ISO-8601 with an offset; a raw `+` that arrives as a space is accepted. Malformed: -11."
    )
    endTime: TIME = Field(
        description="As startTime; the window is at most 31 days and not older than the retention (-25)."
    )
    startIndex: int | None = Field(default=None, ge=0, description="Rows to skip (50,000 rows per call).")


class MoWindow(Params):
    strTime: TIME = Field(description="Window start (unreadable: -22; before 2022-07-01: -25).")
    endTime: TIME = Field(description="Window end, at most one month after strTime (-25).")


class RecordMoBody(AppRequest):
    current: int = Field(ge=1, description="Page number from 1 (-22).", examples=[1])
    size: int = Field(ge=1, le=100, description="Page size 1..100 (-22).", examples=[100])
    params: MoWindow


class OtpSendFields(AppRequest):
    to: str = Field(
        pattern=r"^\d{10,14}$", description="10-14 digits with country code (-22).", examples=["919876543210"]
    )
    channel: Literal["sms", "call", "sna"] | None = Field(
        default=None, description="`sms` (the default, any case); `call` and `sna` are not available yet (-22)."
    )
    orderId: str | None = Field(default=None, max_length=64, description="Unique per app (repeated: -20).")


class OtpSendBody(OtpSendFields):
    templateId: int = Field(description="An OTP template of the app (`otp template-add`); unknown: -22.", examples=[1])


class OtpSendRuleBody(OtpSendFields):
    templateId: int | None = Field(default=None, description="Optional: a default text is used without one.")
    code: str = Field(pattern=r"^[0-9A-Za-z]{1,10}$", description="The code to send, 1-10 letters or digits (-22).")


class OtpOrderQuery(AppRequest):
    orderId: str = Field(description="The orderId given to verification/send (unknown: -24).")


# --- answers ---------------------------------------------------------------------------------------------

Count = Annotated[str, Field(pattern=r"^\d+$", description="A count, as a string.")]
Amount = Annotated[str, Field(pattern=r"^-?\d+\.\d{6}$", description="Six decimals, in the account's currency.")]
MsgId = Annotated[str, Field(pattern=MSG_ID_PATTERN)]


class Success(BaseModel):
    status: Literal["0"]
    reason: Literal["success"]


class ErrorAnswer(BaseModel):
    """Any refused request: the code (a negative number, as a string) and its reason text, nothing else."""

    status: str = Field(pattern=r"^-\d+$", examples=["-22"])
    reason: str = Field(examples=["Parameter exception"])


class BalanceAnswer(Success):
    balance: Amount
    gift: Amount
    credit: Amount


class SentItem(BaseModel):
    msgId: MsgId
    number: str = Field(description="The normalised number (digits with country code).")
    orderId: str = Field(description='The orderId given for the number, or "".')


class SendAnswer(Success):
    success: Count
    fail: Count
    array: list[SentItem] = Field(description="The accepted numbers, in request order.")


class ReportItem(BaseModel):
    msgId: MsgId
    number: str
    receiveTime: str = Field(description="ISO-8601 with the account's offset.")
    status: str = Field(description='"0" delivered; getReport: "-1" sending, "1" failed; getSentRcd: "2" failed.')


class ReportAnswer(Success):
    success: Count
    fail: Count
    sending: Count
    nofound: Count
    array: list[ReportItem]


class SentRcdAnswer(Success):
    success: Count
    fail: Count
    array: list[ReportItem]


class PriceDetail(BaseModel):
    pay: str
    chargeCnt: int
    currency: str
    price: str


class MoRecord(BaseModel):
    number: str
    sendId: str
    receiveTime: str
    content: str
    mcc: int
    mnc: int
    operator: str
    pricedetail: PriceDetail


class MoPage(BaseModel):
    total: int
    size: int
    current: int
    pages: int
    records: list[MoRecord]


class RecordMoAnswer(Success):
    data: MoPage


class Verification(BaseModel):
    verificationId: str
    to: str
    channel: str


class VerificationAnswer(Success):
    data: Verification


class Verified(BaseModel):
    verificationId: str
    to: str
    verified: bool


class VerifiedAnswer(Success):
    data: Verified


class VerificationRecord(Verification):
    orderId: str
    status: str = Field(description="pending, verified, locked or expired.")
    attempts: int
    msgId: str
    createTime: str
    expireTime: str
    verifyTime: str = Field(description='"" until verified.')


class VerificationRecordAnswer(Success):
    data: VerificationRecord


class OtpTemplate(BaseModel):
    templateId: int
    appId: str
    content: str
    codeLength: int
    ttl: int
    maxAttempts: int


class OtpTemplatesAnswer(Success):
    data: list[OtpTemplate]


# --- decorator arguments ---------------------------------------------------------------------------------


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined (openapi_extra cannot add components)."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = resolve(copy.deepcopy(definitions[ref.removeprefix("#/$defs/")]))
                extra = {k: resolve(v) for k, v in node.items() if k not in ("$ref", "title")}
                return {**target, **extra}
            return {k: resolve(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value is never null: ``anyOf [X, null]`` becomes X (keeping the outer keywords)."""
    variants = schema.get("anyOf")
    if not isinstance(variants, list):
        return schema
    kept = [v for v in variants if v != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = inline_schema(model)
    required = set(schema.get("required", []))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = _without_null(field)
        description = field.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": field}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def get_doc(query: type[BaseModel] | None, description: str) -> dict[str, Any]:
    """``openapi_extra`` of a GET: the auth headers and the query parameters (a GET body is never read)."""
    where = (
        " GET: the parameters are in the URL-encoded query string (a raw `+` in a time, double encoding and "
        "unknown parameters are tolerated); a body is never read, whatever the Content-Type."
        if query
        else " GET: no parameters (unknown ones, such as `appid`, are ignored); a body is never read."
    )
    return {
        "description": description + where,
        "parameters": copy.deepcopy(AUTH_HEADERS) + (query_parameters(query) if query else []),
    }


def post_doc(body: type[BaseModel] | None, description: str) -> dict[str, Any]:
    """``openapi_extra`` of a POST: the auth headers and the JSON body (none for ``body=None``: ignored)."""
    schema = (
        inline_schema(body)
        if body
        else {"type": "object", "description": "No parameters: any JSON object is accepted and ignored."}
    )
    return {
        "description": description + LENIENT,
        "parameters": copy.deepcopy(AUTH_HEADERS),
        "requestBody": {
            "required": body is not None,
            "content": {"application/json": {"schema": schema}},
        },
    }


def answers(success: type[Success], *, path_parameter: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses``: the one status code, 200, with the success model or the error envelope.

    ``path_parameter``: FastAPI documents a 422 for routes with a path parameter unless a ``default`` answer
    is given; none can happen (the parameter is any text), so the default answer says so."""
    documented: dict[int | str, dict[str, Any]] = {
        200: {
            "model": success | ErrorAnswer,
            "description": EVERY_OUTCOME,
            # Replaces the {"type": "string"} FastAPI infers from the (non-JSONResponse) response class.
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    if path_parameter:
        documented["default"] = {"description": "Not used: every outcome of this operation is HTTP 200 (above)."}
    return documented
