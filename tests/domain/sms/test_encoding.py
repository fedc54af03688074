"""SMS alphabet choice, lengths, splitting into parts and wire encoding follow GSM 03.38 and UCS-2/UTF-16 rules."""

from __future__ import annotations

import string

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec used as an independent reference)
import pytest
import smsutil
from hypothesis import given, settings
from hypothesis import strategies as st
from smpplib import consts as smpp_consts
from smpplib import gsm as smpp_gsm

from switchboard.domain.sms.encoding import (
    GSM7,
    UCS2,
    Analysis,
    analyse,
    decode_payload,
    encode_parts,
    encode_payload,
    is_gsm7,
    split,
    udh_concat,
    utf16_length,
)

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"
CYRILLIC = "".join(chr(code) for code in range(0x0410, 0x0450))
EMOJI = "😀"
PAIR = "\ud83d\ude00"  # the same emoji as two surrogate code points, as surrogatepass decoding leaves it
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def lengths(alphabet: st.SearchStrategy[str], max_size: int = 400) -> st.SearchStrategy[str]:
    """Texts whose length is drawn uniformly, so the single/multipart boundaries are reached often."""
    return st.integers(min_value=0, max_value=max_size).flatmap(
        lambda size: st.text(alphabet=alphabet, min_size=size, max_size=size)
    )


def reference_units(part: str, encoding: str) -> int:
    """Length of a part measured with the codecs rather than with the module under test."""
    if encoding == GSM7:
        return len(part.encode("gsm03.38"))
    return len(part.encode("utf-16-be")) // 2


GSM_TEXT = lengths(st.sampled_from(GSM_BASIC + GSM_EXTENSION))
MIXED_TEXT = lengths(
    st.one_of(
        st.sampled_from(GSM_BASIC),
        st.sampled_from(GSM_EXTENSION),
        st.sampled_from(CYRILLIC + "áíóúç" + EMOJI + "🎉"),
        st.characters(codec="utf-8", exclude_characters="\x1b"),
    )
)


# --- alphabet -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Ç", True, id="capital-c-cedilla-is-basic"),
        pytest.param("ç", False, id="small-c-cedilla-is-not"),
        pytest.param("äöñüàéèùìòÄÖÑÜ§¿¡ÆæßÉØøÅå", True, id="latin-letters-of-the-basic-table"),
        pytest.param("ΔΦΓΛΩΠΨΣΘΞ", True, id="greek-capitals-of-the-basic-table"),
        pytest.param("á", False, id="a-acute"),
        pytest.param("í", False, id="i-acute"),
        pytest.param("ó", False, id="o-acute"),
        pytest.param("ú", False, id="u-acute"),
        pytest.param("\r", True, id="lone-carriage-return"),
        pytest.param("\n", True, id="lone-line-feed"),
        pytest.param(GSM_EXTENSION, True, id="extension-table"),
        pytest.param("\x1b", False, id="escape-code-is-not-a-character"),
        pytest.param("`", False, id="grave-accent"),
        pytest.param("\u2126", False, id="ohm-sign-is-not-greek-omega"),
        pytest.param("Привет", False, id="cyrillic"),
        pytest.param(EMOJI, False, id="emoji"),
        pytest.param("", True, id="empty"),
    ],
)
def test_is_gsm7_decides_by_the_default_alphabet_and_extension_table(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


def test_is_gsm7_agrees_with_the_gsm0338_codec_on_every_bmp_character() -> None:
    # The codec also accepts the escape code 0x1B as a character; as text it cannot be displayed, so it is not GSM here.
    disagreements = []
    for code in [*range(0xD800), *range(0xE000, 0x10000)]:
        char = chr(code)
        try:
            char.encode("gsm03.38")
            codec_says = char != "\x1b"
        except UnicodeEncodeError:
            codec_says = False
        if is_gsm7(char) is not codec_says:
            disagreements.append(char)
    assert disagreements == []


# --- lengths and segment counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", Analysis(GSM7, 0, 0), id="empty"),
        pytest.param("a" * 160, Analysis(GSM7, 160, 1), id="160-gsm-one-part"),
        pytest.param("a" * 161, Analysis(GSM7, 161, 2), id="161-gsm-two-parts"),
        pytest.param("a" * 306, Analysis(GSM7, 306, 2), id="306-gsm-two-parts"),
        pytest.param("a" * 307, Analysis(GSM7, 307, 3), id="307-gsm-three-parts"),
        pytest.param("Ж" * 70, Analysis(UCS2, 70, 1), id="70-cyrillic-one-part"),
        pytest.param("Ж" * 71, Analysis(UCS2, 71, 2), id="71-cyrillic-two-parts"),
        pytest.param("Ж" * 134, Analysis(UCS2, 134, 2), id="134-cyrillic-two-parts"),
        pytest.param("Ж" * 135, Analysis(UCS2, 135, 3), id="135-cyrillic-three-parts"),
        pytest.param("€" * 80, Analysis(GSM7, 160, 1), id="80-euro-signs-are-160-septets"),
        pytest.param("€" * 81, Analysis(GSM7, 162, 2), id="81-euro-signs-two-parts"),
        pytest.param(EMOJI, Analysis(UCS2, 2, 1), id="emoji-counts-two"),
        pytest.param(EMOJI * 35, Analysis(UCS2, 70, 1), id="35-emoji-one-part"),
        pytest.param(EMOJI * 36, Analysis(UCS2, 72, 2), id="36-emoji-two-parts"),
        pytest.param("café", Analysis(GSM7, 4, 1), id="e-acute-stays-gsm"),
        pytest.param("cafá", Analysis(UCS2, 4, 1), id="a-acute-forces-ucs2"),
        pytest.param("a" * 152 + "€" + "a" * 152, Analysis(GSM7, 306, 3), id="escape-at-boundary-adds-a-part"),
        pytest.param("Ж" * 66 + EMOJI + "Ж" * 66, Analysis(UCS2, 134, 3), id="pair-at-boundary-adds-a-part"),
    ],
)
def test_analyse_gives_encoding_units_and_segments(text: str, expected: Analysis) -> None:
    assert analyse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("abc", 3, id="ascii"),
        pytest.param("Жé", 2, id="bmp"),
        pytest.param(EMOJI, 2, id="emoji"),
        pytest.param("a🎉b", 4, id="emoji-between-letters"),
    ],
)
def test_utf16_length_counts_code_units(text: str, expected: int) -> None:
    assert utf16_length(text) == expected


# --- splitting ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty-has-no-parts"),
        pytest.param("hello", ["hello"], id="fits-one"),
        pytest.param("a" * 161, ["a" * 153, "a" * 8], id="gsm-153-per-part"),
        pytest.param("a" * 152 + "€" + "b" * 10, ["a" * 152, "€" + "b" * 10], id="escape-moves-to-next-part"),
        pytest.param("a" * 151 + "€" + "b" * 10, ["a" * 151 + "€", "b" * 10], id="escape-that-fits-stays"),
        pytest.param("Ж" * 71, ["Ж" * 67, "Ж" * 4], id="ucs2-67-per-part"),
        pytest.param(EMOJI * 36, [EMOJI * 33, EMOJI * 3], id="emoji-never-straddle"),
        pytest.param("Ж" * 66 + PAIR + "Ж" * 4, ["Ж" * 66, PAIR + "Ж" * 4], id="surrogate-code-points-stay-paired"),
    ],
)
def test_split_keeps_escape_sequences_and_surrogate_pairs_whole(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_split_of_emoji_text_has_no_lone_surrogate() -> None:
    for part in split(EMOJI * 36):
        assert not any("\ud800" <= char <= "\udfff" for char in part)
        assert part.encode("utf-16-be").decode("utf-16-be") == part
        assert utf16_length(part) <= 67


@PROPERTY_SETTINGS
@given(st.one_of(GSM_TEXT, MIXED_TEXT))
def test_split_rejoins_to_the_text_and_every_part_fits(text: str) -> None:
    parts = split(text)
    analysis = analyse(text)
    single, multipart = LIMITS[analysis.encoding]

    assert "".join(parts) == text
    assert len(parts) == analysis.segments
    assert all(parts)
    assert analysis.units == reference_units(text, analysis.encoding)
    limit = single if len(parts) == 1 else multipart
    assert all(reference_units(part, analysis.encoding) <= limit for part in parts)


@PROPERTY_SETTINGS
@given(MIXED_TEXT)
def test_encoding_choice_agrees_with_the_gsm0338_codec(text: str) -> None:
    try:
        text.encode("gsm03.38")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    assert is_gsm7(text) is encodable


# --- cross-checks against independent splitters -------------------------------------------------------------------
#
# smpplib 2.2.4 (smpplib.gsm.make_parts) differs from GSM 03.38 in several ways, so it is compared only on plain ASCII
# letters, digits and space (GSM) and Cyrillic (UCS-2), where both definitions agree:
# - its table has "`" where GSM has "§" at 0x5F: "`" passes as GSM (and shows as "§"), "§" forces UCS-2;
# - its extension table lacks form feed, so "\f" forces UCS-2;
# - it accepts the escape code "\x1b" as a one-septet character;
# - it cuts the encoded bytes every 153 (GSM) or 134 (UCS-2) bytes, so an escape sequence or a surrogate pair can
#   straddle two parts, and its part count is always ceil(length / part size): "a" * 152 + "€" + "a" * 152 is 2 parts
#   there (the first ending in a bare 0x1B) and 3 here;
# - an empty text is one empty part there and no part here.
#
# smsutil 1.1.3 (smsutil.split) splits by character and keeps escape sequences and surrogate pairs whole, so it agrees
# on any non-empty text, except that it too accepts "\x1b" as a character (its table is copied from a codec table).

SMPP_AGREES = lengths(st.sampled_from(string.ascii_letters + string.digits + " "), 500) | lengths(
    st.sampled_from(CYRILLIC), 250
)
SMSUTIL_AGREES = MIXED_TEXT.filter(bool)


def smpplib_payloads(text: str) -> tuple[int, list[bytes]]:
    parts, data_coding, _esm_class = smpp_gsm.make_parts(text)
    if len(parts) == 1:
        return data_coding, parts
    return data_coding, [part[6:] for part in parts]  # drop the 6-byte concatenation header


@PROPERTY_SETTINGS
@given(SMPP_AGREES.filter(bool))
def test_segments_and_payloads_match_smpplib_where_alphabets_agree(text: str) -> None:
    assert encode_parts(text) == smpplib_payloads(text)
    assert analyse(text).segments == len(smpp_gsm.make_parts(text)[0])


@pytest.mark.parametrize(
    ("text", "smpplib_data_coding", "smpplib_segments", "ours"),
    [
        pytest.param("`", smpp_consts.SMPP_ENCODING_DEFAULT, 1, Analysis(UCS2, 1, 1), id="grave-accent"),
        pytest.param("§", smpp_consts.SMPP_ENCODING_ISO10646, 1, Analysis(GSM7, 1, 1), id="section-sign"),
        pytest.param("\f", smpp_consts.SMPP_ENCODING_ISO10646, 1, Analysis(GSM7, 2, 1), id="form-feed"),
        pytest.param("\x1b", smpp_consts.SMPP_ENCODING_DEFAULT, 1, Analysis(UCS2, 1, 1), id="escape-code"),
        pytest.param(
            "a" * 152 + "€" + "a" * 152,
            smpp_consts.SMPP_ENCODING_DEFAULT,
            2,
            Analysis(GSM7, 306, 3),
            id="escape-at-boundary",
        ),
        pytest.param(
            "Ж" * 66 + EMOJI + "Ж" * 66,
            smpp_consts.SMPP_ENCODING_ISO10646,
            2,
            Analysis(UCS2, 134, 3),
            id="surrogate-pair-at-boundary",
        ),
    ],
)
def test_documented_disagreements_with_smpplib(
    text: str, smpplib_data_coding: int, smpplib_segments: int, ours: Analysis
) -> None:
    parts, data_coding, _esm_class = smpp_gsm.make_parts(text)
    assert (data_coding, len(parts)) == (smpplib_data_coding, smpplib_segments)
    assert analyse(text) == ours


@PROPERTY_SETTINGS
@given(SMSUTIL_AGREES)
def test_segments_and_parts_match_smsutil(text: str) -> None:
    result = smsutil.split(text)
    assert (GSM7 if result.encoding == "gsm0338" else UCS2) == analyse(text).encoding
    assert [part.content for part in result.parts] == split(text)
    assert analyse(text).segments == len(result.parts)


# --- wire encoding --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", (0x00, b""), id="empty"),
        pytest.param("@£$", (0x00, b"\x00\x01\x02"), id="basic-codes"),
        pytest.param("a€", (0x00, b"a\x1b\x65"), id="extension-escaped"),
        pytest.param("{}", (0x00, b"\x1b\x28\x1b\x29"), id="braces"),
        pytest.param("§¿à", (0x00, b"\x5f\x60\x7f"), id="top-of-table"),
        pytest.param("Ж", (0x08, b"\x04\x16"), id="cyrillic-utf16-be"),
        pytest.param("a" + EMOJI, (0x08, b"\x00a\xd8\x3d\xde\x00"), id="emoji-surrogate-pair"),
    ],
)
def test_encode_payload_gives_data_coding_and_bytes(text: str, expected: tuple[int, bytes]) -> None:
    assert encode_payload(text) == expected


def test_encode_parts_uses_the_alphabet_of_the_whole_text() -> None:
    text = "Ж" * 67 + "abcd"
    data_coding, payloads = encode_parts(text)
    assert data_coding == 0x08
    assert payloads == [("Ж" * 67).encode("utf-16-be"), "abcd".encode("utf-16-be")]


def test_encode_parts_of_gsm_text_keeps_escape_sequences_whole() -> None:
    data_coding, payloads = encode_parts("a" * 152 + "€" + "b" * 7)
    assert data_coding == 0x00
    assert payloads == [b"a" * 152, b"\x1b\x65" + b"b" * 7]


@PROPERTY_SETTINGS
@given(GSM_TEXT)
def test_gsm_payload_matches_the_gsm0338_codec_and_round_trips(text: str) -> None:
    data_coding, payload = encode_payload(text)
    assert data_coding == 0x00
    assert payload == text.encode("gsm03.38")
    assert decode_payload(data_coding, payload) == text


@PROPERTY_SETTINGS
@given(MIXED_TEXT)
def test_any_payload_round_trips(text: str) -> None:
    assert decode_payload(*encode_payload(text)) == text
    data_coding, payloads = encode_parts(text)
    assert "".join(decode_payload(data_coding, payload) for payload in payloads) == text


@pytest.mark.parametrize(
    ("data_coding", "payload", "expected"),
    [
        pytest.param(0x00, b"Hi \x1b\x65", "Hi €", id="gsm-extension"),
        pytest.param(0x01, b"\x00\x11", "@_", id="ia5-treated-as-gsm"),
        pytest.param(0x00, b"a\x80", "a\ufffd", id="gsm-byte-above-7-bits"),
        pytest.param(0x00, b"a\x1b", "a\ufffd", id="gsm-trailing-escape"),
        pytest.param(0x00, b"\x1b\x1b", " ", id="gsm-double-escape-is-space"),
        pytest.param(0x00, b"\x1b\x41", "A", id="gsm-unknown-extension-shows-basic"),
        pytest.param(0x08, b"\x04\x16\xd8\x3d\xde\x00", "Ж" + EMOJI, id="ucs2"),
        pytest.param(0x08, b"\x04\x16\x00", "Ж\ufffd", id="ucs2-odd-length"),
        pytest.param(0x08, b"\xd8\x3d", "\ufffd", id="ucs2-lone-surrogate"),
        pytest.param(0x03, b"caf\xe9", "café", id="latin-1"),
        pytest.param(0x04, b"\xff\x00", "\xff\x00", id="binary-as-latin-1"),
    ],
)
def test_decode_payload_never_raises(data_coding: int, payload: bytes, expected: str) -> None:
    assert decode_payload(data_coding, payload) == expected


# --- concatenation header -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "total", "sequence", "expected"),
    [
        pytest.param(0x42, 3, 1, b"\x05\x00\x03\x42\x03\x01", id="first-of-three"),
        pytest.param(0x1FF, 2, 2, b"\x05\x00\x03\xff\x02\x02", id="reference-masked-to-8-bits"),
        pytest.param(0, 255, 255, b"\x05\x00\x03\x00\xff\xff", id="largest"),
    ],
)
def test_udh_concat_builds_the_8_bit_header(reference: int, total: int, sequence: int, expected: bytes) -> None:
    assert udh_concat(reference, total, sequence) == expected


@pytest.mark.parametrize(
    ("total", "sequence"),
    [
        pytest.param(0, 1, id="no-parts"),
        pytest.param(256, 1, id="too-many-parts"),
        pytest.param(2, 0, id="sequence-zero"),
        pytest.param(2, 3, id="sequence-past-total"),
    ],
)
def test_udh_concat_refuses_impossible_positions(total: int, sequence: int) -> None:
    with pytest.raises(ValueError):
        udh_concat(1, total, sequence)
