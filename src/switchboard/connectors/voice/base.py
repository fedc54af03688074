"""The interface of a voice trunk: place one call, playing audio, and report how it went.

A trunk turns a ``CallRequest`` into a ``CallResult``. SIP responses and socket errors are translated here:
the result carries a termination code (``"200"`` answered, else a SIP final code, see
``switchboard.domain.voice.termination``) and never raises for what the far end did. ``hangup`` lets the
caller end a call early (worker shutdown): the trunk cancels or hangs up and still returns a result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from switchboard.domain.voice.sdp import Negotiated
from switchboard.domain.voice.termination import SHUTDOWN


@dataclass(frozen=True)
class Bridged:
    """A call leg whose media is relayed, not played: the SDP offer names ``address`` (the relay's socket of
    this leg) and ``on_answer`` is told the negotiated media when the callee answers."""

    address: tuple[str, int]
    on_answer: Callable[[Negotiated], None]


class Hangup(asyncio.Event):
    """The ``hangup`` of a call that says why it is ended (a bridge ends one leg because the other ended)."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = SHUTDOWN

    def end(self, reason: str) -> None:
        if not self.is_set():
            self.reason = reason
            self.set()


@dataclass(frozen=True)
class CallRequest:
    voice_id: str
    callee: str  # digits with country code
    caller_id: str | None
    audio: bytes  # 8 kHz mu-law
    loops: int
    max_ringing: float  # seconds before we cancel
    max_duration: float | None  # seconds after the answer before we hang up (None: after the playback)
    # Awaited just before the INVITE leaves (nothing but in-memory work after it); an exception from it means
    # "do not dial" and is raised from ``place``. The worker records there that the call was dialled.
    before_invite: Callable[[], Awaitable[None]] | None = None
    bridge: Bridged | None = None  # relay the media instead of playing ``audio`` (sendSip's callee leg)


@dataclass(frozen=True)
class MediaStats:
    sent: int = 0  # RTP packets we sent
    received: int = 0  # RTP audio packets we received
    payload_type: int | None = None
    max_late_ms: float = 0.0  # worst lateness of a packet against its 20 ms slot
    mean_late_ms: float = 0.0


@dataclass(frozen=True)
class CallResult:
    code: int  # 200 answered, else the final SIP code (480 no answer, 408 no response ...)
    reason: str
    sip_code: int | None
    answered: bool
    started_at: float  # epoch seconds (the INVITE)
    ringing_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    keys: str = ""  # keys pressed, in order
    failover: bool = False  # the trunk, not the callee, failed: another trunk may be tried
    trunk: str = ""
    media: MediaStats = MediaStats()
    caller_id: str = ""  # the caller id actually sent (the From user), for the record's displayNum


class VoiceTrunk(Protocol):
    name: str

    async def start(self) -> None:
        """Open sockets; returns once the trunk can place calls."""

    async def place(self, call: CallRequest, hangup: asyncio.Event) -> CallResult:
        """Place one call and play its audio; returns when the call is over."""

    async def stop(self) -> None: ...

    def status(self) -> dict[str, Any]:
        """What the operator sees: address, calls in progress, counters."""
