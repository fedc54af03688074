"""Phone numbers: normalisation to digits with country code, and the country they belong to.

Input is country code + national number, digits only (``91856321412``); ``+``, spaces, dashes, dots and
parentheses are tolerated and removed. A number is *abnormal* when it is not a possible number for its
country code (unknown code, impossible length, other characters). Strict mode also requires
``is_valid_number`` (an app option, off by default: numbering plans change faster than the library, and
the API's own sample numbers are possible but not valid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import carrier

SEPARATORS = re.compile(r"[\s\-().+]")
MAX_DIGITS = 15
NON_GEOGRAPHIC = "001"


@dataclass(frozen=True)
class Number:
    digits: str  # E.164 without the plus
    country: str  # ISO 3166 alpha-2, or "001" for non-geographic numbers
    calling_code: int


def split_numbers(raw: str) -> list[str]:
    """The comma-separated list as given, each item trimmed; empty items are dropped."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def normalise(raw: str) -> str | None:
    """Digits only, or None when something other than digits and separators is present."""
    digits = SEPARATORS.sub("", raw)
    if digits.startswith("00"):
        digits = digits[2:]
    # ASCII digits only: str.isdigit() also accepts other scripts' digits ("٩١٩..."), which would be stored,
    # answered and limited as a different number than their ASCII spelling.
    if not digits.isascii() or not digits.isdigit() or not 4 <= len(digits) <= MAX_DIGITS:
        return None
    return digits


@lru_cache(maxsize=20_000)  # ~280 B per entry: bounded at about 5 MiB
def classify(raw: str, *, strict: bool = False) -> Number | None:
    """The number with its country, or None when it is abnormal."""
    digits = normalise(raw)
    if digits is None:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    if strict and not phonenumbers.is_valid_number(parsed):
        return None
    code = parsed.country_code
    if code is None:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region is None or region == "ZZ":
        region = phonenumbers.region_code_for_country_code(code)
    if region is None or region == "ZZ":
        return None
    return Number(digits=digits, country=region, calling_code=int(code))


def carrier_name(digits: str) -> str:
    """The original carrier's name where the library knows it ("" otherwise)."""
    try:
        return str(carrier.name_for_number(phonenumbers.parse("+" + digits), "en"))
    except phonenumbers.NumberParseException:
        return ""
