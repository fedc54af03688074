"""The SIP trunk against SIPp as the far end (127.0.0.1 only): answer + RTP, busy, no answer, callee hang-up,
DTMF as RFC 4733 events (SIPp's own pcaps) and SIP INFO, digest checked by SIPp's verifyauth, and call rate."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from switchboard.connectors.voice.base import CallRequest, CallResult
from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.pacing import CpsPacer
from tests.voice.sipp import sipp

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
SECOND = bytes([0x7F, 0x10] * 4000)
log = logging.getLogger("tests.voice.sipp")
SECRET = "s3cret"  # what the auth scenario expects


async def call(
    port: int, *, loops: int = 1, ring: float = 10.0, duration: float | None = None, password: str = SECRET
) -> CallResult:
    trunk = SipTrunk(
        SipTrunkConfig(name="sipp", host="127.0.0.1", port=port, username="alice", password=password, linger=0.2)
    )
    await trunk.start()
    try:
        return await trunk.place(
            CallRequest("1", "919876543210", "1234567", SECOND, loops, ring, duration), asyncio.Event()
        )
    finally:
        await trunk.stop()


async def test_an_answered_call_streams_every_packet_which_sipp_echoes(tmp_path: Path) -> None:
    async with sipp("answer", tmp_path) as port:
        result = await call(port, loops=2)
    assert (result.code, result.answered, result.reason) == (200, True, termination.COMPLETED)
    assert result.media.payload_type == sdp.PCMU and result.media.sent == 100
    assert result.media.received >= 98  # SIPp's -rtp_echo sent (nearly) every packet back
    # A gross pacing check only (a loaded CI machine delays single packets); jitter is a benchmark figure.
    assert result.media.max_late_ms < 150


async def test_busy(tmp_path: Path) -> None:
    async with sipp("busy", tmp_path, echo=False) as port:
        result = await call(port)
    assert (result.code, result.reason, result.answered) == (486, "Busy", False)


async def test_temporarily_unavailable_after_ringing(tmp_path: Path) -> None:
    async with sipp("unavailable", tmp_path, echo=False) as port:
        result = await call(port)
    assert (result.code, result.reason) == (480, "Temporarily unavailable") and result.ringing_at is not None


async def test_no_answer_is_cancelled_at_the_ringing_limit(tmp_path: Path) -> None:
    async with sipp("no_answer", tmp_path, echo=False) as port:
        started = time.monotonic()
        result = await call(port, ring=2.0)
    assert (result.code, result.sip_code, result.answered) == (480, 487, False)
    assert 1.9 <= time.monotonic() - started <= 4.0


async def test_sipp_hanging_up_early(tmp_path: Path) -> None:
    async with sipp("hangs_up", tmp_path) as port:
        result = await call(port, loops=5)
    assert result.answered and result.reason == termination.CALLEE_HUNG_UP
    assert result.answered_at and result.ended_at and 0.9 <= result.ended_at - result.answered_at <= 1.6
    assert result.media.sent < 100


async def test_dtmf_as_rfc4733_events_from_sipp(tmp_path: Path) -> None:
    async with sipp("dtmf_rfc2833", tmp_path) as port:
        result = await call(port, loops=3)
    assert result.keys == "5"


async def test_dtmf_as_sip_info_from_sipp(tmp_path: Path) -> None:
    async with sipp("dtmf_info", tmp_path) as port:
        result = await call(port, loops=2)
    assert result.keys == "3"


async def test_digest_credentials_are_verified_by_sipp(tmp_path: Path) -> None:
    async with sipp("auth", tmp_path) as port:
        good = await call(port)
    assert good.code == 200
    async with sipp("auth", tmp_path) as port:
        bad = await call(port, password="wrong")
    assert (bad.code, bad.reason) == (403, "Forbidden")


async def test_call_setup_rate_and_rtp_pacing_under_load(tmp_path: Path) -> None:
    """40 calls paced at 20 calls/s, each playing 1 s: the pace holds and packets leave on time."""
    calls, cps = 40, 20
    async with sipp("answer", tmp_path, calls=calls) as port:
        trunk = SipTrunk(SipTrunkConfig(name="sipp", host="127.0.0.1", port=port, linger=0.2))
        await trunk.start()
        pacer = CpsPacer(cps)
        loop = asyncio.get_running_loop()

        async def one(n: int) -> CallResult:
            await asyncio.sleep(pacer.reserve(loop.time()))
            request = CallRequest(str(n), f"9198765432{n:02d}", None, SECOND, 1, 10.0, None)
            return await trunk.place(request, asyncio.Event())

        started = time.monotonic()
        results = await asyncio.gather(*(one(n) for n in range(calls)))
        await trunk.stop()
    answers = sorted(r.answered_at for r in results if r.answered_at is not None)
    assert len(answers) == calls
    rate = (calls - 1) / (answers[-1] - answers[0])
    worst = max(r.media.max_late_ms for r in results)
    mean = sum(r.media.mean_late_ms for r in results) / calls
    log.info(
        f"{calls} calls: {rate:.1f} answered calls/s (paced at {cps}); RTP lateness mean {mean:.2f} ms, worst {worst:.2f} ms; total {time.monotonic() - started:.1f} s"
    )
    assert cps * 0.8 <= rate <= cps * 1.1
    assert mean < 5.0
