"""Numbers: normalisation, possible vs valid, country."""

from __future__ import annotations

import pytest

from switchboard.domain.numbers import classify, normalise, split_numbers


@pytest.mark.parametrize(
    ("raw", "digits", "country"),
    [
        pytest.param("919876543210", "919876543210", "IN", id="digits"),
        pytest.param("+91 98765-43210", "919876543210", "IN", id="plus-spaces-dashes"),
        pytest.param("0086 138 0013 8000", "8613800138000", "CN", id="international-00-prefix"),
        pytest.param("(1) 202.555.0123", "12025550123", "US", id="dots-parentheses"),
        pytest.param("91856321412", "91856321412", "IN", id="docs-sample-possible-not-valid"),
        pytest.param("80012345678", "80012345678", "001", id="non-geographic"),
    ],
)
def test_normal_numbers(raw: str, digits: str, country: str) -> None:
    number = classify(raw)
    assert number is not None and (number.digits, number.country) == (digits, country)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("12ab", id="letters"),
        pytest.param("999", id="too-short"),
        pytest.param("9999999999999999", id="too-long"),
        pytest.param("2999123456", id="unknown-country-code"),
        pytest.param("911", id="impossible-length"),
        pytest.param("", id="empty"),
    ],
)
def test_abnormal_numbers(raw: str) -> None:
    assert classify(raw) is None


def test_strict_mode_requires_a_valid_number() -> None:
    assert classify("91856321412", strict=True) is None
    assert classify("919876543210", strict=True) is not None


def test_split_and_normalise() -> None:
    assert split_numbers(" 1, 2 ,,3 ") == ["1", "2", "3"]
    assert normalise("+44 20 7946 0958") == "442079460958"
    assert normalise("44#20") is None
