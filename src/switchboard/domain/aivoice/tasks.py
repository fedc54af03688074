"""Checking taskAdd / taskEdit (A3/A4) into task settings, with the Intelligent-voice codes.

| problem | code |
|---|---|
| name, dialogFlowId, mode, robotCount, jobPhoneNumberId missing or of the wrong type; a list or date bad | -27 |
| mode AUTO without startDateTime | -28 |
| redialCondition missing or unknown while redial is on | -29 |
| redialInterval (1-1440 min) or redialTimes (1-10) bad while redial is on | -30 |
| redial not true/false | -31 |
| daily window not HH:mm inside 09:00-20:00, or not start < end | -48 |
| robotCount above the account's maximum | -52 |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from switchboard.errors import ApiError, Product

MODES = ("MANUAL", "AUTO")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
REDIAL_CONDITIONS = (
    "CALL_LOSS",
    "NO_ANSWER",
    "BUSY",
    "REFUSED",
    "POWER_OFF",
    "OUT_OF_SERVICE",
    "CAN_NOT_CONNECT",
    "FROM_PHONE_ERROR",
    "SYSTEM_ERROR",
    "VACANT_NUMBER",
)
DAY_OPEN, DAY_CLOSE = "09:00", "20:00"
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$", re.ASCII)
MAX_WINDOWS = 3
MAX_NAME = 64


def ai_error(code: int, detail: str | None = None) -> ApiError:
    return ApiError(Product.AIVOICE, code, detail)


@dataclass(frozen=True)
class TaskSettings:
    name: str
    flow_id: int
    mode: str
    start_at: datetime | None
    end_at: datetime | None
    daily_start: str
    daily_end: str
    robot_count: int
    line_id: int
    inactive_times: list[dict[str, str]]
    inactive_dates: list[dict[str, str]]
    days_of_week: list[str]
    redial: bool
    redial_conditions: list[str]
    redial_count: int
    redial_interval: int


def whole(params: Mapping[str, Any], key: str, code: int = -27, low: int = 1, high: int = 2**31 - 1) -> int:
    value = params.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ai_error(code, f"{key} must be a whole number {low}-{high}")
    return value


def name_of(params: Mapping[str, Any]) -> str:
    name = params.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise ai_error(-27, f"name must be a text of 1-{MAX_NAME} characters")
    return name.strip()


def moment(value: Any, key: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ai_error(-27, f"{key} must be yyyy-MM-dd HH:mm:ss") from exc


def _windows(raw: Any, key: str, start: str, end: str, pattern: re.Pattern[str] | None) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_WINDOWS:
        raise ai_error(-27, f"{key}: at most {MAX_WINDOWS} items")
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ai_error(-27, f"{key}: items are objects with {start} and {end}")
        a, b = item.get(start), item.get(end)
        if pattern is not None:
            ok = isinstance(a, str) and isinstance(b, str) and bool(pattern.match(a)) and bool(pattern.match(b))
        else:
            ok = _is_date(a) and _is_date(b)
        if not ok or str(a) > str(b):
            raise ai_error(-27, f"{key}: {start} and {end} malformed or reversed")
        out.append({start: str(a), end: str(b)})
    return out


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str) and len(value) == 10


def _redial(params: Mapping[str, Any]) -> tuple[bool, list[str], int, int]:
    redial = params.get("redial")
    if not isinstance(redial, bool):
        raise ai_error(-31, "redial must be true or false")
    if not redial:
        return False, [], 0, 0
    conditions = params.get("redialCondition")
    if not isinstance(conditions, list) or not conditions or any(c not in REDIAL_CONDITIONS for c in conditions):
        raise ai_error(-29, "redialCondition: a list of " + ", ".join(REDIAL_CONDITIONS))
    times = whole(params, "redialTimes", -30, 1, 10) if params.get("redialTimes") is not None else 1
    interval = whole(params, "redialInterval", -30, 1, 1440) if params.get("redialInterval") is not None else 30
    return True, list(dict.fromkeys(conditions)), times, interval


def daily_window(params: Mapping[str, Any]) -> tuple[str, str]:
    start, end = params.get("dailyStartDateTime"), params.get("dailyEndDateTime")
    if not isinstance(start, str) or not isinstance(end, str) or not HHMM.match(start) or not HHMM.match(end):
        raise ai_error(-48, "dailyStartDateTime and dailyEndDateTime must be HH:mm")
    if not DAY_OPEN <= start < end <= DAY_CLOSE:
        raise ai_error(-48, f"the daily window must lie within {DAY_OPEN}-{DAY_CLOSE}")
    return start, end


def parse_task(params: Mapping[str, Any], max_robots: int) -> TaskSettings:
    name = name_of(params)
    flow_id = whole(params, "dialogFlowId")
    mode = params.get("mode")
    if mode not in MODES:
        raise ai_error(-27, "mode must be MANUAL or AUTO")
    start_at = moment(params.get("startDateTime"), "startDateTime")
    end_at = moment(params.get("endDateTime"), "endDateTime")
    if mode == "AUTO" and start_at is None:
        raise ai_error(-28)
    if mode == "MANUAL":
        start_at = None
    if start_at is not None and end_at is not None and end_at <= start_at:
        raise ai_error(-27, "endDateTime must be after startDateTime")
    daily_start, daily_end = daily_window(params)
    robots = whole(params, "robotCount")
    if robots > max_robots:
        raise ai_error(-52, f"robotCount above the account's maximum of {max_robots}")
    line_id = whole(params, "jobPhoneNumberId")
    days = params.get("daysOfWeek") or []
    if not isinstance(days, list) or any(d not in DAYS for d in days):
        raise ai_error(-27, "daysOfWeek: a list of " + ", ".join(DAYS))
    redial, conditions, count, interval = _redial(params)
    return TaskSettings(
        name=name,
        flow_id=flow_id,
        mode=str(mode),
        start_at=start_at,
        end_at=end_at,
        daily_start=daily_start,
        daily_end=daily_end,
        robot_count=robots,
        line_id=line_id,
        inactive_times=_windows(params.get("inactiveTimeList"), "inactiveTimeList", "startTime", "endTime", HHMM),
        inactive_dates=_windows(params.get("inactiveDateList"), "inactiveDateList", "startDate", "endDate", None),
        days_of_week=list(dict.fromkeys(days)),
        redial=redial,
        redial_conditions=conditions,
        redial_count=count,
        redial_interval=interval,
    )


# Task states and what each allows.
NOT_STARTED, IN_PROCESS, PAUSED, COMPLETED = "NOT_STARTED", "IN_PROCESS", "PAUSED", "COMPLETED"
STARTABLE = (NOT_STARTED, PAUSED)
PAUSABLE = (IN_PROCESS,)
EDITABLE = (NOT_STARTED, PAUSED)


def in_window(settings: Mapping[str, Any], now: datetime) -> bool:
    """Whether a task may dial at ``now`` (UTC; the API's wall times are read as UTC): dates, days of week,
    daily and inactive windows."""
    start, end = settings.get("start_at"), settings.get("end_at")
    if (start is not None and now < start) or (end is not None and now >= end):
        return False
    days = settings.get("days_of_week") or []
    if days and DAYS[now.weekday()] not in days:
        return False
    hhmm, day = now.strftime("%H:%M"), now.strftime("%Y-%m-%d")
    if not settings["daily_start"] <= hhmm < settings["daily_end"]:
        return False
    if any(w["startTime"] <= hhmm < w["endTime"] for w in settings.get("inactive_times") or []):
        return False
    return not any(w["startDate"] <= day <= w["endDate"] for w in settings.get("inactive_dates") or [])
