"""Receipt text and TLVs map to final states; carrier message ids match across bases, case and zero padding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.connectors.sms.base import DELIVERED, EXPIRED, FAILED
from switchboard.connectors.sms.receipts import (
    ParsedReceipt,
    canonical_id,
    id_candidates,
    merge_receipts,
    parse_receipt,
    parse_receipt_date,
    parse_receipt_text,
    receipt_from_tlvs,
)

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

STANDARD = "id:0123456789 sub:001 dlvrd:001 submit date:2611291200 done date:2611291201 stat:DELIVRD err:000 text:Hello"


@pytest.mark.parametrize(
    ("stat", "state"),
    [
        ("DELIVRD", DELIVERED),
        ("UNDELIV", FAILED),
        ("REJECTD", FAILED),
        ("DELETED", FAILED),
        ("UNKNOWN", FAILED),
        ("EXPIRED", EXPIRED),
        ("ENROUTE", None),
        ("ACCEPTD", None),
        ("BOGUS", None),
        ("delivrd", DELIVERED),
        ("Expired", EXPIRED),
    ],
)
def test_stat_maps_to_state(stat: str, state: str | None) -> None:
    parsed = parse_receipt_text(f"id:42 stat:{stat} err:000")
    assert parsed is not None
    assert parsed.state == state
    assert parsed.stat == stat.upper()
    assert parsed.final is (state is not None)


def test_standard_receipt_is_read_whole() -> None:
    assert parse_receipt_text(STANDARD) == ParsedReceipt(
        message_id="0123456789",
        state=DELIVERED,
        stat="DELIVRD",
        error_code="000",
        submitted_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
        done_at=datetime(2026, 11, 29, 12, 1, tzinfo=UTC),
        text="Hello",
    )


@pytest.mark.parametrize(
    ("text", "message_id", "state", "error_code", "done_at"),
    [
        # case differences in field names
        (
            "ID:AbC SUB:001 DLVRD:001 SUBMIT DATE:2611291200 DONE DATE:2611291201 STAT:UNDELIV ERR:012",
            "AbC",
            FAILED,
            "012",
            datetime(2026, 11, 29, 12, 1, tzinfo=UTC),
        ),
        # extra spaces everywhere
        (
            "  id: 77   sub:001  dlvrd:000  submit  date: 2611291200   done date:2611291201  stat:  EXPIRED err: 5 ",
            "77",
            EXPIRED,
            "5",
            datetime(2026, 11, 29, 12, 1, tzinfo=UTC),
        ),
        # 12-digit dates carry seconds
        ("id:1 done date:261129120159 stat:DELIVRD", "1", DELIVERED, "", datetime(2026, 11, 29, 12, 1, 59, tzinfo=UTC)),
        # missing fields
        ("id:9 stat:DELIVRD", "9", DELIVERED, "", None),
        ("stat:REJECTD err:0x0b", None, FAILED, "0x0b", None),
        ("id:9", "9", None, "", None),
        # fields in another order, invalid date
        ("stat:DELIVRD id:5 done date:9913991299 err:000", "5", DELIVERED, "000", None),
    ],
)
def test_lenient_parsing(
    text: str, message_id: str | None, state: str | None, error_code: str, done_at: datetime | None
) -> None:
    parsed = parse_receipt_text(text)
    assert parsed is not None
    assert (parsed.message_id, parsed.state, parsed.error_code, parsed.done_at) == (
        message_id,
        state,
        error_code,
        done_at,
    )


def test_text_field_is_the_rest_and_never_parsed() -> None:
    parsed = parse_receipt_text("id:1 stat:DELIVRD err:000 text:stat:UNDELIV id:2 ")
    assert parsed is not None
    assert (parsed.message_id, parsed.state, parsed.text) == ("1", DELIVERED, "stat:UNDELIV id:2 ")


@pytest.mark.parametrize("text", ["", "hello world", "Your code is 1234", "identity: none", "status ok"])
def test_not_a_receipt(text: str) -> None:
    assert parse_receipt_text(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2611291200", datetime(2026, 11, 29, 12, 0, tzinfo=UTC)),
        ("261129120030", datetime(2026, 11, 29, 12, 0, 30, tzinfo=UTC)),
        ("26112912", None),
        ("2613291200", None),
        ("26112912000", None),
        ("abcdefghij", None),
    ],
)
def test_receipt_dates(value: str, expected: datetime | None) -> None:
    assert parse_receipt_date(value) == expected


@pytest.mark.parametrize(
    ("message_state", "state", "stat"),
    [
        (1, None, "ENROUTE"),
        (2, DELIVERED, "DELIVRD"),
        (3, EXPIRED, "EXPIRED"),
        (4, FAILED, "DELETED"),
        (5, FAILED, "UNDELIV"),
        (6, None, "ACCEPTD"),
        (7, FAILED, "UNKNOWN"),
        (8, FAILED, "REJECTD"),
        (0, None, ""),
        (99, None, ""),
    ],
)
def test_message_state_tlv(message_state: int, state: str | None, stat: str) -> None:
    parsed = receipt_from_tlvs("abc\x00", message_state)
    assert parsed is not None
    assert (parsed.message_id, parsed.state, parsed.stat) == ("abc", state, stat)


def test_no_tlvs_no_receipt() -> None:
    assert receipt_from_tlvs(None, None) is None


def test_tlvs_win_over_text() -> None:
    text = "id:111 stat:UNDELIV err:034 done date:2611291201"
    merged = parse_receipt(text, "222", 2)
    assert merged is not None
    assert (merged.message_id, merged.state, merged.error_code) == ("222", DELIVERED, "034")
    assert merged.done_at == datetime(2026, 11, 29, 12, 1, tzinfo=UTC)


def test_text_fills_what_tlvs_lack() -> None:
    only_id = parse_receipt("id:111 stat:EXPIRED", "0x6f", None)
    assert only_id is not None
    assert (only_id.message_id, only_id.state) == ("0x6f", EXPIRED)
    only_state = parse_receipt("id:111 stat:DELIVRD", None, 5)
    assert only_state is not None
    assert (only_state.message_id, only_state.state) == ("111", FAILED)
    assert merge_receipts(None, None) is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("  ABC123  ", "abc123"),
        ("000123", "123"),
        ("0", "0"),
        ("0000", "0"),
        ("", ""),
        ("0x00FF", "ff"),
        ("0X1a", "1a"),
        ("abc\x00", "abc"),
        ("0x", "x"),
        ("6f1b2c3d-0000-4000-8000-0000000000aa", "6f1b2c3d-0000-4000-8000-0000000000aa"),
    ],
)
def test_canonical_id(raw: str, canonical: str) -> None:
    assert canonical_id(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "candidates"),
    [
        ("ff", {"ff", "255"}),
        ("255", {"255", "ff", "597"}),
        ("00A", {"a", "10"}),
        ("0", {"0"}),
        ("msg-1", {"msg-1"}),
        ("", {""}),
    ],
)
def test_id_candidates(raw: str, candidates: set[str]) -> None:
    assert id_candidates(raw) == candidates


def test_huge_numeric_ids_are_not_converted() -> None:
    assert id_candidates("9" * 200) == {"9" * 200}


@PROPERTY_SETTINGS
@given(st.integers(min_value=0, max_value=2**96))
def test_decimal_receipt_finds_hex_submit_id(number: int) -> None:
    assert canonical_id(hex(number)) in id_candidates(str(number))
    assert canonical_id(format(number, "X").zfill(16)) in id_candidates(str(number))


@PROPERTY_SETTINGS
@given(st.integers(min_value=0, max_value=2**96))
def test_hex_receipt_finds_decimal_submit_id(number: int) -> None:
    assert canonical_id(str(number)) in id_candidates(hex(number))
    assert canonical_id(str(number).zfill(20)) in id_candidates(format(number, "X"))


@PROPERTY_SETTINGS
@given(st.text(alphabet="0123456789abcdefABCDEF-xX \x00", max_size=30))
def test_canonical_is_idempotent_and_a_candidate(raw: str) -> None:
    canonical = canonical_id(raw)
    assert canonical_id(canonical) == canonical
    assert canonical in id_candidates(raw)
    assert all(canonical_id(candidate) == candidate for candidate in id_candidates(raw))


@PROPERTY_SETTINGS
@given(
    st.text(alphabet="0123456789abcdefXYZ", min_size=1, max_size=20),
    st.sampled_from(["DELIVRD", "UNDELIV", "EXPIRED", "ENROUTE", "REJECTD"]),
    st.text(max_size=20),
)
def test_generated_receipts_round_trip(message_id: str, stat: str, text: str) -> None:
    receipt = f"id:{message_id} sub:001 dlvrd:001 submit date:2611291200 done date:2611291201 stat:{stat} err:000"
    parsed = parse_receipt_text(f"{receipt} text:{text}")
    assert parsed is not None
    assert (parsed.message_id, parsed.stat, parsed.text) == (message_id, stat, text)
