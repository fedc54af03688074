"""The request signature: ``Sign = md5(ApiKey + ApiSecret + Timestamp)`` as hex, case-insensitive."""

from __future__ import annotations

import hashlib
import hmac


def sign(api_key: str, api_secret: str, timestamp: str) -> str:
    """The lowercase hex signature a client sends for these credentials and timestamp."""
    return hashlib.md5((api_key + api_secret + timestamp).encode(), usedforsecurity=False).hexdigest()


def signature_matches(api_key: str, api_secret: str, timestamp: str, given: str) -> bool:
    """Compare in constant time; hex case does not matter."""
    expected = sign(api_key, api_secret, timestamp)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def parse_timestamp(value: str) -> float | None:
    """Epoch seconds from the header; 13-digit millisecond values are accepted too. None if not a number."""
    text = value.strip()
    # ASCII digits only: str.isdigit() is also true for "²" (a latin-1 header byte), which int() refuses.
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        return None
    number = int(text)
    return number / 1000 if len(text) >= 13 else float(number)
