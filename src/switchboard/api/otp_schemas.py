"""OpenAPI models of the OTP operations the vendor's Java SDK calls without an appId, and of its OTP
management calls (documentation only, like ``api/schemas.py``; the handlers read parameters by hand)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from switchboard.api.schemas import Params, Success

OPTIONAL_APP_ID = (
    "Optional (the vendor SDK never sends it): the app is the one the verification or template belongs to, "
    "within the key's account. When given, it must be that app (another app's or account's id: -24)."
)


class OptionalApp(Params):
    appId: str | None = Field(default=None, description=OPTIONAL_APP_ID, examples=["4luaKsL2"])


class VerifyBody(OptionalApp):
    verificationId: str = Field(description="From verification/send (unknown or another account's: -24).")
    code: str = Field(min_length=4, max_length=10, description="The code the user received (wrong: -21).")


class ResendBody(OptionalApp):
    verificationId: str = Field(description="A pending verification (30 s apart, at most 3 resends).")
    channel: str | None = Field(default=None, description="Sent by the SDK; the verification's channel is kept.")


# --- management (otp/app, otp/template, otp/flow, backfillRate) -------------------------------------------

APP_ADD = "Create an OTP app: an SMS app of the key's account with OTP settings (name used: -20)."
APP_UPDATE = "Change an OTP app's name or settings (another account's app, or one the key may not use: -24)."
APP_DETAILS = "An OTP app and its settings."
TEMPLATE_ADD = "Add a template to the app named by appId (name used in the app: -20; text without ##code##: -22)."
TEMPLATE_UPDATE = "Change a template; fields not given stay (unknown or another account's: -24)."
TEMPLATE_DETAILS = "One template."
FLOW_ADD = "Create a fallback flow of channels (sms, call) for verification/send's flowId (name used: -20)."
FLOW_UPDATE = "Change a flow's name or steps (unknown or another account's: -24)."
FLOW_DETAILS = "One flow."
FLOW_LIST = "Every flow of the key's account."
BACKFILL_RATE = "Report a conversion rate for an app and a mobile country code (docs/otp.md)."


class PeriodLimitModel(Params):
    enabled: bool | None = Field(default=True, description="false: no limit.")
    unit: int | str = Field(description="Seconds per unit (or second, minute, hour, day).", examples=[60])
    period: int = Field(ge=1, le=100_000, description="Units per window (unit x period <= 31 days).")
    limit: int = Field(ge=1, le=1_000_000, description="Sends per window (total: -27; per number: -28).")


class AppBody(OptionalApp):
    name: str | None = Field(default=None, min_length=1, max_length=32, description="Required on add.")
    codeExpiry: int | None = Field(default=None, ge=30, le=86400, description="Seconds a code is valid.")
    periodTotalSendLimit: PeriodLimitModel | None = None
    periodPhoneSendLimit: PeriodLimitModel | None = None


class TemplateBody(OptionalApp):
    templateId: str | None = Field(default=None, description="Sent by the SDK; the path's id counts.")
    name: str | None = Field(default=None, min_length=4, max_length=32, description="Required on add.")
    text: str | None = Field(default=None, min_length=1, max_length=256, description="Contains ##code##.")
    codeType: int | None = Field(default=None, ge=1, le=3, description="1 digits, 2 letters, 3 both.")
    codeLength: int | None = Field(default=None, ge=4, le=10, description="Default 4.")
    speechRate: int | None = Field(default=None, ge=0, le=100, description="Call channel, default 50.")
    language: str | None = Field(default=None, description="Call channel: CN EN VN JP ARB DE IN IT KR RU ES PT IDN BD.")
    maxDuration: int | None = Field(default=None, ge=5, le=599, description="Call channel seconds, default 59.")
    repeatCnt: int | None = Field(default=None, ge=1, le=10, description="Call channel plays, default 1.")
    senderId: str | None = Field(default=None, max_length=32, description="SMS sender id.")


class FlowStep(Params):
    channel: str = Field(description="sms or call.")
    waitingTime: int | None = Field(default=60, ge=0, le=86400, description="Seconds before a resend moves on.")
    status: int | None = Field(default=1, ge=0, le=1, description="1 enabled, 0 skipped.")
    channelCut: int | None = Field(default=1, ge=0, le=1, description="1: a resend moves to the next step.")


class FlowBody(Params):
    flowId: str | None = Field(default=None, description="Sent by the SDK; the path's id counts.")
    name: str | None = Field(default=None, min_length=1, max_length=64, description="Required on add.")
    flow: list[FlowStep] | None = Field(default=None, description="1-5 steps; required on add.")


class BackfillRateBody(Params):
    appId: str = Field(description="An SMS app of the key's account.")
    mcc: str = Field(pattern=r"^\d{3}$", description="Mobile country code.")
    backfillNumber: str = Field(description="Codes used (<= backfillCardinalNumber).")
    backfillCardinalNumber: str = Field(description="Codes sent.")
    backfillNow: str | None = Field(default=None, description="The rate as the client computed it (kept).")
    callbackTime: str | None = Field(default=None, description="Unix time in ms (bad: -11); default now.")


class ObjectAnswer(Success):
    data: dict[str, Any]


class ListAnswer(Success):
    data: list[dict[str, Any]]
