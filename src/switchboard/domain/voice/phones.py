"""Checking the SIP phone requests (sipAdd V2, sipQuery V3, sipReset V4) into typed commands, with the Voice codes.

| problem | code |
|---|---|
| groupName / phoneName / quantity / account missing; not 4-32 characters; wrong type | -22 |
| displayNum not 7-13 digits | -22 |
| quantity under 1 | -22 |
| quantity over 50, or the app would pass its phone cap | -23 |
| groupName or phoneName already used in the app | -20 (the service checks) |
| current < 1 or size outside 1-100 | -22 |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.domain.voice.validation import text_field, voice_error

MAX_QUANTITY = 50
NAME = re.compile(r"^[^\x00-\x1f\x7f]{4,32}$")
DISPLAY_NUM = re.compile(r"^\d{7,13}$", re.ASCII)
ACCOUNT = re.compile(r"^[A-Za-z0-9._-]{4,32}$", re.ASCII)


@dataclass(frozen=True)
class SipAddRequest:
    group_name: str
    phone_name: str
    quantity: int
    display_num: str | None


@dataclass(frozen=True)
class PageRequest:
    current: int
    size: int


def _name(params: Mapping[str, Any], field: str) -> str:
    value = text_field(params, field)
    if value is None:
        raise voice_error(-22, f"{field} is required")
    if not NAME.match(value):
        raise voice_error(-22, f"{field} must be 4-32 characters")
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise voice_error(-22, "quantity must be a whole number 1-50")
    if value < 1:
        raise voice_error(-22, "quantity must be 1-50")
    if value > MAX_QUANTITY:
        raise voice_error(-23, f"at most {MAX_QUANTITY} phones per request")
    return value


def check_sip_add(params: Mapping[str, Any]) -> SipAddRequest:
    group_name = _name(params, "groupName")
    phone_name = _name(params, "phoneName")
    quantity = _quantity(params.get("quantity"))
    display_num = text_field(params, "displayNum")
    if display_num is not None and not DISPLAY_NUM.match(display_num):
        raise voice_error(-22, "displayNum must be 7-13 digits")
    return SipAddRequest(group_name, phone_name, quantity, display_num)


def check_account(params: Mapping[str, Any]) -> str:
    account = text_field(params, "account")
    if account is None:
        raise voice_error(-22, "account is required")
    if not ACCOUNT.match(account):
        raise voice_error(-22, "account must be 4-32 letters or digits")
    return account


def _page_int(value: Any, field: str, default: int, high: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise voice_error(-22, f"{field} must be 1-{high}")
    return value


def check_page(params: Mapping[str, Any]) -> PageRequest:
    return PageRequest(
        _page_int(params.get("current"), "current", 1, 1_000_000), _page_int(params.get("size"), "size", 25, 100)
    )


def nested_app_id(params: Mapping[str, Any]) -> str | None:
    """sipQuery names its app in ``params.appId``; the other requests at the top level."""
    top = params.get("appId", params.get("appid"))
    if top is not None:
        return None if isinstance(top, dict | list) else str(top).strip() or None
    inner = params.get("params")
    if isinstance(inner, Mapping):
        value = inner.get("appId", inner.get("appid"))
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value).strip() or None
    return None
