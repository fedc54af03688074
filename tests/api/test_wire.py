"""Tolerant request parsing (WIRE.md rules 6-9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.api.wire import WireError, integer, parse_body, parse_query, text


@pytest.mark.parametrize(
    ("raw", "name", "value"),
    [
        pytest.param("startTime=2021-02-12T00:00:00+08:00", "startTime", "2021-02-12T00:00:00 08:00", id="raw-plus"),
        pytest.param("startTime=2021-02-12T00%253A00%253A00", "startTime", "2021-02-12T00:00:00", id="double-encoded"),
        pytest.param("msgIds=a%2Cb", "msgIds", "a,b", id="encoded-comma"),
        pytest.param("msgIds=a,b", "msgIds", "a,b", id="raw-comma"),
        pytest.param("content=100%2525", "content", "100%25", id="free-text-decoded-once"),
        pytest.param("content=a+b", "content", "a b", id="plus-is-space"),
    ],
)
def test_query_variants(raw: str, name: str, value: str) -> None:
    assert parse_query(raw)[name] == value


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        pytest.param(b'{"a":"x\\/y","b":"\\u4f60"}', "application/json", {"a": "x/y", "b": "你"}, id="json-escapes"),
        pytest.param(b"a=1&b=two+words", "application/x-www-form-urlencoded", {"a": "1", "b": "two words"}, id="form"),
        pytest.param(b"  ", "application/json", {}, id="blank"),
    ],
)
def test_bodies(body: bytes, content_type: str, expected: dict[str, str]) -> None:
    assert parse_body(body, content_type) == expected


@pytest.mark.parametrize("body", [b"{bad", b"[1,2]", b'"text"', b"\xff\xfe"])
def test_unreadable_bodies(body: bytes) -> None:
    with pytest.raises(WireError):
        parse_body(body, "application/json")


def test_optional_text_fields() -> None:
    params = {"a": None, "b": "", "c": "  x ", "d": 919876543210, "e": ["1", "2"], "f": True, "g": 1.0}
    assert [text(params, k) for k in "abcdefg"] == [None, None, "x", "919876543210", "1,2", None, "1"]
    assert text(params, "zz", "c") == "x"


def test_integers_from_numbers_or_digits() -> None:
    assert [integer({"n": v}, "n") for v in (3, "4", 5.0, None, "")] == [3, 4, 5, None, None]
    with pytest.raises(ValueError):
        integer({"n": "x"}, "n")


@given(st.text())
def test_any_query_string_parses_or_is_refused_cleanly(raw: str) -> None:
    try:
        assert isinstance(parse_query(raw), dict)
    except WireError as exc:
        assert "NUL" in str(exc)


@given(st.binary(max_size=200))
def test_any_body_parses_or_is_refused_cleanly(raw: bytes) -> None:
    try:
        assert isinstance(parse_body(raw, "application/json"), dict)
    except WireError:
        pass
