"""Group-call tasks (campaigns, V14-V20): the request checked into a typed command, the task states, the
daily calling windows and the hang-up SMS rules. Pure: no I/O, no framework.

| problem | code |
|---|---|
| a required field missing; a field of the wrong type or out of range; displayNum not 0-20 digits | -22 |
| more than 200,000 numbers (100,000 rows of numberInfoList), more than 3 windows | -23 |
| maxRingingTime outside 20-120 s | -25 |
| source not 1, 2 or 3 | -49 |
| source 1 without voiceFileId | -50 |
| source 2 without uploadName and baseFile | -51 |
| source 3 without text and lan | -38 |
| hangUpSms 1 without any trigger (feedbackPush, successPush, failedPush, ringPush) | -53 |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from switchboard.domain.voice.validation import int_field, text_field, voice_error

MAX_NUMBERS = 200_000
MAX_INFO_ROWS = 100_000
MAX_WINDOWS = 3
MAX_TEXT = 1000
MAX_SMS = 1000
MAX_FIELD_TEXT = 30
DIGITS_0_20 = re.compile(r"^\d{0,20}$", re.ASCII)
HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$", re.ASCII)
SEND_TIME = "%Y-%m-%d %H:%M:%S"
TEXT_FIELD = re.compile(r"\$\{text([1-5])\}")
KEYS = "0123456789"

# Task states of V15.
WAITING, CALLING, FINISHED, SUBMIT_FAILED, CANCELLED, SUSPENDED, SUBMITTING = 0, 1, 2, 3, 4, 5, 6
LIVE = (WAITING, CALLING)  # the runner works on these
EDITABLE = (WAITING, SUSPENDED)  # V17 (-43 otherwise)
RESENDABLE = (FINISHED, CANCELLED)  # V18 (-42 otherwise)
SOURCES = (1, 2, 3)
LANGUAGES = ("VN", "EN", "JP", "ARB", "DE", "IN", "IT", "KR", "RU", "ES", "PT", "IDN", "BD", "TH")


@dataclass(frozen=True)
class Target:
    """One number of the task as given: the raw text and the ``${textN}`` values of its row."""

    raw: str
    texts: tuple[str | None, ...] = (None, None, None, None, None)


@dataclass(frozen=True)
class Window:
    """A daily window ``start``-``end`` in minutes after local midnight; ``end <= start`` crosses midnight."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def label(self) -> dict[str, str]:
        return {"strTime": _hh_mm(self.start), "endTime": _hh_mm(self.end)}


@dataclass(frozen=True)
class HangUpSms:
    app_id: str
    content: str
    sender_id: str | None
    on_feedback: bool
    feedback_value: str | None
    on_success: bool
    success_after: int  # seconds of talk a successful call needs before its SMS is sent
    on_failed: bool
    on_ring: bool


@dataclass(frozen=True)
class TaskRequest:
    task_name: str
    targets: list[Target]
    source: int
    voice_file_id: str | None
    upload_name: str | None
    base_file: str | None
    text: str | None
    lan: str | None
    send_time: str | None
    loop_count: int
    max_calls: int
    max_ringing: int
    windows: list[Window]
    display_num: str | None
    sms: HangUpSms | None
    to_seat: bool


def _hh_mm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _flag(params: Mapping[str, Any], name: str) -> bool:
    return (int_field(params, name, 0, 1) or 0) == 1


def check_targets(params: Mapping[str, Any]) -> list[Target]:
    """numberList (<= 200,000) or numberInfoList (<= 100,000 rows with text1..text5), duplicates dropped."""
    plain, info = params.get("numberList"), params.get("numberInfoList")
    targets: list[Target] = []
    if info not in (None, "", []):
        if not isinstance(info, list):
            raise voice_error(-22, "numberInfoList is a list")
        if len(info) > MAX_INFO_ROWS:
            raise voice_error(-23, f"at most {MAX_INFO_ROWS} rows in numberInfoList")
        targets = [_info_row(row) for row in info]
    elif plain not in (None, "", []):
        if isinstance(plain, str):
            plain = plain.split(",")
        if not isinstance(plain, list):
            raise voice_error(-22, "numberList is a list")
        if len(plain) > MAX_NUMBERS:
            raise voice_error(-23, f"at most {MAX_NUMBERS} numbers")
        targets = [Target(_raw_number(item)) for item in plain]
    seen: set[str] = set()
    unique = []
    for target in targets:
        if target.raw and target.raw not in seen:
            seen.add(target.raw)
            unique.append(target)
    if not unique:
        raise voice_error(-22, "numberList or numberInfoList is required")
    return unique


def _raw_number(item: Any) -> str:
    if isinstance(item, bool) or not isinstance(item, str | int):
        raise voice_error(-22, "a number is text")
    return str(item).strip()


def _info_row(row: Any) -> Target:
    if not isinstance(row, dict):
        raise voice_error(-22, "numberInfoList holds objects")
    callee = row.get("calleeNumber")
    if callee is None or callee == "":
        raise voice_error(-22, "calleeNumber is required")
    texts = []
    for n in range(1, 6):
        value = text_field(row, f"text{n}")
        if value is not None and len(value) > MAX_FIELD_TEXT:
            raise voice_error(-22, f"text{n} is at most {MAX_FIELD_TEXT} characters")
        texts.append(value)
    return Target(_raw_number(callee), tuple(texts))


def check_windows(params: Mapping[str, Any]) -> list[Window]:
    raw = params.get("allowSendTime")
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list) or not all(isinstance(w, dict) for w in raw):
        raise voice_error(-22, "allowSendTime is a list of {strTime, endTime}")
    if len(raw) > MAX_WINDOWS:
        raise voice_error(-23, f"at most {MAX_WINDOWS} windows")
    windows = []
    for item in raw:
        start, end = HH_MM.match(str(item.get("strTime", ""))), HH_MM.match(str(item.get("endTime", "")))
        if start is None or end is None:
            raise voice_error(-22, "strTime and endTime are HH:mm")
        window = Window(int(start[1]) * 60 + int(start[2]), int(end[1]) * 60 + int(end[2]))
        if window.start == window.end:
            raise voice_error(-22, "a window is not empty")
        windows.append(window)
    return windows


def check_hang_up_sms(params: Mapping[str, Any]) -> HangUpSms | None:
    if not _flag(params, "hangUpSms"):
        return None
    app_id, content = text_field(params, "smsAppId"), text_field(params, "smsContent")
    if app_id is None or content is None:
        raise voice_error(-22, "smsAppId and smsContent are required with hangUpSms")
    if len(content) > MAX_SMS:
        raise voice_error(-22, f"smsContent is at most {MAX_SMS} characters")
    sender = text_field(params, "senderId")
    if sender is not None and len(sender) > 32:
        raise voice_error(-22, "senderId is at most 32 characters")
    triggers = {name: _flag(params, name) for name in ("feedbackPush", "successPush", "failedPush", "ringPush")}
    if not any(triggers.values()):
        raise voice_error(-53)
    key = text_field(params, "feedbackValue")
    if triggers["feedbackPush"] and (key is None or len(key) != 1 or key not in KEYS):
        raise voice_error(-22, "feedbackValue is a key 0-9")
    return HangUpSms(
        app_id=app_id,
        content=content,
        sender_id=sender,
        on_feedback=triggers["feedbackPush"],
        feedback_value=key if triggers["feedbackPush"] else None,
        on_success=triggers["successPush"],
        success_after=int_field(params, "successPushTime", 0, 9999) or 0
        if params.get("successPushTime") not in (None, "")
        else 10,
        on_failed=triggers["failedPush"],
        on_ring=triggers["ringPush"],
    )


def check_source(params: Mapping[str, Any]) -> tuple[int, str | None, str | None, str | None, str | None, str | None]:
    """(source, voiceFileId, uploadName, baseFile, text, lan) with the codes of a wrong or incomplete source."""
    source = params.get("source")
    if source is None or source == "":
        raise voice_error(-49, "source is required")
    try:
        number = int(source)
    except (TypeError, ValueError):
        number = 0
    if isinstance(source, bool) or number not in SOURCES:
        raise voice_error(-49)
    file_id = upload = base = text = lan = None
    if number == 1:
        file_id = text_field(params, "voiceFileId")
        if file_id is None:
            raise voice_error(-50)
    elif number == 2:
        upload, base = text_field(params, "uploadName"), text_field(params, "baseFile")
        if upload is None or base is None:
            raise voice_error(-51)
    else:
        text, lan = text_field(params, "text"), text_field(params, "lan")
        if text is None or lan is None:
            raise voice_error(-38)
        if len(text) > MAX_TEXT:
            raise voice_error(-22, f"text is at most {MAX_TEXT} characters")
        lan = lan.upper()
    return number, file_id, upload, base, text, lan


def check_task_name(params: Mapping[str, Any]) -> str:
    name = text_field(params, "taskName")
    if name is None or not 2 <= len(name) <= 64:
        raise voice_error(-22, "taskName is 2-64 characters")
    return name


def check_options(params: Mapping[str, Any]) -> tuple[int, int, int, str | None]:
    """(loopCount, maxCalls, maxRingingTime, displayNum)."""
    loops = int_field(params, "loopCount", 1, 9) or 1
    max_calls = int_field(params, "maxCalls", 1, 999)
    if max_calls is None:
        raise voice_error(-22, "maxCalls is required (1-999 s)")
    ringing = int_field(params, "maxRingingTime", 20, 120, code=-25) or 60
    display = text_field(params, "displayNum")
    if display is not None and not DIGITS_0_20.match(display):
        raise voice_error(-22, "displayNum is at most 20 digits")
    return loops, max_calls, ringing, display or None


def check_task(params: Mapping[str, Any], *, numbers: bool = True) -> TaskRequest:
    """V14 (and the V14 fields of V17/V18): the whole request or the first error's code."""
    name = check_task_name(params)
    source, file_id, upload, base, text, lan = check_source(params)
    loops, max_calls, ringing, display = check_options(params)
    windows = check_windows(params)
    sms = check_hang_up_sms(params)
    to_seat = _flag(params, "toSeat")
    targets = check_targets(params) if numbers else []
    send_time = text_field(params, "sendTime")
    if send_time is not None:
        parse_send_time(send_time, "UTC")
    return TaskRequest(
        task_name=name,
        targets=targets,
        source=source,
        voice_file_id=file_id,
        upload_name=upload,
        base_file=base,
        text=text,
        lan=lan,
        send_time=send_time,
        loop_count=loops,
        max_calls=max_calls,
        max_ringing=ringing,
        windows=windows,
        display_num=display,
        sms=sms,
        to_seat=to_seat,
    )


def parse_send_time(value: str, zone: str) -> datetime:
    """``yyyy-MM-dd HH:mm:ss`` in the account's time zone, as an aware moment (-22 when malformed)."""
    try:
        naive = datetime.strptime(value.strip(), SEND_TIME)  # noqa: DTZ007 (the zone is attached next)
        moment = naive.replace(tzinfo=ZoneInfo(zone))
        moment.astimezone(UTC)  # the database keeps UTC: the years 1 and 9999 may not convert
    except (ValueError, OverflowError) as exc:
        raise voice_error(-22, "a time is yyyy-MM-dd HH:mm:ss") from exc
    return moment


def windows_of(stored: list[dict[str, str]] | None) -> list[Window]:
    out = []
    for item in stored or []:
        start, end = HH_MM.match(item["strTime"]), HH_MM.match(item["endTime"])
        if start and end:
            out.append(Window(int(start[1]) * 60 + int(start[2]), int(end[1]) * 60 + int(end[2])))
    return out


def in_window(windows: list[Window], moment: datetime, zone: str) -> bool:
    """Whether calls may start at ``moment``: no windows means always."""
    if not windows:
        return True
    local = moment.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    return any(w.contains(minute) for w in windows)


def next_opening(windows: list[Window], moment: datetime, zone: str) -> datetime:
    """The next moment (at or after ``moment``) a window is open."""
    if in_window(windows, moment, zone):
        return moment
    local = moment.astimezone(ZoneInfo(zone))
    candidates = []
    for days in (0, 1):
        day = (local + timedelta(days=days)).date()
        for w in windows:
            start = datetime.combine(day, time(w.start // 60, w.start % 60), tzinfo=ZoneInfo(zone))
            if start > local:
                candidates.append(start)
    return min(candidates) if candidates else moment


def fill_texts(content: str, texts: tuple[str | None, ...]) -> str:
    """``${text1}``..``${text5}`` replaced by the number's values (an absent value becomes empty)."""
    return TEXT_FIELD.sub(lambda m: texts[int(m[1]) - 1] or "", content)


@dataclass(frozen=True)
class Outcome:
    """What a finished call means for the task's counts and its hang-up SMS."""

    answered: bool
    rang: bool
    keys: str
    talk_seconds: int


def sms_due(rules: HangUpSms, outcome: Outcome) -> bool:
    """Whether the hang-up SMS is sent after this call (one SMS at most, whichever triggers match)."""
    if rules.on_feedback and rules.feedback_value is not None and rules.feedback_value in outcome.keys:
        return True
    if rules.on_success and outcome.answered and outcome.talk_seconds >= rules.success_after:
        return True
    if rules.on_failed and not outcome.answered:
        return True
    return rules.on_ring and outcome.rang and not outcome.answered
