"""The pure rules of group-call tasks: windows (crossing midnight, in a time zone), the next opening, the
hang-up SMS triggers and text fields, bulk number classification (same answers as classify), the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.console.campaign_chart import outcome_chart
from switchboard.domain.numbers import classify
from switchboard.domain.voice.campaign_numbers import classify_many
from switchboard.domain.voice.campaigns import (
    HangUpSms,
    Outcome,
    Window,
    fill_texts,
    in_window,
    next_opening,
    sms_due,
)

NIGHT = [Window(22 * 60, 2 * 60)]  # 22:00-02:00
DAY = [Window(9 * 60, 12 * 60), Window(14 * 60, 18 * 60)]


@pytest.mark.parametrize(
    ("windows", "utc", "zone", "open_"),
    [
        pytest.param([], "03:00", "UTC", True, id="no-window"),
        pytest.param(DAY, "09:00", "UTC", True, id="start-included"),
        pytest.param(DAY, "12:00", "UTC", False, id="end-excluded"),
        pytest.param(DAY, "13:00", "UTC", False, id="between"),
        pytest.param(DAY, "03:30", "Asia/Kolkata", True, id="zone-09:00"),
        pytest.param(NIGHT, "23:59", "UTC", True, id="night-before-midnight"),
        pytest.param(NIGHT, "01:59", "UTC", True, id="night-after-midnight"),
        pytest.param(NIGHT, "02:00", "UTC", False, id="night-end"),
    ],
)
def test_a_window_is_open_from_its_start_to_before_its_end_in_the_accounts_zone(
    windows: list[Window], utc: str, zone: str, open_: bool
) -> None:
    hour, minute = map(int, utc.split(":"))
    moment = datetime(2026, 11, 29, hour, minute, tzinfo=UTC)
    assert in_window(windows, moment, zone) is open_


def test_the_next_opening_is_today_or_tomorrow() -> None:
    moment = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    assert next_opening(DAY, moment, "UTC") == datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    late = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert next_opening(DAY, late, "UTC") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert next_opening(DAY, moment + timedelta(hours=2), "UTC") == moment + timedelta(hours=2)


RULES = HangUpSms("app", "x", None, True, "1", True, 10, False, True)


@pytest.mark.parametrize(
    ("outcome", "due"),
    [
        pytest.param(Outcome(True, True, "21", 3), True, id="key-1-pressed"),
        pytest.param(Outcome(True, True, "2", 3), False, id="other-key-short-talk"),
        pytest.param(Outcome(True, True, "", 10), True, id="talked-long-enough"),
        pytest.param(Outcome(False, True, "", 0), True, id="rang-not-answered"),
        pytest.param(Outcome(False, False, "", 0), False, id="no-ring-no-failed-trigger"),
    ],
)
def test_the_hang_up_sms_follows_the_triggers(outcome: Outcome, due: bool) -> None:
    assert sms_due(RULES, outcome) is due


def test_text_fields_are_filled_and_missing_ones_are_empty() -> None:
    texts = ("Ann", None, "42", None, None)
    assert fill_texts("Hi ${text1}, order ${text3}${text2} ${text6}", texts) == "Hi Ann, order 42 ${text6}"


@given(st.lists(st.from_regex(r"\A(1[2-9]\d{9}|91[6-9]\d{9}|44\d{9,10}|86\d{9,11}|\d{4,15}|[+ 0-9]{0,8})\Z")))
def test_bulk_classification_answers_like_classify(raws: list[str]) -> None:
    assert classify_many(raws) == [classify(raw) for raw in raws]


def test_the_outcome_chart_stacks_answered_and_failed_per_slot() -> None:
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    points = [
        (start + timedelta(seconds=i), "success" if i % 2 else "fail", "1" if i % 3 == 0 else "") for i in range(60)
    ]
    chart = outcome_chart(points, slots=6)
    assert not chart.empty and len(chart.answered) == len(chart.failed) == len(chart.keys) == 6
    assert outcome_chart([]).empty


@pytest.mark.parametrize("value", ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "2026-13-01 00:00:00", "soon"])
def test_a_time_that_is_malformed_or_beyond_the_years_utc_can_hold_is_refused(value: str) -> None:
    from switchboard.domain.voice.campaigns import parse_send_time
    from switchboard.errors import ApiError

    with pytest.raises(ApiError) as refused:
        parse_send_time(value, "Asia/Kolkata" if value.startswith("0001") else "America/New_York")
    assert refused.value.code == -22
