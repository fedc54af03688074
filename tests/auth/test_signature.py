"""Signatures: the contract's example, case-insensitivity, and timestamps."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.auth.signature import parse_timestamp, sign, signature_matches


def test_the_contracts_example_signature() -> None:
    assert sign("bDqJFiq9", "7bz1lzh9", "1630468800") == "05d7a50893e22a5c4bb3216ae3396c7c"


@pytest.mark.parametrize(
    "given_sign",
    [
        pytest.param("05d7a50893e22a5c4bb3216ae3396c7c", id="lowercase"),
        pytest.param("05D7A50893E22A5C4BB3216AE3396C7C", id="uppercase"),
        pytest.param(" 05d7a50893e22a5c4bb3216ae3396c7c ", id="padded"),
    ],
)
def test_signature_comparison_ignores_hex_case(given_sign: str) -> None:
    assert signature_matches("bDqJFiq9", "7bz1lzh9", "1630468800", given_sign)


def test_a_wrong_secret_does_not_match() -> None:
    assert not signature_matches("bDqJFiq9", "wrong", "1630468800", "05d7a50893e22a5c4bb3216ae3396c7c")


@given(st.text(max_size=20), st.text(max_size=30), st.integers(min_value=0, max_value=10**10))
def test_sign_is_md5_of_the_concatenation(key: str, secret: str, ts: int) -> None:
    expected = hashlib.md5((key + secret + str(ts)).encode()).hexdigest()
    assert sign(key, secret, str(ts)) == expected
    assert signature_matches(key, secret, str(ts), expected.upper())


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("1630468800", 1630468800.0, id="seconds"),
        pytest.param("1630468800123", 1630468800.123, id="milliseconds"),
        pytest.param("abc", None, id="letters"),
        pytest.param("-5", None, id="negative"),
        pytest.param("", None, id="empty"),
        pytest.param("16304688001234567", None, id="too-long"),
    ],
)
def test_timestamp_header_parsing(header: str, seconds: float | None) -> None:
    assert parse_timestamp(header) == seconds
