"""Pure checks of the OTP management requests (field names of the vendor's Java SDK request classes).

Every problem is a ``RuleError`` carrying the SMS-table code the API answers: -22 "Parameter exception" for a
missing or malformed field, -11 "Incorrect timing format" for an unreadable time, -14 for a conversion report
with an empty required field. The service layer turns them into API errors.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
MAX_WINDOW = 31 * 86400
LANGUAGES = ("CN", "EN", "VN", "JP", "ARB", "DE", "IN", "IT", "KR", "RU", "ES", "PT", "IDN", "BD")
FLOW_CHANNELS = ("sms", "call")
MAX_FLOW_STEPS = 5
CODE_ALPHABETS = {1: "0123456789", 2: "ABCDEFGHJKLMNPQRSTUVWXYZ", 3: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"}
PLACEHOLDER = "##code##"
DEFAULT_EXPIRY = 300


class RuleError(ValueError):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def bad(detail: str) -> RuleError:
    return RuleError(-22, detail)


def text(fields: dict[str, Any], name: str, low: int, high: int, *, required: bool) -> str | None:
    value = fields.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise bad(f"{name} must be text")
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if required:
            raise bad(f"{name} is required")
        return None
    if not low <= len(value) <= high:
        raise bad(f"{name} is {low}-{high} characters")
    return value


def integer(fields: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad(f"{name} must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise bad(f"{name} must be an integer")
    if not low <= value <= high:
        raise bad(f"{name} must be {low}-{high}")
    return value


def flag(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise bad(f"{name} must be true or false")


# --- apps ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodLimit:
    """At most ``limit`` sends per ``unit`` x ``period`` seconds (``enabled`` false: no limit)."""

    enabled: bool
    unit: int  # seconds per unit
    period: int
    limit: int

    @property
    def window(self) -> int:
        return self.unit * self.period

    def wire(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "unit": self.unit, "period": self.period, "limit": self.limit}


def period_limit(value: Any, name: str) -> PeriodLimit | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad(f"{name} must be an object {{enabled, unit, period, limit}}")
    enabled = flag(value.get("enabled"), f"{name}.enabled", True)
    raw_unit = value.get("unit")
    unit = UNITS.get(raw_unit.strip().lower()) if isinstance(raw_unit, str) and not raw_unit.isdigit() else None
    if unit is None:
        unit = integer({"unit": raw_unit}, "unit", 1, 86400) or 0
    period = integer(value, "period", 1, 100_000) or 0
    limit = integer(value, "limit", 1, 1_000_000) or 0
    if enabled and not (unit and period and limit):
        raise bad(f"{name} needs unit, period and limit")
    if enabled and unit * period > MAX_WINDOW:
        raise bad(f"{name}: unit x period is at most 31 days")
    return PeriodLimit(enabled, unit, period, limit)


@dataclass(frozen=True)
class AppSettings:
    name: str | None
    code_expiry: int | None
    total: PeriodLimit | None
    phone: PeriodLimit | None


def app_settings(fields: dict[str, Any], *, adding: bool) -> AppSettings:
    return AppSettings(
        name=text(fields, "name", 1, 32, required=adding),
        code_expiry=integer(fields, "codeExpiry", 30, 86400),
        total=period_limit(fields.get("periodTotalSendLimit"), "periodTotalSendLimit"),
        phone=period_limit(fields.get("periodPhoneSendLimit"), "periodPhoneSendLimit"),
    )


# --- templates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateFields:
    name: str | None
    content: str | None  # in the renderer's form: {code} placeholder, literal braces doubled
    code_type: int | None
    code_length: int | None
    speech_rate: int | None
    language: str | None
    max_duration: int | None
    repeat_cnt: int | None
    sender_id: str | None

    def columns(self) -> dict[str, Any]:
        values = {
            "name": self.name,
            "content": self.content,
            "code_type": self.code_type,
            "code_length": self.code_length,
            "speech_rate": self.speech_rate,
            "language": self.language,
            "max_duration": self.max_duration,
            "repeat_cnt": self.repeat_cnt,
            "sender_id": self.sender_id,
        }
        return {k: v for k, v in values.items() if v is not None}


def to_content(wire_text: str) -> str:
    """``##code##`` becomes the renderer's ``{code}``; other braces are kept literally."""
    escaped = wire_text.replace("{", "{{").replace("}", "}}")
    return escaped.replace(PLACEHOLDER, "{code}")


def to_wire_text(content: str) -> str:
    parts = content.split("{code}")
    return PLACEHOLDER.join(p.replace("{{", "{").replace("}}", "}") for p in parts)


def template_fields(fields: dict[str, Any], *, adding: bool) -> TemplateFields:
    wire_text = text(fields, "text", 1, 256, required=adding)
    if wire_text is not None and PLACEHOLDER not in wire_text:
        raise bad(f"text must contain {PLACEHOLDER}")
    language = text(fields, "language", 2, 3, required=False)
    if language is not None and language.upper() not in LANGUAGES:
        raise bad(f"language is one of {', '.join(LANGUAGES)}")
    defaults = adding
    return TemplateFields(
        name=text(fields, "name", 4, 32, required=adding),
        content=to_content(wire_text) if wire_text else None,
        code_type=integer(fields, "codeType", 1, 3) or (1 if defaults else None),
        code_length=integer(fields, "codeLength", 4, 10) or (4 if defaults else None),
        speech_rate=_or(integer(fields, "speechRate", 0, 100), 50 if defaults else None),
        language=language.upper() if language else ("EN" if defaults else None),
        max_duration=integer(fields, "maxDuration", 5, 599) or (59 if defaults else None),
        repeat_cnt=integer(fields, "repeatCnt", 1, 10) or (1 if defaults else None),
        sender_id=text(fields, "senderId", 1, 32, required=False),
    )


def _or(value: int | None, default: int | None) -> int | None:
    return default if value is None else value


def new_code(code_type: int | None, length: int) -> str:
    alphabet = CODE_ALPHABETS.get(code_type or 1, CODE_ALPHABETS[1])
    return "".join(secrets.choice(alphabet) for _ in range(length))


def speaking_rate(speech_rate: int | None) -> float:
    """The template's speech rate 0-100 (50 normal) as sendCode's speakingRate: 0.5-1.5."""
    return 0.5 + (50 if speech_rate is None else speech_rate) / 100


# --- flows -----------------------------------------------------------------------------------------------


def flow_steps(value: Any) -> list[dict[str, Any]]:
    """The SDK's ``flow`` list: each step {channel, waitingTime (s), status 1/0, channelCut 1/0}."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FLOW_STEPS:
        raise bad(f"flow is a list of 1-{MAX_FLOW_STEPS} steps")
    steps = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise bad(f"flow[{index}] must be an object")
        channel = text(item, "channel", 1, 8, required=True)
        assert channel is not None
        if channel.lower() not in FLOW_CHANNELS:
            raise bad(f"flow[{index}].channel is sms or call")
        steps.append(
            {
                "channel": channel.lower(),
                "waitingTime": _or(integer(item, "waitingTime", 0, 86400), 60),
                "status": _or(integer(item, "status", 0, 1), 1),
                "channelCut": _or(integer(item, "channelCut", 0, 1), 1),
            }
        )
    if not any(s["status"] == 1 for s in steps):
        raise bad("flow needs an enabled step (status 1)")
    return steps


def first_step(steps: list[dict[str, Any]]) -> int:
    return next(i for i, s in enumerate(steps) if s["status"] == 1)


def next_step(steps: list[dict[str, Any]], current: int) -> int:
    """The step a resend uses: the next enabled one when the current step says channelCut, else the same;
    the last enabled step repeats."""
    if not steps[current]["channelCut"]:
        return current
    for index in range(current + 1, len(steps)):
        if steps[index]["status"] == 1:
            return index
    return current


# --- conversions -----------------------------------------------------------------------------------------


def epoch_time(raw: Any, *, code: int) -> datetime:
    """A Unix time in milliseconds (13 digits) or seconds (10 digits)."""
    value = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not re.fullmatch(r"\d{10}|\d{13}", value):
        raise RuleError(code, "time is a Unix time in milliseconds")
    seconds = int(value) / (1000 if len(value) == 13 else 1)
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class BackfillRate:
    mcc: str
    converted: int
    base: int
    reported: str | None
    callback_at: datetime | None


def backfill_rate(fields: dict[str, Any]) -> BackfillRate:
    mcc = text(fields, "mcc", 3, 3, required=True)
    if mcc is None or not mcc.isdigit():
        raise bad("mcc is the 3-digit mobile country code")
    converted = integer(fields, "backfillNumber", 0, 1_000_000_000)
    base = integer(fields, "backfillCardinalNumber", 1, 1_000_000_000)
    if converted is None or base is None:
        raise bad("backfillNumber and backfillCardinalNumber are required")
    if converted > base:
        raise bad("backfillNumber is at most backfillCardinalNumber")
    raw_time = fields.get("callbackTime")
    return BackfillRate(
        mcc=mcc,
        converted=converted,
        base=base,
        reported=text(fields, "backfillNow", 1, 32, required=False),
        callback_at=epoch_time(raw_time, code=-11) if raw_time not in (None, "") else None,
    )
