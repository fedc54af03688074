"""One outbound call (the UAC side of an INVITE dialog, RFC 3261) as a sans-I/O state machine.

Events go in (``start``, ``receive`` a SIP message, a ``timer`` fired, ``hangup``), actions come out
(``Send`` a message, ``StartTimer``/``StopTimer``, ``StartMedia``/``StopMedia``, a ``Digit`` from SIP INFO,
``Finished`` with the outcome). The caller owns the socket, the clock and the timers; ``now`` is monotonic
seconds.

States::

    CALLING --1xx--> PROCEEDING --2xx/ACK--> CONFIRMED --hangup/BYE--> TERMINATING --200--> TERMINATED
       |                |  ring timer: CANCEL -> CANCELLING --487/ACK--> TERMINATED (480 No answer)
       |                +--3xx-6xx/ACK--> TERMINATED (401/407 once: ACK, re-INVITE with credentials)
       +--timer B or ring timer without any response--> TERMINATED (408, the next trunk may be tried)
    CONFIRMED --BYE from the callee/200--> TERMINATED
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from switchboard.domain.voice import digest, sdp, termination
from switchboard.domain.voice.sip import SipMessage, param, response, uri_of


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class CallSetup:
    call_id: str
    from_tag: str
    request_uri: str  # sip:<callee>@<trunk host>:<port>
    from_uri: str  # sip:<caller id>@<host>
    contact: str  # sip:switchboard@<local address>:<port>
    via_host: str  # <local address>:<port>
    offer: bytes  # our SDP offer
    max_ringing: float
    max_duration: float | None = None
    credentials: Credentials | None = None
    offered: tuple[int, ...] = (sdp.PCMU, sdp.PCMA)
    t1: float = 0.5
    t2: float = 4.0
    user_agent: str = "Switchboard"
    transport: str = "UDP"  # of the Via: UDP, or TCP for a phone registered over TCP


@dataclass(frozen=True)
class Send:
    message: SipMessage


@dataclass(frozen=True)
class StartTimer:
    name: str
    delay: float


@dataclass(frozen=True)
class StopTimer:
    name: str


@dataclass(frozen=True)
class StartMedia:
    media: sdp.Negotiated


@dataclass(frozen=True)
class StopMedia:
    pass


@dataclass(frozen=True)
class Digit:
    digit: str


@dataclass(frozen=True)
class CallOutcome:
    code: int  # terminationCode: 200 when answered
    reason: str
    sip_code: int | None  # the final response to the INVITE
    answered: bool
    started_at: float
    ringing_at: float | None = None
    answered_at: float | None = None
    ended_at: float = 0.0
    failover: bool = False  # the trunk failed before reaching the callee: another trunk may be tried


@dataclass(frozen=True)
class Finished:
    outcome: CallOutcome


Action = Send | StartTimer | StopTimer | StartMedia | StopMedia | Digit | Finished


class State(StrEnum):
    CALLING = "calling"
    PROCEEDING = "proceeding"
    CANCELLING = "cancelling"
    CONFIRMED = "confirmed"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


INVITE_TIMERS = ("invite", "invite_timeout", "ring")


@dataclass
class _Dialog:
    remote_tag: str | None = None
    target: str | None = None
    routes: list[str] = field(default_factory=list)


class OutboundCall:
    def __init__(self, setup: CallSetup, new_id: Callable[[], str]) -> None:
        self.setup = setup
        self._new_id = new_id
        self.state = State.CALLING
        self._cseq = 1
        self._invite_cseq = 1
        self._branch = ""
        self._invite: SipMessage | None = None
        self._auth: tuple[str, str] | None = None
        self._auth_used = False
        self._a_interval = setup.t1
        self._retx_interval = setup.t1
        self._dialog = _Dialog()
        self._ack: SipMessage | None = None
        self._cancel: SipMessage | None = None
        self._bye: SipMessage | None = None
        self._pending: CallOutcome | None = None
        self.outcome: CallOutcome | None = None
        self._started = 0.0
        self._ringing: float | None = None
        self._answered: float | None = None

    # ---- events -------------------------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        self._started = now
        self._invite = self._build_invite()
        return [
            Send(self._invite),
            StartTimer("invite", self.setup.t1),
            StartTimer("invite_timeout", 64 * self.setup.t1),
            StartTimer("ring", self.setup.max_ringing),
        ]

    def receive(self, message: SipMessage, now: float) -> list[Action]:
        if message.is_request:
            return self._request(message, now)
        number, method = message.cseq
        status = message.status or 0
        if method == "INVITE" and number == self._invite_cseq:
            return self._invite_response(message, status, now)
        if method == "CANCEL" and status >= 200:
            return [StopTimer("cancel")]
        if method == "BYE" and status >= 200 and self.state is State.TERMINATING:
            return self._finish_pending(now)
        return []

    def timer(self, name: str, now: float) -> list[Action]:
        if name == "invite" and self.state is State.CALLING and self._invite is not None:
            self._a_interval *= 2
            return [Send(self._invite), StartTimer("invite", self._a_interval)]
        if name in ("invite_timeout", "ring") and self.state is State.CALLING:
            code = termination.NO_RESPONSE
            return self._finish(CallOutcome(code, "No response from the trunk", None, False, now, failover=True), now)
        if name == "ring" and self.state is State.PROCEEDING:
            outcome = CallOutcome(termination.NO_ANSWER, termination.NO_ANSWER_REASON, None, False, now)
            return self._send_cancel(outcome)
        if name == "cancel" and self.state is State.CANCELLING and self._cancel is not None:
            return self._retransmit("cancel", self._cancel)
        if name == "cancel_timeout" and self.state is State.CANCELLING:
            return self._finish_pending(now)
        if name == "max_duration" and self.state is State.CONFIRMED:
            return self.hangup(termination.MAX_DURATION, now)
        if name == "bye" and self.state is State.TERMINATING and self._bye is not None:
            return self._retransmit("bye", self._bye)
        if name == "bye_timeout" and self.state is State.TERMINATING:
            return self._finish_pending(now)
        return []

    def hangup(self, reason: str, now: float) -> list[Action]:
        """End the call from our side: BYE when answered, CANCEL while ringing, give up before any answer."""
        if self.state is State.CONFIRMED:
            assert self._answered is not None
            outcome = CallOutcome(200, reason, 200, True, self._started, self._ringing, self._answered, now)
            return self._send_bye(outcome)
        if self.state is State.PROCEEDING:
            return self._send_cancel(CallOutcome(487, reason, None, False, now))
        if self.state is State.CALLING:
            return self._finish(CallOutcome(487, reason, None, False, now), now)
        return []

    def abandon(self, now: float) -> list[Action]:
        """Stop waiting for a far end known to be gone (its media stopped): a BYE already sent is not
        retransmitted and the call ends now with the outcome the BYE carried."""
        if self.state is State.TERMINATING and self._bye is not None:
            return self._finish_pending(now)
        return []

    @property
    def finished(self) -> bool:
        return self.state is State.TERMINATED

    # ---- responses to our INVITE --------------------------------------------------------------------

    def _invite_response(self, message: SipMessage, status: int, now: float) -> list[Action]:
        if status < 200:
            return self._provisional(message, status, now)
        if status < 300:
            return self._success(message, now)
        if self.state in (State.TERMINATED, State.CONFIRMED, State.TERMINATING):
            return [Send(self._ack)] if self._ack is not None and status >= 300 else []
        actions: list[Action] = [Send(self._failure_ack(message)), StopTimer("invite"), StopTimer("invite_timeout")]
        if status in (401, 407) and self.state is not State.CANCELLING:
            retry = self._authenticate(message, status)
            if retry is not None:
                return actions + retry
        if self.state is State.CANCELLING and self._pending is not None:
            pending = self._pending
            if status == 487:
                return actions + self._finish(replace(pending, sip_code=487, ringing_at=self._ringing), now)
        code, reason = status, termination.reason_for(status)
        failover = status in termination.FAILOVER and self._ringing is None
        outcome = CallOutcome(code, reason, status, False, self._started, self._ringing, None, now, failover)
        return actions + self._finish(outcome, now)

    def _provisional(self, message: SipMessage, status: int, now: float) -> list[Action]:
        if self.state is not State.CALLING and self.state is not State.PROCEEDING:
            return []
        actions: list[Action] = []
        if self.state is State.CALLING:
            self.state = State.PROCEEDING
            actions += [StopTimer("invite"), StopTimer("invite_timeout")]
        if status in (180, 183) and self._ringing is None:
            self._ringing = now
        tag = param(message.get("to") or "", "tag")
        if tag:
            self._dialog.remote_tag = tag
        return actions

    def _success(self, message: SipMessage, now: float) -> list[Action]:
        if self.state in (State.CONFIRMED, State.TERMINATING, State.TERMINATED):
            return [Send(self._ack)] if self._ack is not None else []  # a retransmitted 2xx: ACK again
        self._dialog = _Dialog(
            remote_tag=param(message.get("to") or "", "tag"),
            target=uri_of(message.get("contact") or "") or self.setup.request_uri,
            routes=list(reversed(message.all("record-route"))),
        )
        self._ack = self._ack_2xx()
        actions: list[Action] = [Send(self._ack), *self._stop(INVITE_TIMERS)]
        if self.state is State.CANCELLING:  # answered as we gave up: hang up at once, not answered for us
            self.state = State.CONFIRMED
            self._answered = now
            pending = self._pending or CallOutcome(480, termination.NO_ANSWER_REASON, None, False, now)
            late = replace(pending, reason=f"{pending.reason} (answered after the ringing limit)", sip_code=200)
            return actions + [StopTimer("cancel"), StopTimer("cancel_timeout"), *self._send_bye(late)]
        self.state = State.CONFIRMED
        self._answered = now
        try:
            media = sdp.negotiate(sdp.parse(message.body), self.setup.offered)
        except sdp.SdpError:
            outcome = CallOutcome(488, termination.reason_for(488), 200, False, self._started, self._ringing, now)
            return actions + self._send_bye(outcome)
        actions.append(StartMedia(media))
        if self.setup.max_duration is not None:
            actions.append(StartTimer("max_duration", self.setup.max_duration))
        return actions

    def _authenticate(self, message: SipMessage, status: int) -> list[Action] | None:
        header = "www-authenticate" if status == 401 else "proxy-authenticate"
        challenge = digest.parse_challenge(message.get(header) or "")
        credentials = self.setup.credentials
        if challenge is None or credentials is None or (self._auth_used and not challenge.stale):
            return None
        value = digest.authorization(
            challenge,
            method="INVITE",
            uri=self.setup.request_uri,
            username=credentials.username,
            password=credentials.password,
            cnonce=self._new_id()[:16],
        )
        self._auth = ("authorization" if status == 401 else "proxy-authorization", value)
        self._auth_used = True
        self._cseq += 1
        self._invite_cseq = self._cseq
        self._a_interval = self.setup.t1
        self._invite = self._build_invite()
        self.state = State.CALLING
        return [
            Send(self._invite),
            StartTimer("invite", self.setup.t1),
            StartTimer("invite_timeout", 64 * self.setup.t1),
        ]

    # ---- requests from the callee -------------------------------------------------------------------

    def _request(self, message: SipMessage, now: float) -> list[Action]:
        method = message.method
        in_dialog = self.state in (State.CONFIRMED, State.TERMINATING)
        if method == "ACK":
            return []
        if not in_dialog:
            return [Send(response(message, 481, "Call/Transaction Does Not Exist"))]
        if method == "BYE":
            actions: list[Action] = [Send(response(message, 200, "OK")), StopMedia()]
            if self.state is State.TERMINATING:
                return actions + self._finish_pending(now)
            assert self._answered is not None
            reason = termination.CALLEE_HUNG_UP
            outcome = CallOutcome(200, reason, 200, True, self._started, self._ringing, self._answered, now)
            return actions + self._finish(outcome, now)
        if method == "INFO":
            digit = info_digit(message)
            replies: list[Action] = [Send(response(message, 200, "OK"))]
            return replies + ([Digit(digit)] if digit else [])
        if method == "INVITE":  # a re-INVITE (session refresh): keep the session as it is
            answer = response(message, 200, "OK").add("contact", f"<{self.setup.contact}>")
            answer.add("content-type", "application/sdp")
            answer.body = self.setup.offer
            return [Send(answer)]
        if method in ("OPTIONS", "UPDATE"):
            return [Send(response(message, 200, "OK"))]
        return [Send(response(message, 405, "Method Not Allowed").add("allow", "ACK, BYE, CANCEL, INFO, OPTIONS"))]

    # ---- building our requests ----------------------------------------------------------------------

    def _request_base(self, method: str, uri: str, cseq: int, branch: str, to: str) -> SipMessage:
        message = SipMessage(method=method, uri=uri)
        message.add("via", f"SIP/2.0/{self.setup.transport} {self.setup.via_host};branch={branch};rport")
        message.add("max-forwards", "70")
        message.add("from", f"<{self.setup.from_uri}>;tag={self.setup.from_tag}")
        message.add("to", to)
        message.add("call-id", self.setup.call_id)
        message.add("cseq", f"{cseq} {method}")
        return message

    def _to(self) -> str:
        to = f"<{self.setup.request_uri}>"
        return f"{to};tag={self._dialog.remote_tag}" if self._dialog.remote_tag else to

    def _build_invite(self) -> SipMessage:
        self._branch = "z9hG4bK" + self._new_id()
        invite = self._request_base(
            "INVITE", self.setup.request_uri, self._invite_cseq, self._branch, f"<{self.setup.request_uri}>"
        )
        invite.add("contact", f"<{self.setup.contact}>")
        invite.add("allow", "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS")
        invite.add("user-agent", self.setup.user_agent)
        if self._auth is not None:
            invite.add(*self._auth)
        invite.add("content-type", "application/sdp")
        invite.body = self.setup.offer
        return invite

    def _failure_ack(self, failure: SipMessage) -> SipMessage:
        """The ACK of a non-2xx final response: part of the INVITE transaction (same branch)."""
        ack = self._request_base(
            "ACK", self.setup.request_uri, self._invite_cseq, self._branch, failure.get("to") or ""
        )
        self._ack = ack
        return ack

    def _in_dialog(self, method: str, cseq: int) -> SipMessage:
        target = self._dialog.target or self.setup.request_uri
        message = self._request_base(method, target, cseq, "z9hG4bK" + self._new_id(), self._to())
        for route in self._dialog.routes:
            message.add("route", route)
        return message

    def _ack_2xx(self) -> SipMessage:
        return self._in_dialog("ACK", self._invite_cseq)

    def _send_bye(self, outcome: CallOutcome) -> list[Action]:
        self._cseq += 1
        self._bye = self._in_dialog("BYE", self._cseq)
        self._pending = outcome
        self.state = State.TERMINATING
        self._retx_interval = self.setup.t1
        return [
            StopMedia(),
            StopTimer("max_duration"),
            Send(self._bye),
            StartTimer("bye", self.setup.t1),
            StartTimer("bye_timeout", 64 * self.setup.t1),
        ]

    def _send_cancel(self, outcome: CallOutcome) -> list[Action]:
        assert self._invite is not None
        cancel = self._request_base(
            "CANCEL", self.setup.request_uri, self._invite_cseq, self._branch, f"<{self.setup.request_uri}>"
        )
        self._cancel = cancel
        self._pending = outcome
        self.state = State.CANCELLING
        self._retx_interval = self.setup.t1
        return [
            StopTimer("ring"),
            Send(cancel),
            StartTimer("cancel", self.setup.t1),
            StartTimer("cancel_timeout", 64 * self.setup.t1),
        ]

    def _retransmit(self, name: str, message: SipMessage) -> list[Action]:
        self._retx_interval = min(self._retx_interval * 2, self.setup.t2)
        return [Send(message), StartTimer(name, self._retx_interval)]

    # ---- ending -------------------------------------------------------------------------------------

    @staticmethod
    def _stop(names: tuple[str, ...]) -> list[Action]:
        return [StopTimer(n) for n in names]

    def _finish_pending(self, now: float) -> list[Action]:
        pending = self._pending or CallOutcome(487, "Ended", None, False, self._started)
        return self._finish(pending, now)

    def _finish(self, outcome: CallOutcome, now: float) -> list[Action]:
        if self.state is State.TERMINATED:
            return []
        self.state = State.TERMINATED
        answered = outcome.answered
        ended = outcome.ended_at if answered else (outcome.ended_at or now)
        self.outcome = replace(
            outcome,
            started_at=self._started,
            ringing_at=self._ringing,
            answered_at=self._answered if answered else None,
            ended_at=ended,
        )
        names = ("invite", "invite_timeout", "ring", "cancel", "cancel_timeout", "max_duration", "bye", "bye_timeout")
        return [*self._stop(names), StopMedia(), Finished(self.outcome)]


def info_digit(message: SipMessage) -> str | None:
    """The key of a SIP INFO (``application/dtmf-relay`` ``Signal=5`` or ``application/dtmf`` ``5``)."""
    kind = (message.get("content-type") or "").split(";")[0].strip().lower()
    text = message.body.decode("utf-8", "replace")
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                value = value.strip()
                return value if len(value) == 1 and value in "0123456789*#ABCD" else None
        return None
    if kind == "application/dtmf":
        value = text.strip()
        return value if len(value) == 1 and value in "0123456789*#ABCD" else None
    return None
