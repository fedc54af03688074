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
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, carrier

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
    parsed = _parse_digits(digits)
    if parsed is None:
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


def _parse_digits(digits: str) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse("+" + digits)`` (None where it raises), without its general-purpose work when the
    result is known: for "+" and ASCII digits, parse takes the first 1-3 digits that are a calling code and
    keeps the rest as the national number unless the region's national prefix pattern matches its start (then
    it may strip or transform it), the rest starts with 0 (Italian leading zeros) or is shorter than 2 digits.
    Those cases go through parse itself; tests/domain/test_numbers.py checks the two agree on every input."""
    if digits[:1] != "0":
        for length in (1, 2, 3):
            code = int(digits[:length])
            if code in COUNTRY_CODE_TO_REGION_CODE:
                national = digits[length:]
                prefix = _national_prefix(code)
                if len(national) >= 2 and national[0] != "0" and (prefix is None or prefix.match(national) is None):
                    return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
                break
    return _parse_in_full(digits)


def _parse_in_full(digits: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None


@cache
def _national_prefix(code: int) -> re.Pattern[str] | None:
    """The national prefix pattern parse would try for this calling code (None when it has none)."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    pattern = metadata.national_prefix_for_parsing if metadata is not None else None
    return re.compile(pattern) if pattern else None


def carrier_name(digits: str) -> str:
    """The original carrier's name where the library knows it ("" otherwise)."""
    try:
        return str(carrier.name_for_number(phonenumbers.parse("+" + digits), "en"))
    except phonenumbers.NumberParseException:
        return ""
