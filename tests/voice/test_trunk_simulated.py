"""The SIP trunk against the simulated callee, over real UDP on 127.0.0.1: every scenario of the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.simulated import SimulatedCallee, start_simulated_callee
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.domain.voice import sdp, termination

pytestmark = pytest.mark.timeout(60)
SECOND = bytes([0x7F, 0x10] * 4000)  # one second of audio


async def pair(scenario: dict[str, Any] | None = None, **trunk: Any) -> tuple[SimulatedCallee, SipTrunk]:
    auth = trunk.pop("auth", None)
    callee = await start_simulated_callee(scenario, auth=auth)
    host, port = callee.address
    sip = SipTrunk(SipTrunkConfig(name="sim", host=host, port=port, t1=0.1, linger=0.5, **trunk))
    await sip.start()
    return callee, sip


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[SimulatedCallee, SipTrunk]]:
    callee, trunk = await pair({"default": {"ring": 0.2}})
    yield callee, trunk
    await trunk.stop()
    await callee.stop()


async def place(
    trunk: SipTrunk,
    number: str,
    *,
    ring: float = 10,
    duration: float | None = None,
    loops: int = 1,
    hangup: asyncio.Event | None = None,
) -> CallResult:
    request = CallRequest("2611291200000000001", number, "1234567", SECOND, loops, ring, duration)
    return await trunk.place(request, hangup or asyncio.Event())


async def test_an_answered_call_streams_the_whole_audio_and_hangs_up(sandbox: tuple[SimulatedCallee, SipTrunk]) -> None:
    callee, trunk = sandbox
    result = await place(trunk, "919876543210", loops=2)
    assert (result.code, result.answered, result.reason) == (200, True, termination.COMPLETED)
    assert result.media.sent == 100 and result.media.payload_type == sdp.PCMU
    assert result.answered_at is not None and result.ended_at is not None and result.ringing_at is not None
    assert 2.9 <= result.ended_at - result.answered_at <= 3.6  # 2 s of audio + 1 s of grace
    (call,) = callee.calls.values()
    await asyncio.sleep(0.1)
    assert (call.state, call.hung_up_by, call.rtp_packets) == ("ended", "caller", 100)
    assert call.sink is not None and bytes(call.sink.audio) == SECOND * 2


@pytest.mark.parametrize(
    ("number", "code", "reason"),
    [
        ("919876540486", 486, "Busy"),
        ("919876540404", 404, "Number does not exist"),
        ("919876540603", 603, "Declined"),
        ("919876540503", 503, "Service unavailable"),
    ],
)
async def test_refusals_end_with_their_codes(
    sandbox: tuple[SimulatedCallee, SipTrunk], number: str, code: int, reason: str
) -> None:
    _, trunk = sandbox
    result = await place(trunk, number)
    assert (result.code, result.reason, result.sip_code, result.answered) == (code, reason, code, False)
    assert result.failover is (code == 503)


async def test_ringing_past_the_limit_is_cancelled(sandbox: tuple[SimulatedCallee, SipTrunk]) -> None:
    callee, trunk = sandbox
    result = await place(trunk, "919876540000", ring=1.0)
    assert (result.code, result.sip_code, result.answered) == (480, 487, False)
    assert result.ended_at is not None and 0.9 <= result.ended_at - result.started_at <= 2.0
    assert next(iter(callee.calls.values())).state == "cancelled"


async def test_the_callee_hanging_up_early_and_max_duration(sandbox: tuple[SimulatedCallee, SipTrunk]) -> None:
    _, trunk = sandbox
    early = await place(trunk, "919876540099", loops=5)
    assert early.answered and early.reason == termination.CALLEE_HUNG_UP
    assert early.answered_at and early.ended_at and 1.8 <= early.ended_at - early.answered_at <= 2.5
    capped = await place(trunk, "919876543210", loops=5, duration=1.0)
    assert capped.reason == termination.MAX_DURATION
    assert capped.answered_at and capped.ended_at and 0.95 <= capped.ended_at - capped.answered_at <= 1.3


async def test_key_presses_arrive_as_rfc4733_events_and_as_sip_info() -> None:
    callee, trunk = await pair(
        {
            "suffixes": {
                "1": {"ring": 0.1, "press": "42", "press_after": 0.3},
                "2": {"ring": 0.1, "press": "9", "press_after": 0.3, "press_mode": "info"},
            }
        }
    )
    try:
        events, info = await asyncio.gather(
            place(trunk, "919876543211", loops=2), place(trunk, "919876543212", loops=2)
        )
        assert events.keys == "42" and info.keys == "9"
    finally:
        await trunk.stop()
        await callee.stop()


async def test_pcma_only_trunks_stream_alaw() -> None:
    callee, trunk = await pair({"default": {"ring": 0}}, codecs=(sdp.PCMA,))
    try:
        result = await place(trunk, "919876543210")
        assert result.media.payload_type == sdp.PCMA and result.media.sent == 50
        assert next(iter(callee.calls.values())).payload_types == {sdp.PCMA}
    finally:
        await trunk.stop()
        await callee.stop()


async def test_digest_authentication_against_a_challenging_callee() -> None:
    callee, trunk = await pair({"default": {"ring": 0}}, auth=("alice", "s3cret"), username="alice", password="s3cret")
    wrong_callee, wrong = await pair(
        {"default": {"ring": 0}}, auth=("alice", "s3cret"), username="alice", password="nope"
    )
    try:
        assert (await place(trunk, "919876543210")).code == 200
        refused = await place(wrong, "919876543210")
        assert (refused.code, refused.reason) == (401, "Trunk authentication failed")
    finally:
        for item in (trunk, callee, wrong, wrong_callee):
            await item.stop()


async def test_a_dead_trunk_ends_with_408_and_failover() -> None:
    trunk = SipTrunk(SipTrunkConfig(name="dead", host="127.0.0.1", port=9, t1=0.05, linger=0.1))
    await trunk.start()
    try:
        result = await place(trunk, "919876543210", ring=0.5)
        assert (result.code, result.failover, result.answered) == (408, True, False)
    finally:
        await trunk.stop()


async def test_hanging_up_from_our_side_while_ringing_and_while_talking(
    sandbox: tuple[SimulatedCallee, SipTrunk],
) -> None:
    _, trunk = sandbox
    ringing_stop = asyncio.Event()
    talking_stop = asyncio.Event()
    ringing = asyncio.ensure_future(place(trunk, "919876540000", hangup=ringing_stop))
    talking = asyncio.ensure_future(place(trunk, "919876543210", loops=10, hangup=talking_stop))
    await asyncio.sleep(1.0)
    ringing_stop.set()
    talking_stop.set()
    cut, spoken = await asyncio.gather(ringing, talking)
    assert (cut.answered, cut.reason) == (False, termination.SHUTDOWN)
    assert (spoken.answered, spoken.reason) == (True, termination.SHUTDOWN)


async def test_many_calls_at_once_share_one_sip_socket(sandbox: tuple[SimulatedCallee, SipTrunk]) -> None:
    callee, trunk = sandbox
    results = await asyncio.gather(*(place(trunk, f"9198765432{n:02d}", duration=1.0) for n in range(20)))
    assert all(r.answered for r in results) and len(callee.calls) == 20
    assert trunk.status()["answered"] == 20 and trunk.active == 0
