"""Tolerant request parsing, per the wire rules that real clients of the API depend on.

- GET: parameters come from the query string only; a body (or a JSON Content-Type) on GET is ignored.
- The query string is form-decoded (``+`` is a space). Values that still hold ``%XX`` after one decode
  (double-encoded clients) are decoded once more, except free text such as ``content``.
- POST: a JSON object body, or a form body, or (empty body) the query string. Body keys win over query keys.
- ``null`` and ``""`` mean "not given" for optional fields; numbers may be JSON numbers.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

FREE_TEXT = frozenset({"content", "text"})
STILL_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
MAX_BODY = 4 * 1024 * 1024  # bytes; larger bodies are refused with the parameter-exception code


class WireError(ValueError):
    """The request cannot be read as parameters (bad JSON, not an object, too large)."""


def parse_query(raw: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if name not in FREE_TEXT and STILL_ENCODED.search(value):
            value = unquote(value)
        if "\x00" in name or "\x00" in value:
            raise WireError("NUL characters are not accepted")
        params[name] = value
    return params


def _refuse_nul(data: Any) -> None:
    """NUL cannot be stored by PostgreSQL (and is never meaningful here): refuse it anywhere in a body."""
    if isinstance(data, str):
        if "\x00" in data:
            raise WireError("NUL characters are not accepted")
    elif isinstance(data, dict):
        for key, value in data.items():
            _refuse_nul(key)
            _refuse_nul(value)
    elif isinstance(data, list):
        for item in data:
            _refuse_nul(item)


def parse_body(body: bytes, content_type: str, *, max_body: int = MAX_BODY) -> dict[str, Any]:
    if not body.strip():
        return {}
    if len(body) > max_body:
        raise WireError("body too large")
    if "x-www-form-urlencoded" in content_type.lower():
        try:
            return parse_query(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise WireError("form body is not UTF-8") from exc
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise WireError("body is not JSON") from exc
    if not isinstance(data, dict):
        raise WireError("JSON body is not an object")
    _refuse_nul(data)
    return data


def text(params: dict[str, Any], name: str, *aliases: str) -> str | None:
    """An optional text field: missing, null and empty (after trimming) are all None; numbers become text."""
    for key in (name, *aliases):
        if key in params:
            value = params[key]
            if value is None or isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                return str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))
            if isinstance(value, list):
                return ",".join(str(v).strip() for v in value if v is not None and str(v).strip())
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def integer(params: dict[str, Any], name: str) -> int | None:
    """An optional integer that may arrive as a number or as digits in a string; ValueError otherwise."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} is not an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if not -INT64 <= value < INT64:  # the database's BIGINT: a larger number overflows where it is used
            raise ValueError(f"{name} is out of range")
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    raise ValueError(f"{name} is not an integer")


INT64 = 2**63
