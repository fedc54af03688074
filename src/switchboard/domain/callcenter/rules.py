"""Reading call-center request fields into typed values, with the Call Center table's codes.

| problem | code |
|---|---|
| a required field missing, of the wrong type or out of its range | -22 |
| a name outside 4-32 characters (groups, team leaders) | -22 |
| a nickname over 20 characters | -22 |
| empNo not 1-12 digits | -22 |
| a password not letters and digits | -64 |
| displayNum not 4-20 digits | -73 |
| ccode not a country calling code | -66 |
| a search window with start after end | -25 |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from switchboard.errors import ApiError, Product

MAX_INT = 2**31 - 1
EMP_NO = re.compile(r"^\d{1,12}$", re.ASCII)
PASSWORD = re.compile(r"^[A-Za-z0-9]{6,32}$", re.ASCII)
DISPLAY_NUM = re.compile(r"^\d{4,20}$", re.ASCII)
CCODE = re.compile(r"^\d{1,4}$", re.ASCII)
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d")


def cc_error(code: int, detail: str | None = None) -> ApiError:
    return ApiError(Product.CC, code, detail)


def whole(params: Mapping[str, Any], key: str, low: int = 1, high: int = MAX_INT, *, code: int = -22) -> int:
    """A required whole number (a JSON number or a string of digits) in ``low``-``high``."""
    value = params.get(key)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise cc_error(code, f"{key} must be a whole number {low}-{high}")
    return value


def maybe_whole(params: Mapping[str, Any], key: str, low: int = 0, high: int = MAX_INT) -> int | None:
    """An optional whole number: absent, null or "" is None (the contract's "empty clears")."""
    if params.get(key) in (None, ""):
        return None
    return whole(params, key, low, high)


def text(params: Mapping[str, Any], key: str, low: int = 1, high: int = 255, *, code: int = -22) -> str:
    value = params.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not low <= len(value.strip()) <= high:
        raise cc_error(code, f"{key} must be a text of {low}-{high} characters")
    return value.strip()


def maybe_text(params: Mapping[str, Any], key: str, high: int = 255, *, code: int = -22) -> str | None:
    if params.get(key) in (None, ""):
        return None
    return text(params, key, 1, high, code=code)


def id_list(params: Mapping[str, Any], key: str, *, required: bool = True, most: int = 1000) -> list[int]:
    """A list of positive ids, each once, order kept."""
    value = params.get(key)
    if value in (None, "") and not required:
        return []
    if not isinstance(value, list) or (required and not value) or len(value) > most:
        raise cc_error(-22, f"{key} must be a list of 1-{most} ids")
    found: list[int] = []
    for index, _ in enumerate(value):
        item = whole({"id": value[index]}, "id")
        if item not in found:
            found.append(item)
    return found


def emp_no(params: Mapping[str, Any]) -> str:
    value = params.get("empNo")
    value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(value, str) or not EMP_NO.match(value.strip()):
        raise cc_error(-22, "empNo must be 1-12 digits")
    return value.strip()


def password(params: Mapping[str, Any]) -> str | None:
    value = params.get("password")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not PASSWORD.match(value):
        raise cc_error(-64, "password: 6-32 letters and digits")
    return value


def display_num(params: Mapping[str, Any]) -> str | None:
    value = params.get("displayNum")
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not DISPLAY_NUM.match(value):
        raise cc_error(-73, "displayNum must be 4-20 digits")
    return value


def ccode(params: Mapping[str, Any]) -> str | None:
    """A country calling code (``91``); -66 when no country has it."""
    import phonenumbers

    value = params.get("ccode")
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not CCODE.match(value.strip().lstrip("+")):
        raise cc_error(-66, "ccode must be a country calling code")
    digits = value.strip().lstrip("+")
    if phonenumbers.region_code_for_country_code(int(digits)) == "ZZ":
        raise cc_error(-66, f"no country has the calling code {digits}")
    return digits


def parse_time(raw: Any, key: str) -> datetime:
    """``yyyy-MM-dd HH:mm:ss`` (UTC), ISO-8601 with an offset, or ``yyyy-MM-dd``; a ``+`` decoded to a space
    (WIRE.md rule 7) is put back."""
    if not isinstance(raw, str) or not raw.strip():
        raise cc_error(-22, f"{key} is required")
    value = raw.strip()
    if re.fullmatch(r".*T.* \d\d:\d\d", value):
        value = value[::-1].replace(" ", "+", 1)[::-1]
    for fmt in TIME_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - a naive time is UTC (below)
        except ValueError:
            continue
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    raise cc_error(-22, f"{key} must be yyyy-MM-dd HH:mm:ss or ISO-8601")


def window(
    params: Mapping[str, Any], start_key: str, end_key: str, days: int, too_long: int
) -> tuple[datetime, datetime]:
    """A search window no longer than ``days`` (``too_long`` code) with its start not after its end (-25)."""
    start, end = parse_time(params.get(start_key), start_key), parse_time(params.get(end_key), end_key)
    if start > end:
        raise cc_error(-25, f"{start_key} is after {end_key}")
    if (end - start).total_seconds() > days * 86400:
        raise cc_error(too_long, f"the window is longer than {days} days")
    return start, end


@dataclass(frozen=True)
class Page:
    current: int
    size: int
    params: Mapping[str, Any]

    @property
    def offset(self) -> int:
        return (self.current - 1) * self.size

    def answer(self, total: int, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "total": total,
            "size": self.size,
            "current": self.current,
            "pages": -(-total // self.size),
            "searchCount": True,
            "records": records,
        }


def page(params: Mapping[str, Any]) -> Page:
    inner = params.get("params")
    if inner in (None, ""):
        inner = {}
    if not isinstance(inner, Mapping):
        raise cc_error(-22, "params must be an object")
    return Page(whole(params, "current", 1, 1_000_000), whole(params, "size", 1, 100), inner)


def mask(number: str | None) -> str | None:
    """A number with its middle hidden (``encryptNumber`` 0): ``9198****3210``."""
    if not number:
        return number
    keep = max(2, len(number) // 3)
    if len(number) <= 2 * keep:
        return number[:2] + "*" * max(0, len(number) - 2)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]
