"""Billing blocks, pacing, scenarios, languages, request validation and record rendering (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.domain.voice import billing, languages, records
from switchboard.domain.voice.pacing import CpsPacer
from switchboard.domain.voice.scenarios import Behaviour, CalleeScenario
from switchboard.domain.voice.termination import reason_for, termination
from switchboard.domain.voice.validation import check_code, check_group
from switchboard.errors import ApiError


@pytest.mark.parametrize(
    ("seconds", "block", "charged", "cost"),
    [
        (0, 60, 60, 20_000),
        (1, 60, 60, 20_000),
        (60, 60, 60, 20_000),
        (61, 60, 120, 40_000),
        (120, 60, 120, 40_000),
        (121, 60, 180, 60_000),
        (20, 20, 20, 20_000),
        (21, 20, 40, 40_000),
        (59, 30, 60, 40_000),
        (1, 1, 1, 20_000),
    ],
)
def test_answered_calls_are_charged_per_started_block(seconds: int, block: int, charged: int, cost: int) -> None:
    assert billing.charge(seconds, block=block, price=20_000) == billing.Charge(charged, cost)


def test_unanswered_calls_cost_nothing_and_periods_read_like_the_api() -> None:
    assert billing.charge(300, block=60, price=20_000, answered=False) == billing.Charge(0, 0)
    assert billing.bill_period(60) == "60+60" and billing.bill_period(20) == "20+20"
    with pytest.raises(ValueError):
        billing.blocks(10, 0)


def test_the_limit_is_the_playback_plus_grace_or_max_duration() -> None:
    assert billing.call_limit(10_500, 2, None) == 22  # 21 s of audio + 1 s
    assert billing.call_limit(10_500, 2, 15) == 15
    assert billing.call_limit(10_500, 1, 120) == 12


def test_durations_round_up_and_never_pass_the_limit() -> None:
    assert billing.duration(100.0, 160.0, 120) == 60
    assert billing.duration(100.0, 160.001, 120) == 61
    assert billing.duration(100.0, 160.0004, 120) == 60  # sub-millisecond noise is not a second
    assert billing.duration(100.0, 400.0, 120) == 120
    assert billing.duration(None, 400.0, 120) == 0


@given(
    reserved_blocks=st.integers(1, 20), used=st.integers(0, 20), price=st.integers(0, 10**7), gift=st.integers(0, 10**9)
)
def test_settling_returns_exactly_what_was_not_spent(reserved_blocks: int, used: int, price: int, gift: int) -> None:
    reserved = reserved_blocks * price
    paid_gift = min(gift, reserved)
    cost = min(used, reserved_blocks) * price
    settled = billing.settle(reserved=reserved, paid_gift=paid_gift, cost=cost)
    assert settled.refund_gift + settled.refund_balance == reserved - cost
    assert 0 <= settled.refund_gift <= paid_gift and settled.refund_balance >= 0
    if cost <= paid_gift:
        assert settled.refund_balance == reserved - paid_gift


def test_a_call_cannot_settle_above_its_reservation() -> None:
    with pytest.raises(ValueError):
        billing.settle(reserved=10, paid_gift=0, cost=11)


def test_the_pacer_spaces_calls_without_bursts() -> None:
    pacer = CpsPacer(4)
    waits = [pacer.reserve(100.0) for _ in range(4)]
    assert waits == [0.0, 0.25, 0.5, 0.75]
    assert pacer.reserve(200.0) == 0.0
    assert CpsPacer(0).reserve(1.0) == 0.0


def test_scenarios_choose_prefix_then_suffix_then_default() -> None:
    scenario = CalleeScenario.of({"default": {"ring": 0.5}, "prefixes": {"9198": {"status": 486}}})
    assert scenario.behaviour_for("919876540105").status == 486  # the prefix beats the built-in suffix
    assert scenario.behaviour_for("12025550105") == Behaviour(ring=1.0, press="5")
    assert scenario.behaviour_for("12025550000").status == 0
    assert scenario.behaviour_for("12025551234") == Behaviour(ring=0.5)
    own = CalleeScenario.of({"suffixes": {"7": {"hangup_after": 1}}})
    assert own.behaviour_for("12025550486").status == 200 and own.behaviour_for("1202555007").hangup_after == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"default": {"status": 100}},
        {"default": {"press": "x"}},
        {"default": {"ring": -1}},
        {"default": {"colour": 1}},
        {"other": {}},
        {"default": {"press_mode": "sms"}},
    ],
)
def test_bad_scenarios_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CalleeScenario.of(bad)


def test_language_codes_map_to_espeak_voices() -> None:
    assert languages.voice_for("en") == "en-us+f3"
    assert languages.voice_for("EN", accent="44", gender=1) == "en-gb+m3"
    assert languages.voice_for("VN") == "vi+f3" and languages.voice_for("ARB") == "ar+f3"
    assert languages.voice_for("TL") is None and languages.known("TL") and not languages.known("XX")
    assert languages.speed(1.0) == (175, 1.0) and languages.speed(2.0) == (350, 1.0)
    assert languages.speed(0.25)[0] == 80 and languages.speed(0.25)[1] == pytest.approx(0.546875)
    assert languages.speed(4.0)[0] == 450 and languages.speed(4.0)[1] == pytest.approx(700 / 450)
    assert languages.DETECTED["zh"] == "ZH" and languages.DETECTED["es"] == "ES"


def test_termination_reasons() -> None:
    assert termination(486) == ("486", "Busy") and reason_for(603) == "Declined"
    assert reason_for(499) == "Call failed" and reason_for(599) == "Trunk error"


def codes(params: dict[str, Any], check: Any) -> int:
    with pytest.raises(ApiError) as caught:
        check(params)
    return caught.value.code


def test_group_requests_are_checked() -> None:
    good = {"callee": "919876543210, 12, 12025550123", "fileId": "f.wav", "loopCount": "2", "maxDuration": 30}
    request = check_group(good)
    assert [c.number.digits if c.number else None for c in request.callees] == ["919876543210", None, "12025550123"]
    assert (request.options.loop_count, request.options.max_duration, request.options.max_ringing) == (2, 30, 60)
    assert check_group({**good, "callee": ["919876543210"]}).callees[0].raw == "919876543210"
    assert codes({"fileId": "f"}, check_group) == -22
    assert codes({"callee": ",".join(["919876543210"] * 1001), "fileId": "f"}, check_group) == -23
    assert codes({"callee": "919876543210"}, check_group) == -50
    assert codes({**good, "maxDuration": 121}, check_group) == -22
    assert codes({**good, "maxRingingTime": 19}, check_group) == -22
    assert codes({**good, "loopCount": 4}, check_group) == -22
    assert codes({**good, "loopCount": "x"}, check_group) == -22
    assert codes({**good, "displayNum": "12ab"}, check_group) == -22
    assert codes({**good, "calledInfo": "x" * 1001}, check_group) == -22


def test_code_requests_are_checked() -> None:
    good = {
        "callee": "919876543210",
        "text": "Your code is 1 2 3 4",
        "language": "en",
        "speakingRate": "0.5",
        "loopCount": 9,
    }
    request = check_code(good)
    assert (request.language, request.speaking_rate, request.options.loop_count, request.recall_count) == (
        "EN",
        0.5,
        9,
        0,
    )
    assert codes({**good, "text": None}, check_code) == -38
    assert codes({**good, "language": ""}, check_code) == -38
    assert codes({**good, "text": "x" * 1001}, check_code) == -22
    assert codes({**good, "speakingRate": 5}, check_code) == -22
    assert codes({**good, "ssmlGender": 3}, check_code) == -22
    assert codes({**good, "recallCount": 10}, check_code) == -22
    assert codes({**good, "accent": "UK"}, check_code) == -22
    assert codes({**good, "callee": "12"}, check_code) == -22
    assert codes({**good, "callee": "919876543210,12025550123"}, check_code) == -22
    assert codes({**good, "callee": None}, check_code) == -22
    assert codes({**good, "loopCount": True}, check_code) == -22


def row(**overrides: Any) -> dict[str, Any]:
    t0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    base = {
        "voice_id": "2611291200000000001",
        "app_id": "app1",
        "type": 2,
        "callee": "919876543210",
        "display_num": None,
        "country": "IN",
        "region": "India",
        "audio": "tts:abc",
        "status": "done",
        "call_duration": 61,
        "charged_duration": 120,
        "bill_block": 60,
        "price": 20_000,
        "cost": 40_000,
        "currency": "USD",
        "termination_code": "200",
        "termination_reason": "Completed",
        "sip_code": "200",
        "keys": "52",
        "called_info": "ref-1",
        "attempts": 2,
        "created_at": t0,
        "call_at": t0 + timedelta(seconds=1),
        "ringing_at": t0 + timedelta(seconds=2),
        "answer_at": t0 + timedelta(seconds=5),
        "hangup_at": t0 + timedelta(seconds=66),
    }
    return {**base, **overrides}


def test_a_record_shows_iso_times_and_strings() -> None:
    shown = records.record(row(), "Asia/Kolkata")
    assert shown["submitTime"] == "2026-11-29T17:30:00+05:30" and shown["hangupTime"] == "2026-11-29T17:31:06+05:30"
    assert (shown["terminationCode"], shown["feedbackValue"], shown["billPeriod"]) == ("200", "5", "60+60")
    assert (shown["cost"], shown["rate"], shown["costEur"], shown["voiceFileId"]) == ("0.040000", "0.020000", "", "")
    pending = records.record(row(status="calling", termination_code=None, keys="", answer_at=None), "UTC")
    assert (pending["terminationCode"], pending["terminationReason"], pending["feedbackValue"]) == ("", "calling", "-1")


def test_the_push_shows_millisecond_times_and_counts() -> None:
    body = records.push(row(audio="file:260101abc.wav", ringing_at=None))
    assert body["submitTime"] == 1795953600000 and body["ringingTime"] == 0
    assert (body["type"], body["outRecallCount"], body["voiceFileId"], body["sipCode"]) == (
        2,
        1,
        "260101abc.wav",
        "200",
    )
    assert records.push(row())["ringDuration"] == 3
