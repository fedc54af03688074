"""The outbound call state machine, driven by hand: every action it asks for, no sockets."""

from __future__ import annotations

import itertools

from switchboard.domain.voice import sdp, termination
from switchboard.domain.voice.call import (
    Action,
    CallSetup,
    Credentials,
    Digit,
    Finished,
    OutboundCall,
    Send,
    StartMedia,
    StartTimer,
    State,
    StopMedia,
    StopTimer,
)
from switchboard.domain.voice.sip import SipMessage, param, parse, response

ANSWER_SDP = b"v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 7000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"


def machine(**overrides: object) -> OutboundCall:
    values: dict[str, object] = {
        "call_id": "c1@here",
        "from_tag": "ft",
        "request_uri": "sip:919876543210@10.0.0.1:5060",
        "from_uri": "sip:123@10.0.0.2",
        "contact": "sip:switchboard@10.0.0.2:5070",
        "via_host": "10.0.0.2:5070",
        "offer": sdp.offer("10.0.0.2", 40000, session_id=1),
        "max_ringing": 30.0,
    }
    values.update(overrides)
    ids = (f"id{n}" for n in itertools.count())
    return OutboundCall(CallSetup(**values), lambda: next(ids))  # type: ignore[arg-type]


def sent(actions: list[Action]) -> list[SipMessage]:
    return [parse(a.message.encode()) for a in actions if isinstance(a, Send)]


def timers(actions: list[Action]) -> dict[str, float]:
    return {a.name: a.delay for a in actions if isinstance(a, StartTimer)}


def reply(request: SipMessage, status: int, *, tag: str | None = "rt", body: bytes = b"", **headers: str) -> SipMessage:
    message = response(request, status, "X", to_tag=tag)
    for name, value in headers.items():
        message.add(name.replace("_", "-"), value)
    if body:
        message.add("content-type", "application/sdp")
        message.body = body
    return parse(message.encode())


def answered(call: OutboundCall) -> SipMessage:
    invite = sent(call.start(0.0))[0]
    call.receive(reply(invite, 180), 1.0)
    actions = call.receive(reply(invite, 200, body=ANSWER_SDP, contact="<sip:callee@10.0.0.9:5080>"), 3.0)
    ack = sent(actions)[0]
    assert ack.method == "ACK" and ack.uri == "sip:callee@10.0.0.9:5080"
    assert param(ack.get("to") or "", "tag") == "rt" and ack.cseq == (1, "ACK")
    media = [a for a in actions if isinstance(a, StartMedia)]
    assert media and media[0].media == sdp.Negotiated(8, 101, ("10.0.0.9", 7000))
    return invite


def test_start_sends_an_invite_with_our_offer_and_arms_the_timers() -> None:
    call = machine()
    actions = call.start(0.0)
    (invite,) = sent(actions)
    assert invite.method == "INVITE" and invite.cseq == (1, "INVITE")
    assert invite.get("content-type") == "application/sdp" and b"m=audio 40000 RTP/AVP 0 8 101" in invite.body
    assert (param(invite.all("via")[0], "branch") or "").startswith("z9hG4bK")
    assert timers(actions) == {"invite": 0.5, "invite_timeout": 32.0, "ring": 30.0}


def test_the_invite_is_retransmitted_with_doubling_until_a_response() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    first = call.timer("invite", 0.5)
    assert sent(first)[0].encode() == invite.encode() and timers(first) == {"invite": 1.0}
    assert timers(call.timer("invite", 1.5)) == {"invite": 2.0}
    stops = call.receive(reply(invite, 100, tag=None), 2.0)
    assert StopTimer("invite") in stops and call.state is State.PROCEEDING
    assert call.timer("invite", 3.5) == []


def test_no_response_at_all_ends_with_408_and_allows_failover() -> None:
    call = machine()
    call.start(0.0)
    finished = [a for a in call.timer("invite_timeout", 32.0) if isinstance(a, Finished)]
    outcome = finished[0].outcome
    assert (outcome.code, outcome.answered, outcome.failover) == (termination.NO_RESPONSE, False, True)


def test_an_answered_call_is_hung_up_with_bye_after_the_playback() -> None:
    call = machine()
    answered(call)
    actions = call.hangup(termination.COMPLETED, 13.0)
    (bye,) = sent(actions)
    assert bye.method == "BYE" and bye.cseq == (2, "BYE") and bye.uri == "sip:callee@10.0.0.9:5080"
    assert StopMedia() in actions and call.state is State.TERMINATING
    done = call.receive(reply(bye, 200), 13.1)
    outcome = [a for a in done if isinstance(a, Finished)][0].outcome
    assert outcome.answered and outcome.code == 200 and outcome.reason == termination.COMPLETED
    assert (outcome.started_at, outcome.ringing_at, outcome.answered_at, outcome.ended_at) == (0.0, 1.0, 3.0, 13.0)


def test_a_retransmitted_200_is_acknowledged_again() -> None:
    call = machine()
    invite = answered(call)
    again = sent(call.receive(reply(invite, 200, body=ANSWER_SDP, contact="<sip:callee@10.0.0.9:5080>"), 3.5))
    assert [m.method for m in again] == ["ACK"]


def test_bye_retransmits_and_gives_up_after_timer_f() -> None:
    call = machine()
    answered(call)
    call.hangup(termination.COMPLETED, 10.0)
    assert timers(call.timer("bye", 10.5)) == {"bye": 1.0}
    assert timers(call.timer("bye", 11.5)) == {"bye": 2.0}
    assert [a for a in call.timer("bye_timeout", 42.0) if isinstance(a, Finished)][0].outcome.answered


def test_an_abandoned_bye_ends_the_call_at_once_and_is_not_retransmitted() -> None:
    call = machine()
    answered(call)
    assert call.abandon(9.0) == []  # nothing to abandon while the call is up
    call.hangup("RTP timeout", 10.0)
    actions = call.abandon(10.2)
    outcome = [a for a in actions if isinstance(a, Finished)][0].outcome
    assert outcome.answered and outcome.reason == "RTP timeout" and outcome.ended_at == 10.0
    assert {a.name for a in actions if isinstance(a, StopTimer)} >= {"bye", "bye_timeout"}
    assert call.state is State.TERMINATED and call.timer("bye", 10.5) == []


def test_max_duration_hangs_up() -> None:
    call = machine(max_duration=5.0)
    invite = sent(call.start(0.0))[0]
    actions = call.receive(reply(invite, 200, body=ANSWER_SDP, contact="<sip:c@10.0.0.9>"), 2.0)
    assert timers(actions)["max_duration"] == 5.0
    (bye,) = sent(call.timer("max_duration", 7.0))
    assert bye.method == "BYE"
    outcome = [a for a in call.receive(reply(bye, 200), 7.1) if isinstance(a, Finished)][0].outcome
    assert outcome.reason == termination.MAX_DURATION and outcome.ended_at == 7.0


def test_the_callee_hanging_up_ends_the_call() -> None:
    call = machine()
    invite = answered(call)
    bye = SipMessage(method="BYE", uri="sip:switchboard@10.0.0.2:5070")
    for name in ("via", "from", "to", "call-id"):
        bye.add(name, (invite.get(name) or "") if name != "via" else "SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKx")
    bye.add("cseq", "1 BYE")
    actions = call.receive(parse(bye.encode()), 6.0)
    assert sent(actions)[0].status == 200
    outcome = [a for a in actions if isinstance(a, Finished)][0].outcome
    assert outcome.answered and outcome.reason == termination.CALLEE_HUNG_UP and outcome.ended_at == 6.0


def test_a_sip_info_key_press_is_reported() -> None:
    call = machine()
    invite = answered(call)
    info = SipMessage(method="INFO", uri="sip:switchboard@10.0.0.2:5070")
    for name in ("from", "to", "call-id"):
        info.add(name, invite.get(name) or "")
    info.add("via", "SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKi").add("cseq", "2 INFO")
    info.add("content-type", "application/dtmf-relay")
    info.body = b"Signal=7\r\nDuration=160\r\n"
    actions = call.receive(parse(info.encode()), 5.0)
    assert Digit("7") in actions and sent(actions)[0].status == 200


def test_ringing_past_the_limit_is_cancelled_and_ends_as_no_answer() -> None:
    call = machine(max_ringing=20.0)
    invite = sent(call.start(0.0))[0]
    call.receive(reply(invite, 180), 1.0)
    (cancel,) = sent(call.timer("ring", 20.0))
    assert cancel.method == "CANCEL" and cancel.cseq == (1, "CANCEL")
    assert param(cancel.all("via")[0], "branch") == param(invite.all("via")[0], "branch")
    assert call.receive(reply(cancel, 200), 20.1) == [StopTimer("cancel")]
    actions = call.receive(reply(invite, 487), 20.2)
    ack = sent(actions)[0]
    assert ack.method == "ACK" and param(ack.all("via")[0], "branch") == param(invite.all("via")[0], "branch")
    outcome = [a for a in actions if isinstance(a, Finished)][0].outcome
    assert (outcome.code, outcome.sip_code, outcome.answered, outcome.ringing_at) == (480, 487, False, 1.0)


def test_an_answer_racing_the_cancel_is_hung_up_and_not_answered() -> None:
    call = machine(max_ringing=20.0)
    invite = sent(call.start(0.0))[0]
    call.receive(reply(invite, 180), 1.0)
    call.timer("ring", 20.0)
    actions = call.receive(reply(invite, 200, body=ANSWER_SDP, contact="<sip:c@10.0.0.9>"), 20.05)
    assert [m.method for m in sent(actions)] == ["ACK", "BYE"]
    bye = sent(actions)[1]
    outcome = [a for a in call.receive(reply(bye, 200), 20.1) if isinstance(a, Finished)][0].outcome
    assert not outcome.answered and outcome.code == 480


def test_busy_is_acknowledged_and_reported() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    call.receive(reply(invite, 180), 0.5)
    actions = call.receive(reply(invite, 486), 2.0)
    assert sent(actions)[0].method == "ACK"
    outcome = [a for a in actions if isinstance(a, Finished)][0].outcome
    assert (outcome.code, outcome.reason, outcome.failover) == (486, "Busy", False)
    assert [m.method for m in sent(call.receive(reply(invite, 486), 2.5))] == ["ACK"]  # a retransmission


def test_503_before_any_ringing_allows_failover() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    outcome = [a for a in call.receive(reply(invite, 503), 0.1) if isinstance(a, Finished)][0].outcome
    assert outcome.failover and outcome.code == 503


def test_a_401_is_answered_once_with_credentials() -> None:
    call = machine(credentials=Credentials("alice", "secret"))
    invite = sent(call.start(0.0))[0]
    challenge = 'Digest realm="trunk", nonce="abc", qop="auth"'
    actions = call.receive(reply(invite, 401, www_authenticate=challenge), 0.1)
    ack, again = sent(actions)
    assert ack.method == "ACK" and again.method == "INVITE" and again.cseq == (2, "INVITE")
    assert 'username="alice"' in (again.get("authorization") or "")
    assert param(again.all("via")[0], "branch") != param(invite.all("via")[0], "branch")
    refused = call.receive(reply(again, 401, www_authenticate=challenge), 0.2)
    outcome = [a for a in refused if isinstance(a, Finished)][0].outcome
    assert outcome.code == 401 and outcome.reason == "Trunk authentication failed"


def test_a_407_uses_proxy_authorization_and_a_stale_nonce_is_retried() -> None:
    call = machine(credentials=Credentials("bob", "pw"))
    invite = sent(call.start(0.0))[0]
    again = sent(call.receive(reply(invite, 407, proxy_authenticate='Digest realm="p", nonce="1"'), 0.1))[1]
    assert again.get("proxy-authorization") is not None
    third = sent(call.receive(reply(again, 407, proxy_authenticate='Digest realm="p", nonce="2", stale=true'), 0.2))
    assert third[1].cseq == (3, "INVITE")


def test_a_401_without_credentials_fails() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    outcome = [
        a
        for a in call.receive(reply(invite, 401, www_authenticate='Digest realm="r", nonce="n"'), 0.1)
        if isinstance(a, Finished)
    ]
    assert outcome[0].outcome.code == 401


def test_an_answer_without_a_common_codec_is_hung_up_as_488() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    body = b"v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5000 RTP/AVP 18\r\n"
    actions = call.receive(reply(invite, 200, body=body, contact="<sip:c@1.1.1.1>"), 1.0)
    assert [m.method for m in sent(actions)] == ["ACK", "BYE"]
    outcome = [a for a in call.receive(reply(sent(actions)[1], 200), 1.1) if isinstance(a, Finished)][0].outcome
    assert outcome.code == 488 and not outcome.answered


def test_shutdown_cancels_while_ringing_and_gives_up_before_any_response() -> None:
    ringing = machine()
    invite = sent(ringing.start(0.0))[0]
    ringing.receive(reply(invite, 183), 0.3)
    assert sent(ringing.hangup(termination.SHUTDOWN, 1.0))[0].method == "CANCEL"
    outcome = [a for a in ringing.timer("cancel_timeout", 33.0) if isinstance(a, Finished)][0].outcome
    assert outcome.reason == termination.SHUTDOWN and not outcome.answered
    silent = machine()
    silent.start(0.0)
    assert [a for a in silent.hangup(termination.SHUTDOWN, 0.1) if isinstance(a, Finished)][0].outcome.code == 487


def test_requests_outside_the_dialog_get_481_and_record_route_is_honoured() -> None:
    call = machine()
    invite = sent(call.start(0.0))[0]
    stray = SipMessage(method="BYE", uri="sip:x")
    for name in ("from", "to", "call-id"):
        stray.add(name, invite.get(name) or "")
    stray.add("via", "SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKs").add("cseq", "9 BYE")
    assert sent(call.receive(parse(stray.encode()), 0.5))[0].status == 481
    ok = reply(invite, 200, body=ANSWER_SDP, contact="<sip:c@10.0.0.9>", record_route="<sip:p1;lr>, <sip:p2;lr>")
    ack = sent(call.receive(ok, 1.0))[0]
    assert ack.all("route") == ["<sip:p2;lr>", "<sip:p1;lr>"]
