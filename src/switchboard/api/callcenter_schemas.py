"""The OpenAPI description of the call-center operations (C1-C25): request bodies and answers (docs/callcenter.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from switchboard.api.schemas import Params, Success

GROUP_ID = "An agent group of the account (-24 unknown or another account's)."


class AddGroupBody(Params):
    appId: str = Field(description="The call-center app the group belongs to.", examples=["4luaKsL2"])
    groupName: str = Field(min_length=4, max_length=32, description="Unique in the account (-20).")


class UpdateGroupBody(Params):
    voiceGroupId: int = Field(description=GROUP_ID)
    groupName: str = Field(min_length=4, max_length=32, description="Unique in the account (-20).")


class GroupQuery(BaseModel):
    voiceGroupId: int = Field(description=GROUP_ID)


class RingQuery(BaseModel):
    fileName: str = Field(description="A ring tone uploaded with seatGroup/upload.")


class SettingsBody(Params):
    voiceGroupId: int = Field(description=GROUP_ID)
    callinStrategy: int | None = Field(
        default=None, ge=1, le=4, description="1 longest idle, 2 fewest handled, 3 agent priority, 4 round-robin."
    )
    timeoutTransferSec: int | None = Field(default=None, description="Seconds an agent rings before the next.")
    callinAutoAnswerSec: int | None = None
    wrapUpTime: int | None = None
    timeoutIdle: int | None = Field(default=None, description="Missed calls in a row that put an agent on break.")
    timeoutWaitSec: int | None = Field(default=None, description="Seconds a caller waits at most.")
    turnSeatRing: str | None = Field(default=None, description="A fileName from seatGroup/upload.")
    labelName: list[str] | None = Field(default=None, description="At most 10 tags (-71) of 1-20 chars (-72).")
    displaySwitch: int = Field(ge=0, le=1)
    encryptNumber: int = Field(ge=0, le=1, description="0: numbers masked in records.")
    fsNode: str | None = Field(default=None, examples=["SG_FS"])


class FileBody(Params):
    fileName: str = Field(description="With its suffix (.mp3/.wav for ring tones; .xls/.xlsx/.csv for callees).")
    file: str = Field(description="The file's bytes in base64.")


class PageBody(Params):
    current: int = Field(ge=1, le=1_000_000)
    size: int = Field(ge=1, le=100)
    params: dict[str, Any] | None = Field(default=None, description="Filters (docs/callcenter.md).")


class LeaderBody(Params):
    keyId: int | None = Field(default=None, description="teamleader/update only.")
    name: str = Field(min_length=4, max_length=32, description="Unique in the account (-33).")
    petName: str | None = Field(default=None, max_length=20)
    empNo: str | None = Field(default=None, description="teamleader/update: 1-12 digits, unique (-34).")
    password: str | None = Field(default=None, description="Letters and digits (-64).")
    voiceGroupIdList: list[int] | None = None


class StatusBody(Params):
    idList: list[int] = Field(min_length=1)
    type: int = Field(ge=2, le=4, description="2 delete, 3 disable, 4 enable.")


class AddSeatsBody(Params):
    voiceGroupId: int = Field(description=GROUP_ID)
    size: int = Field(ge=1, le=100, description="How many agents (-36 above the account's maximum).")
    displayNum: str | None = Field(default=None, description="4-20 digits (-73).")
    ccode: str | None = Field(default=None, description="A country calling code (-66).")


class UpdateSeatBody(Params):
    keyId: int
    voiceGroupId: int = Field(description="A group of the account (-65).")
    name: str = Field(min_length=1, max_length=32)
    empNo: str = Field(description="1-12 digits, unique (-34).")
    petName: str | None = None
    password: str | None = None
    displayNum: str | None = None
    ccode: str | None = None


class Priority(BaseModel):
    keyId: int
    priority: int = Field(ge=1, le=999)


class PriorityBody(Params):
    voiceGroupId: int = Field(description=GROUP_ID)
    params: list[Priority] = Field(min_length=1)


class Binding(BaseModel):
    voiceGroupId: int
    number: str | None = Field(default=None, description="Inbound trunks: the number routed to the group.")


class TrunkBody(Params):
    keyId: int | None = Field(default=None, description="sipTrunk/update only (-56 missing).")
    type: int | None = Field(default=None, description="1 outbound, 2 inbound (-44).")
    sipTrunkName: str = Field(description="Unique in the account (-47).")
    sipPrefix: str | None = None
    groupList: list[Binding] = Field(description="Bound groups (-48 empty, -51 repeated, -52 bound elsewhere).")
    sipGatewayIp: str | None = Field(default=None, description="Outbound: host[:port] list, <= 50 chars.")
    sipWhiteIp: str | None = Field(default=None, description="Inbound: IP list, <= 50 chars.")
    sipTrunkState: bool
    sipAccount: str | None = None
    sipPassword: str | None = None


class TaskBody(Params):
    taskId: int | None = Field(default=None, description="resendTask only.")
    filePath: str | None = Field(default=None, description="submitTask: the filePath of preview/upload.")
    fileName: str | None = None
    type: int = Field(ge=0, le=1, description="0 automatic call, 1 group call to agents.")
    resendType: int | None = Field(default=None, description="resendTask: 1 failed, 2 not called, 3 all.")
    voiceGroupId: int | list[int] = Field(description="Type 1: exactly one group of the app (-74).")
    appId: str | None = None
    calloutRate: int | None = Field(default=None, ge=1, le=10)
    displayNum: str | None = None
    ccode: str | None = None
    remark: str | None = Field(default=None, max_length=50)
    maxRingingTime: int | None = Field(default=None, ge=20, le=120)


class EditTaskBody(Params):
    taskId: int
    remark: str | None = Field(default=None, max_length=50)
    calloutRate: int = Field(ge=1, description="At most the app's maximum (-36).")


class DataAnswer(Success):
    data: Any = Field(description="The operation's result (docs/callcenter.md).")
