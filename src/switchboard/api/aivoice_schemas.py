"""The OpenAPI description of the AI-voice operations: request bodies and answers (docs/aivoice.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from switchboard.api.schemas import Params, Success

APP_ID = "The AI-voice app's appId (-27 missing, -37 unknown or of another account)."
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class AppBody(Params):
    appId: str = Field(description=APP_ID, examples=["7bKq2LmP"])


class JobBody(AppBody):
    jobId: int | str = Field(description="The task's jobId (-32 unknown).", examples=[1])


class Window(BaseModel):
    startTime: str = Field(pattern=HHMM)
    endTime: str = Field(pattern=HHMM)


class DateWindow(BaseModel):
    startDate: str = Field(examples=["2026-12-24"])
    endDate: str = Field(examples=["2026-12-26"])


class TaskBody(AppBody):
    jobId: int | None = Field(default=None, description="taskEdit only: the task to change.")
    name: str = Field(min_length=1, max_length=64, description="Unique in the app (-33).")
    dialogFlowId: int = Field(description="From dialogFlowList (-55 missing or disabled).")
    mode: Literal["MANUAL", "AUTO"]
    startDateTime: str | None = Field(default=None, description="yyyy-MM-dd HH:mm:ss, UTC; AUTO needs it (-28).")
    endDateTime: str | None = None
    dailyStartDateTime: str = Field(pattern=HHMM, description="Not before 09:00 (-48).", examples=["09:00"])
    dailyEndDateTime: str = Field(pattern=HHMM, description="Not after 20:00 (-48).", examples=["18:00"])
    robotCount: int = Field(ge=1, description="Calls at once (-52 above the maximum).")
    jobPhoneNumberId: int = Field(description="A line of channelList (-41).")
    inactiveTimeList: list[Window] | None = Field(default=None, max_length=3)
    inactiveDateList: list[DateWindow] | None = Field(default=None, max_length=3)
    daysOfWeek: list[str] | None = Field(default=None, examples=[["MONDAY", "TUESDAY"]])
    redial: bool
    redialCondition: list[str] | None = Field(default=None, description="Needed when redial is true (-29).")
    redialTimes: int | None = Field(default=None, ge=1, le=10, description="-30 outside 1-10.")
    redialInterval: int | None = Field(default=None, ge=1, le=1440, description="Minutes; -30 outside 1-1440.")


class Person(BaseModel):
    name: str
    phoneNumber: str
    gender: Literal["MALE", "FEMALE"] | None = None
    properties: dict[str, str] | None = None


class ImportBody(JobBody):
    callRecordDup: bool | None = None
    customerPersons: list[Person] = Field(min_length=1, max_length=100, description="Up to 100 (-56).")


class NumberRef(BaseModel):
    phoneNumber: str
    name: str | None = None


class ImportDelBody(JobBody):
    jobPhoneNumberList: list[NumberRef] = Field(min_length=1, max_length=1000)


class PageParams(BaseModel):
    appId: str = Field(description=APP_ID)
    name: str | None = None
    jobId: int | None = None
    taskStatus: Literal["CAN_NOT_START", "CAN_START", "IN_PROCESS"] | None = None
    startTime: str | None = Field(default=None, description="recordQuery: yyyy-MM-dd HH:mm:ss (UTC).")
    endTime: str | None = None


class PageBody(Params):
    current: int = Field(ge=1, le=1_000_000)
    size: int = Field(ge=1, le=100)
    params: PageParams


class DataAnswer(Success):
    data: Any = Field(description="The operation's result (docs/aivoice.md).")
