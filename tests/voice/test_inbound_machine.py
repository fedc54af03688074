"""The incoming-call (UAS) state machine, driven by hand: the responses it sends, its timers and outcomes."""

from __future__ import annotations

import itertools

import pytest

from switchboard.domain.voice import termination
from switchboard.domain.voice.call import Action, Finished, Send, StartTimer, StopTimer
from switchboard.domain.voice.inbound import CALLER_CANCELLED, CALLER_HUNG_UP, InboundCall, State, UasSetup, caller_of
from switchboard.domain.voice.sip import SipMessage, parse

INVITE = (
    b"INVITE sip:442071838750@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKa1\r\n"
    b"From: <sip:919876543210@10.0.0.9>;tag=ft\r\nTo: <sip:442071838750@10.0.0.2>\r\nCall-ID: in1\r\n"
    b"CSeq: 7 INVITE\r\nContact: <sip:919876543210@10.0.0.9:5060>\r\nContent-Length: 0\r\n\r\n"
)


def request(method: str, cseq: int, *, tag: bool = True) -> SipMessage:
    to = "<sip:442071838750@10.0.0.2>" + (";tag=TT" if tag else "")
    return parse(
        f"{method} sip:switchboard@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK{method}\r\n"
        f"From: <sip:919876543210@10.0.0.9>;tag=ft\r\nTo: {to}\r\nCall-ID: in1\r\nCSeq: {cseq} {method}\r\n"
        "Content-Length: 0\r\n\r\n".encode()
    )


def machine() -> InboundCall:
    ids = (f"id{n}" for n in itertools.count())
    setup = UasSetup(contact="sip:switchboard@10.0.0.2:5060", via_host="10.0.0.2:5060")
    return InboundCall(parse(INVITE), setup, lambda: next(ids), now=0.0)


def sent(actions: list[Action]) -> list[SipMessage]:
    return [a.message for a in actions if isinstance(a, Send)]


def finished(actions: list[Action]) -> Finished | None:
    return next((a for a in actions if isinstance(a, Finished)), None)


def test_the_caller_of_an_invite_is_its_from_user() -> None:
    assert caller_of(parse(INVITE)) == "919876543210"


def test_ringing_then_answer_is_retransmitted_until_the_ack() -> None:
    call = machine()
    assert [m.status for m in sent(call.trying() + call.ring(1.0))] == [100, 180]
    actions = call.answer(b"v=0\r\n", 2.0)
    (ok,) = sent(actions)
    assert ok.status == 200 and ok.body == b"v=0\r\n" and ok.get("contact") == "<sip:switchboard@10.0.0.2:5060>"
    assert StartTimer("answer", 0.5) in actions
    again = call.timer("answer", 2.5)
    assert sent(again) == [ok] and StartTimer("answer", 1.0) in again
    assert call.receive(request("ACK", 7), 3.0) == [StopTimer("answer"), StopTimer("answer_timeout")]
    assert call.state is State.CONFIRMED


def test_a_retransmitted_invite_gets_the_last_response_again() -> None:
    call = machine()
    (ringing,) = sent(call.ring(1.0))
    assert sent(call.receive(parse(INVITE), 1.5)) == [ringing]


def test_cancel_while_ringing_answers_200_then_487() -> None:
    call = machine()
    call.ring(1.0)
    actions = call.receive(request("CANCEL", 7, tag=False), 2.0)
    assert [m.status for m in sent(actions)] == [200, 487]
    done = finished(actions)
    assert done is not None and done.outcome.reason == CALLER_CANCELLED and not done.outcome.answered


def test_bye_from_the_caller_ends_an_answered_call() -> None:
    call = machine()
    call.answer(b"v=0\r\n", 2.0)
    call.receive(request("ACK", 7), 2.1)
    actions = call.receive(request("BYE", 8), 9.0)
    assert [m.status for m in sent(actions)] == [200]
    done = finished(actions)
    assert done is not None and done.outcome.answered and done.outcome.reason == CALLER_HUNG_UP
    assert (done.outcome.answered_at, done.outcome.ended_at) == (2.0, 9.0)


def test_our_hangup_sends_a_bye_in_the_dialog_and_ends_on_its_200() -> None:
    call = machine()
    call.answer(b"v=0\r\n", 2.0)
    call.receive(request("ACK", 7), 2.1)
    (bye,) = sent(call.hangup("Phone hung up", 5.0))
    assert bye.method == "BYE" and bye.uri == "sip:919876543210@10.0.0.9:5060"
    assert bye.get("to") == "<sip:919876543210@10.0.0.9>;tag=ft" and f"tag={call.to_tag}" in (bye.get("from") or "")
    ok = parse(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2:5060\r\nFrom: x\r\nTo: y\r\nCall-ID: in1\r\n"
        b"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
    )
    done = finished(call.receive(ok, 5.2))
    assert done is not None and done.outcome.reason == "Phone hung up" and done.outcome.ended_at == 5.0


@pytest.mark.parametrize(
    ("code", "reason"), [pytest.param(480, "No answer", id="no-answer"), pytest.param(486, "Busy", id="busy")]
)
def test_reject_sends_the_final_code_and_finishes(code: int, reason: str) -> None:
    call = machine()
    actions = call.reject(code, reason, 3.0)
    assert [m.status for m in sent(actions)] == [code]
    done = finished(actions)
    assert done is not None and (done.outcome.code, done.outcome.reason) == (code, reason)
    assert call.answer(b"v=0\r\n", 4.0) == []  # too late


def test_no_ack_within_64_t1_hangs_up() -> None:
    call = machine()
    call.answer(b"v=0\r\n", 2.0)
    (bye,) = sent(call.timer("answer_timeout", 34.0))
    assert bye.method == "BYE" and call.state is State.TERMINATING
    done = finished(call.timer("bye_timeout", 70.0))
    assert done is not None and done.outcome.reason == "No ACK from the caller"


def test_requests_outside_the_dialog_get_481_and_confirmed_ones_200() -> None:
    call = machine()
    assert [m.status for m in sent(call.receive(request("BYE", 8), 1.0))] == [481]
    call.answer(b"v=0\r\n", 2.0)
    call.receive(request("ACK", 7), 2.1)
    assert [m.status for m in sent(call.receive(request("INFO", 9), 3.0))] == [200]
    (refreshed,) = sent(call.receive(request("INVITE", 10), 4.0))  # a re-INVITE (hold): the same media
    assert refreshed.status == 200 and refreshed.body == b"v=0\r\n" and refreshed.get("contact")
    assert termination.reason_for(487) == "Request terminated"
