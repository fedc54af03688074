"""Message ids are 19 digits, ordered and unique; money is exact micro-units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.ids import SEQ_PER_SECOND, MessageIds
from switchboard.money import MoneyError, format_amount, parse_amount
from tests.fakes.clock import FakeClock


def test_msgids_are_19_digits_increasing_and_carry_the_node() -> None:
    clock = FakeClock()
    ids = MessageIds(clock, node_id=7)
    minted = ids.many(5)
    clock.advance(1)
    minted += ids.many(5)
    assert all(len(i) == 19 and i.isdigit() and i[12:14] == "07" for i in minted)
    assert minted == sorted(minted) and len(set(minted)) == 10
    assert minted[0].startswith("261129120000")


def test_more_ids_than_a_second_holds_borrow_the_next_second() -> None:
    ids = MessageIds(FakeClock(), node_id=0)
    minted = ids.many(SEQ_PER_SECOND + 2)
    assert len(set(minted)) == len(minted) and minted == sorted(minted)
    assert minted[-1][:12] == "261129120001"


def test_a_restart_in_the_same_second_continues_after_the_last_id() -> None:
    clock = FakeClock()
    first = MessageIds(clock, node_id=3).many(3)
    restarted = MessageIds(clock, node_id=3)
    restarted.resume_after(first[-1])
    assert restarted.next() > first[-1]


def test_nodes_never_collide() -> None:
    clock = FakeClock()
    assert not set(MessageIds(clock, 1).many(100)) & set(MessageIds(clock, 2).many(100))


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False))
def test_amounts_round_trip_exactly(amount: Decimal) -> None:
    assert Decimal(format_amount(parse_amount(amount))) == amount


@pytest.mark.parametrize("bad", ["1.0000001", "abc", "NaN", "inf", ""])
def test_bad_amounts_are_refused(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_wire_format_has_six_decimals() -> None:
    assert format_amount(99_990_000) == "99.990000"
    assert format_amount(0) == "0.000000"
    assert format_amount(-500_000) == "-0.500000"
