"""SMS text rules: which alphabet a text needs, how long it is, how it splits into parts and how it goes on the wire.

GSM 03.38 (3GPP TS 23.038) default alphabet when every character is in it, counted in septets; characters of the
extension table cost two septets (escape 0x1B plus their code). Anything else is sent as UCS-2/UTF-16, counted in
UTF-16 code units, so a character outside the Basic Multilingual Plane (most emoji) costs two.

A message that fits one SMS has 160 septets or 70 units; a longer one is split into parts of at most 153 septets or
67 units (the rest of each part carries the concatenation header). A part boundary never falls inside an escape
sequence nor inside a surrogate pair: such a character goes wholly into the next part, so a text can need one part
more than its length divided by the part size suggests.

The table is explicit rather than taken from a codec: the ``gsm0338`` codec (and ``smpplib``, ``smsutil``) accept the
escape code 0x1B itself as a character, which is not something a handset can display.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

GSM7: Final = "gsm7"
UCS2: Final = "ucs2"

DATA_CODING_GSM7: Final = 0x00
DATA_CODING_IA5: Final = 0x01
DATA_CODING_LATIN1: Final = 0x03
DATA_CODING_UCS2: Final = 0x08

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

_LIMITS: Final[dict[str, tuple[int, int]]] = {GSM7: (GSM7_SINGLE, GSM7_PART), UCS2: (UCS2_SINGLE, UCS2_PART)}

_ESCAPE: Final = 0x1B
_REPLACEMENT: Final = "\ufffd"

# TS 23.038 section 6.2.1, in code order 0x00..0x7F; 0x1B is the escape to the extension table, not a character.
_BASIC_TABLE: Final = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# TS 23.038 section 6.2.1.1: reached through the escape, two septets each.
_EXTENSION: Final[dict[str, int]] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_BASIC: Final[dict[str, int]] = {char: code for code, char in enumerate(_BASIC_TABLE) if code != _ESCAPE}
_DECODE_BASIC: Final[dict[int, str]] = {code: char for char, code in _BASIC.items()}
_DECODE_EXTENSION: Final[dict[int, str]] = {code: char for char, code in _EXTENSION.items()}


@dataclass(frozen=True)
class Analysis:
    """How a text will be sent: its alphabet, its length in that alphabet's units and its number of parts."""

    encoding: str
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 03.38 default alphabet or its extension table."""
    return all(char in _BASIC or char in _EXTENSION for char in text)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: a character outside the Basic Multilingual Plane counts as two."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def analyse(text: str) -> Analysis:
    """The alphabet, the length and the number of parts of ``text``; an empty text has no parts."""
    encoding, tokens = _tokens(text)
    return Analysis(encoding, sum(cost for _, cost in tokens), len(_split_tokens(text, encoding, tokens)))


def split(text: str) -> list[str]:
    """The parts ``text`` is sent as: none for an empty text, the text itself when it fits one message."""
    encoding, tokens = _tokens(text)
    return _split_tokens(text, encoding, tokens)


def encode_payload(text: str) -> tuple[int, bytes]:
    """SMPP ``data_coding`` and short-message bytes: unpacked GSM septets (0x00) or UTF-16-BE (0x08)."""
    encoding = _encoding_of(text)
    return _data_coding(encoding), _encode_as(text, encoding)


def encode_parts(text: str) -> tuple[int, list[bytes]]:
    """Like :func:`encode_payload` for each part of :func:`split`, all in the alphabet the whole text needs."""
    encoding, tokens = _tokens(text)
    parts = _split_tokens(text, encoding, tokens)
    return _data_coding(encoding), [_encode_as(part, encoding) for part in parts]


def udh_concat(reference: int, total: int, sequence: int) -> bytes:
    """Concatenation user data header with an 8-bit reference: ``05 00 03 ref total seq``."""
    if not 1 <= total <= 0xFF:
        raise ValueError(f"total parts must be 1..255, not {total}")
    if not 1 <= sequence <= total:
        raise ValueError(f"sequence must be 1..{total}, not {sequence}")
    return bytes((0x05, 0x00, 0x03, reference & 0xFF, total, sequence))


def decode_payload(data_coding: int, payload: bytes) -> str:
    """Text of a received short message; never raises, undecodable bytes become U+FFFD."""
    if data_coding in (DATA_CODING_GSM7, DATA_CODING_IA5):
        return _decode_gsm7(payload)
    if data_coding == DATA_CODING_UCS2:
        return payload.decode("utf-16-be", errors="replace")
    return payload.decode("latin-1")


def _encoding_of(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def _data_coding(encoding: str) -> int:
    return DATA_CODING_GSM7 if encoding == GSM7 else DATA_CODING_UCS2


def _tokens(text: str) -> tuple[str, list[tuple[str, int]]]:
    """The alphabet and the indivisible pieces of ``text`` with their cost in that alphabet's units."""
    if is_gsm7(text):
        return GSM7, [(char, 2 if char in _EXTENSION else 1) for char in text]
    return UCS2, list(_utf16_tokens(text))


def _utf16_tokens(text: str) -> Iterator[tuple[str, int]]:
    """Characters with their UTF-16 length; surrogate code points that form a pair stay together."""
    index = 0
    while index < len(text):
        if _is_surrogate_pair(text[index : index + 2]):
            yield text[index : index + 2], 2
            index += 2
        else:
            yield text[index], utf16_length(text[index])
            index += 1


def _is_surrogate_pair(pair: str) -> bool:
    return len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" and "\udc00" <= pair[1] <= "\udfff"


def _split_tokens(text: str, encoding: str, tokens: list[tuple[str, int]]) -> list[str]:
    single, part = _LIMITS[encoding]
    if not text:
        return []
    if sum(cost for _, cost in tokens) <= single:
        return [text]
    return _pack(tokens, part)


def _pack(tokens: list[tuple[str, int]], limit: int) -> list[str]:
    """Fill parts greedily; a piece that does not fit what is left of a part starts the next one."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for piece, cost in tokens:
        if current and used + cost > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(piece)
        used += cost
    if current:
        parts.append("".join(current))
    return parts


def _encode_as(text: str, encoding: str) -> bytes:
    if encoding == GSM7:
        return _encode_gsm7(text)
    return text.encode("utf-16-be", errors="surrogatepass")


def _encode_gsm7(text: str) -> bytes:
    """One byte per septet; extension characters as the escape followed by their code."""
    out = bytearray()
    for char in text:
        if char in _EXTENSION:
            out += bytes((_ESCAPE, _EXTENSION[char]))
        else:
            out.append(_BASIC[char])
    return bytes(out)


def _decode_gsm7(payload: bytes) -> str:
    chars: list[str] = []
    index = 0
    while index < len(payload):
        code = payload[index]
        if code != _ESCAPE:
            chars.append(_DECODE_BASIC.get(code, _REPLACEMENT))
            index += 1
        elif index + 1 < len(payload):
            chars.append(_decode_escaped(payload[index + 1]))
            index += 2
        else:
            chars.append(_REPLACEMENT)
            index += 1
    return "".join(chars)


def _decode_escaped(code: int) -> str:
    """TS 23.038: 0x1B 0x1B shows a space; an escaped code without an extension character shows its basic one."""
    if code == _ESCAPE:
        return " "
    return _DECODE_EXTENSION.get(code) or _DECODE_BASIC.get(code, _REPLACEMENT)
