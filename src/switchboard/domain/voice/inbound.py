"""One incoming call (the UAS side of an INVITE dialog, RFC 3261 13.3 and 17.2.1) as a sans-I/O state machine.

The owner decides: ``ring`` (180), ``answer`` with an SDP answer (200, retransmitted until the ACK), ``reject``
with a final code, ``hangup`` (BYE once confirmed, else a 487/480 final). Events from the caller: the INVITE
again (its last response is sent again), CANCEL (200, then 487 to the INVITE), ACK, BYE, and anything else
in the dialog. Actions as in ``domain.voice.call``: ``Send`` a message (the owner sends responses back the
way the INVITE came and requests to the same address), timers, ``Finished`` with the outcome.

States::

    PROCEEDING --answer--> ANSWERED --ACK--> CONFIRMED --BYE from either side--> TERMINATED
        |                     +--no ACK within 64*T1: BYE--> TERMINATING
        +--reject / CANCEL / hangup--> TERMINATED (the final response retransmitted until its ACK)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from switchboard.domain.voice import termination
from switchboard.domain.voice.call import Action, CallOutcome, Finished, Send, StartTimer, StopTimer
from switchboard.domain.voice.sip import SipMessage, response, uri_of, user_of

CALLER_HUNG_UP = "Caller hung up"
CALLER_CANCELLED = "Caller cancelled"


class State(StrEnum):
    PROCEEDING = "proceeding"
    ANSWERED = "answered"
    CONFIRMED = "confirmed"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class UasSetup:
    contact: str  # sip:switchboard@<our address>:<port>
    via_host: str  # <our address>:<port>
    transport: str = "UDP"
    t1: float = 0.5
    t2: float = 4.0


class InboundCall:
    def __init__(self, invite: SipMessage, setup: UasSetup, new_id: Callable[[], str], now: float) -> None:
        self.invite = invite
        self.setup = setup
        self._new_id = new_id
        self.to_tag = new_id()[:12]
        self.state = State.PROCEEDING
        self._last: SipMessage | None = None
        self._answer: bytes | None = None  # our SDP answer, given again to a re-INVITE
        self._retx = setup.t1
        self._cseq = 1
        self._bye: SipMessage | None = None
        self._pending: CallOutcome | None = None
        self._started = now
        self._ringing: float | None = None
        self._answered: float | None = None
        self.outcome: CallOutcome | None = None

    # ---- the owner's decisions ----------------------------------------------------------------------

    def trying(self) -> list[Action]:
        return [Send(response(self.invite, 100, "Trying"))]

    def ring(self, now: float) -> list[Action]:
        if self.state is not State.PROCEEDING:
            return []
        self._ringing = self._ringing or now
        self._last = self._reply(180, "Ringing")
        return [Send(self._last)]

    def answer(self, sdp_answer: bytes, now: float) -> list[Action]:
        if self.state is not State.PROCEEDING:
            return []
        self._answer = sdp_answer
        ok = self._session(self._reply(200, "OK"))
        self._last, self.state, self._answered, self._retx = ok, State.ANSWERED, now, self.setup.t1
        return [Send(ok), StartTimer("answer", self.setup.t1), StartTimer("answer_timeout", 64 * self.setup.t1)]

    def reject(self, code: int, reason: str, now: float) -> list[Action]:
        if self.state is not State.PROCEEDING:
            return []
        self._last = self._reply(code, termination.reason_for(code) if code != 487 else "Request Terminated")
        outcome = CallOutcome(code, reason, code, False, self._started, self._ringing, None, now)
        return [Send(self._last), *self._finish(outcome)]

    def hangup(self, reason: str, now: float) -> list[Action]:
        if self.state is State.PROCEEDING:
            return self.reject(487, reason, now)
        if self.state in (State.ANSWERED, State.CONFIRMED):
            outcome = CallOutcome(200, reason, 200, True, self._started, self._ringing, self._answered, now)
            return [StopTimer("answer"), StopTimer("answer_timeout"), *self._send_bye(outcome)]
        return []

    # ---- events from the caller ---------------------------------------------------------------------

    def receive(self, message: SipMessage, now: float) -> list[Action]:
        if not message.is_request:
            if message.cseq[1] == "BYE" and (message.status or 0) >= 200 and self.state is State.TERMINATING:
                return self._finish(self._pending or self._ended(termination.COMPLETED, now))
            return []
        method = message.method
        if method == "INVITE" and message.cseq[0] == self.invite.cseq[0]:
            return [Send(self._last)] if self._last is not None else self.trying()
        if method == "ACK":
            if self.state is State.ANSWERED:
                self.state = State.CONFIRMED
                return [StopTimer("answer"), StopTimer("answer_timeout")]
            return []
        if method == "CANCEL":
            return self._cancel(message, now)
        if method == "BYE" and self.state in (State.ANSWERED, State.CONFIRMED, State.TERMINATING):
            return [Send(response(message, 200, "OK")), *self._finish(self._ended(CALLER_HUNG_UP, now))]
        if method == "INVITE" and self.state is State.CONFIRMED and self._answer is not None:
            return [Send(self._session(response(message, 200, "OK")))]  # a re-INVITE (hold, refresh): same media
        if method in ("INFO", "OPTIONS", "UPDATE") and self.state is State.CONFIRMED:
            return [Send(response(message, 200, "OK"))]
        return [Send(response(message, 481, "Call/Transaction Does Not Exist"))]

    def timer(self, name: str, now: float) -> list[Action]:
        if name == "answer" and self.state is State.ANSWERED and self._last is not None:
            self._retx = min(self._retx * 2, self.setup.t2)
            return [Send(self._last), StartTimer("answer", self._retx)]
        if name == "answer_timeout" and self.state is State.ANSWERED:
            return self.hangup("No ACK from the caller", now)
        if name == "bye" and self.state is State.TERMINATING and self._bye is not None:
            self._retx = min(self._retx * 2, self.setup.t2)
            return [Send(self._bye), StartTimer("bye", self._retx)]
        if name == "bye_timeout" and self.state is State.TERMINATING:
            return self._finish(self._pending or self._ended(termination.COMPLETED, now))
        return []

    @property
    def finished(self) -> bool:
        return self.state is State.TERMINATED

    # ---- helpers ------------------------------------------------------------------------------------

    def _session(self, ok: SipMessage) -> SipMessage:
        """A 200 carrying our Contact and our SDP answer (the relay's address: the media stays there)."""
        ok.add("contact", f"<{self.setup.contact}>").add("allow", "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS")
        ok.add("content-type", "application/sdp").body = self._answer or b""
        return ok

    def _reply(self, status: int, reason: str) -> SipMessage:
        return response(self.invite, status, reason, to_tag=self.to_tag)

    def _ended(self, reason: str, now: float) -> CallOutcome:
        answered = self._answered is not None
        return CallOutcome(
            200 if answered else 487,
            reason,
            200 if answered else 487,
            answered,
            self._started,
            self._ringing,
            self._answered,
            now,
        )

    def _cancel(self, cancel: SipMessage, now: float) -> list[Action]:
        actions: list[Action] = [Send(response(cancel, 200, "OK"))]
        if self.state is not State.PROCEEDING:
            return actions
        return actions + self.reject(487, CALLER_CANCELLED, now)

    def _send_bye(self, outcome: CallOutcome) -> list[Action]:
        self._cseq += 1
        target = uri_of(self.invite.get("contact") or "") or self.invite.uri or ""
        bye = SipMessage(method="BYE", uri=target)
        bye.add("via", f"SIP/2.0/{self.setup.transport} {self.setup.via_host};branch=z9hG4bK{self._new_id()};rport")
        bye.add("max-forwards", "70")
        bye.add("from", f"{self.invite.get('to') or ''};tag={self.to_tag}")
        bye.add("to", self.invite.get("from") or "")
        bye.add("call-id", self.invite.call_id)
        bye.add("cseq", f"{self._cseq} BYE")
        for route in self.invite.all("record-route"):
            bye.add("route", route)
        self._bye, self._pending, self.state, self._retx = bye, outcome, State.TERMINATING, self.setup.t1
        return [Send(bye), StartTimer("bye", self.setup.t1), StartTimer("bye_timeout", 64 * self.setup.t1)]

    def _finish(self, outcome: CallOutcome) -> list[Action]:
        if self.state is State.TERMINATED:
            return []
        self.state = State.TERMINATED
        self.outcome = outcome
        names = ("answer", "answer_timeout", "bye", "bye_timeout")
        return [*(StopTimer(n) for n in names), Finished(outcome)]


def caller_of(invite: SipMessage) -> str:
    """The caller's user (digits for a carrier) from the From header."""
    return user_of(uri_of(invite.get("from") or ""))
