"""Numbers: normalisation, possible vs valid, country."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.domain.numbers import _parse_digits, _parse_in_full, classify, normalise, split_numbers


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


CALLING_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@settings(max_examples=3000, deadline=None)
@given(
    code=st.sampled_from(CALLING_CODES),
    rest=st.text(alphabet="0123456789", min_size=0, max_size=14),
    raw=st.text(alphabet="0123456789", min_size=1, max_size=15),
    use_code=st.booleans(),
)
def test_the_fast_parse_agrees_with_phonenumbers_parse(code: int, rest: str, raw: str, use_code: bool) -> None:
    digits = (str(code) + rest)[:15] if use_code else raw
    assert _parse_digits(digits) == _parse_in_full(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "390612345678",  # Italy: national number with a leading zero
        "5491123456789",  # Argentina: mobile "9" after the code
        "5215512345678",  # Mexico: the old mobile "1"
        "14155552671",  # NANP
        "79123456789",  # Russia (+7 shared with Kazakhstan)
        "441234567890",
        "0044123",
        "1",
        "999123456",  # unassigned code
    ],
)
def test_the_fast_parse_agrees_on_numbering_plans_with_prefixes(digits: str) -> None:
    assert _parse_digits(digits) == _parse_in_full(digits)
