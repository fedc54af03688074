"""Checking voice requests (sendGroup V6, sendCode V7, files V1/V13) into typed commands, with the Voice codes.

| problem | code |
|---|---|
| callee or appId missing; a field of the wrong type | -22 |
| displayNum, loopCount, speakingRate, ssmlGender, accent, recallCount, recallInterval, calledInfo, text: bad | -22 |
| maxDuration outside 1-120 s, maxRingingTime outside 20-120 s | -22 |
| a callee not 7-15 digits or not possible; several callees in sendCode | -22 (per callee in sendGroup) |
| more than 1000 callees (sendGroup) | -23 |
| fileId missing | -50 |
| text or language missing | -38 |

The contract's code lists of sendGroup and sendCode (``0,-1,-2,-10,-16,-18,-22,-26``) give -22 for every
parameter problem; -21 "Data validation exception" and -25 "Out of time range" are not among them (the seed
defines them for the voice table without tying them to these fields), so a range or callee error is -22.
The seed's dedicated codes (-23 over the cap, -38, -50) keep their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.domain.numbers import Number, classify, split_numbers
from switchboard.errors import ApiError, Product

MAX_GROUP_CALLEES = 1000
MAX_TEXT = 1000
MAX_CALLED_INFO = 1000
# ASCII digits only: "٩١٩٨٧٦٥٤٣٢١٠" is not a caller id (str patterns' \d matches every script's digits).
DIGITS_7_15 = re.compile(r"^\d{7,15}$", re.ASCII)
ACCENT = re.compile(r"^\d{1,4}$", re.ASCII)


def voice_error(code: int, detail: str | None = None) -> ApiError:
    return ApiError(Product.VOICE, code, detail)


@dataclass(frozen=True)
class CallOptions:
    display_num: str | None
    max_duration: int | None
    max_ringing: int
    loop_count: int
    called_info: str | None


@dataclass(frozen=True)
class Callee:
    raw: str
    number: Number | None  # None: abnormal (-22)


@dataclass(frozen=True)
class GroupRequest:
    callees: list[Callee]
    file_id: str
    options: CallOptions


@dataclass(frozen=True)
class CodeRequest:
    callee: Number
    text: str
    language: str
    speaking_rate: float
    gender: int | None
    accent: str | None
    recall_count: int
    recall_interval: int  # minutes
    options: CallOptions


def text_field(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(int(value)) if isinstance(value, int) or float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise voice_error(-22, f"{name} must be text")
    return value.strip() or None


def int_field(params: Mapping[str, Any], name: str, low: int, high: int, *, code: int = -22) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise voice_error(-22, f"{name} must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise voice_error(-22, f"{name} must be an integer")
    if not low <= value <= high:
        raise voice_error(code, f"{name} must be {low}-{high}")
    return value


def float_field(params: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise voice_error(-22, f"{name} must be a number {low}-{high}")
    return number


def check_callee(raw: str) -> Number | None:
    if not DIGITS_7_15.match(raw):
        return None
    return classify(raw)


def options(params: Mapping[str, Any], *, max_loops: int) -> CallOptions:
    display = text_field(params, "displayNum")
    if display is not None and not DIGITS_7_15.match(display):
        raise voice_error(-22, "displayNum must be 7-15 digits")
    info = text_field(params, "calledInfo")
    if info is not None and len(info) > MAX_CALLED_INFO:
        raise voice_error(-22, f"calledInfo is at most {MAX_CALLED_INFO} characters")
    return CallOptions(
        display_num=display,
        max_duration=int_field(params, "maxDuration", 1, 120),
        max_ringing=int_field(params, "maxRingingTime", 20, 120) or 60,
        loop_count=int_field(params, "loopCount", 1, max_loops) or 1,
        called_info=info,
    )


def check_group(params: Mapping[str, Any]) -> GroupRequest:
    raw = params.get("callee")
    if isinstance(raw, list):
        items = [str(item).strip() for item in raw if item is not None and str(item).strip()]
    else:
        items = split_numbers(text_field(params, "callee") or "")
    if not items:
        raise voice_error(-22, "callee is required")
    if len(items) > MAX_GROUP_CALLEES:
        raise voice_error(-23, f"at most {MAX_GROUP_CALLEES} callees")
    file_id = text_field(params, "fileId")
    if file_id is None:
        raise voice_error(-50)
    opts = options(params, max_loops=3)
    return GroupRequest([Callee(item, check_callee(item)) for item in items], file_id, opts)


def check_code(params: Mapping[str, Any]) -> CodeRequest:
    raw = text_field(params, "callee")
    if raw is None:
        raise voice_error(-22, "callee is required")
    text, language = text_field(params, "text"), text_field(params, "language")
    if text is None or language is None:
        raise voice_error(-38)
    if len(text) > MAX_TEXT:
        raise voice_error(-22, f"text is at most {MAX_TEXT} characters")
    accent = text_field(params, "accent")
    if accent is not None and not ACCENT.match(accent):
        raise voice_error(-22, "accent is a country calling code")
    opts = options(params, max_loops=9)
    if len(split_numbers(raw)) > 1:
        raise voice_error(-22, "sendCode calls one callee")
    number = check_callee(raw)
    if number is None:
        raise voice_error(-22, "callee must be a possible number of 7-15 digits")
    return CodeRequest(
        callee=number,
        text=text,
        language=language.upper(),
        speaking_rate=float_field(params, "speakingRate", 0.25, 4.0) or 1.0,
        gender=int_field(params, "ssmlGender", 1, 2),
        accent=accent,
        recall_count=int_field(params, "recallCount", 0, 9) or 0,
        recall_interval=int_field(params, "recallInterval", 1, 999) or 5,
        options=opts,
    )
