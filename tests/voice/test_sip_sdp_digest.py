"""SIP message parsing and building, SDP offer/answer, digest authentication (pure)."""

from __future__ import annotations

import pytest

from switchboard.domain.voice import digest, sdp
from switchboard.domain.voice.sip import (
    SipMessage,
    SipParseError,
    param,
    parse,
    response,
    split_values,
    uri_of,
    user_of,
)

INVITE = (
    b"INVITE sip:919876543210@10.0.0.1:5060 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKabc;rport, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKdef\r\n"
    b'f: "Switch, Board" <sip:123@10.0.0.2>;tag=aa\r\n'
    b"t: <sip:919876543210@10.0.0.1>\r\n"
    b"i: call-1@10.0.0.2\r\n"
    b"CSeq: 7 INVITE\r\n"
    b"Subject: a folded\r\n  header\r\n"
    b"c: application/sdp\r\n"
    b"l: 4\r\n\r\n"
    b"v=0\r\nextra bytes after the body"
)


def test_a_request_with_compact_headers_is_parsed() -> None:
    message = parse(INVITE)
    assert message.is_request and message.method == "INVITE"
    assert message.uri == "sip:919876543210@10.0.0.1:5060"
    assert message.call_id == "call-1@10.0.0.2"
    assert message.cseq == (7, "INVITE")
    assert len(message.all("via")) == 2
    assert message.get("subject") == "a folded header"
    assert message.body == b"v=0\r"
    assert param(message.get("from") or "", "tag") == "aa"
    assert uri_of(message.get("from") or "") == "sip:123@10.0.0.2"
    assert user_of(message.uri or "") == "919876543210"


def test_a_response_copies_the_request_and_round_trips() -> None:
    request = parse(INVITE)
    answer = response(request, 180, "Ringing", to_tag="xyz")
    again = parse(answer.encode())
    assert again.status == 180 and again.reason == "Ringing"
    assert again.all("via") == request.all("via")
    assert param(again.get("to") or "", "tag") == "xyz"
    assert again.cseq == (7, "INVITE") and again.get("content-length") == "0"


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n",
        b"INVITE sip:a SIP/2.0\r\nbroken\r\n\r\n",
        b"\xff\xfe\r\n\r\n",
    ],
)
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse(data)


def test_a_content_length_beyond_the_datagram_is_refused() -> None:
    with pytest.raises(SipParseError):
        parse(INVITE.replace(b"l: 4", b"l: 999"))


def test_split_values_respects_quotes_and_brackets() -> None:
    assert split_values('"a, b" <sip:x@y;p=1,2>, <sip:z>') == ['"a, b" <sip:x@y;p=1,2>', "<sip:z>"]


def test_encoding_sets_the_content_length() -> None:
    message = SipMessage(method="BYE", uri="sip:a@b").add("call-id", "1").add("content-length", "99")
    message.body = b"hello"
    assert b"Content-Length: 5\r\n\r\nhello" in message.encode()
    assert message.encode().count(b"Content-Length") == 1


OFFER = sdp.offer("127.0.0.1", 40000, session_id=1)


def test_our_offer_lists_pcmu_pcma_and_telephone_event() -> None:
    session = sdp.parse(OFFER)
    assert (session.address, session.port, session.payloads) == ("127.0.0.1", 40000, [0, 8, 101])
    assert session.dtmf_pt == 101
    assert session.encoding(8) == "PCMA/8000"


def test_an_answer_picks_the_first_offered_codec_we_support() -> None:
    remote = sdp.parse(
        b"v=0\r\nc=IN IP4 10.1.1.1\r\nm=audio 5000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n"
    )
    answer = sdp.parse(sdp.answer(remote, "127.0.0.1", 6000, session_id=2, supported=(0, 8)))
    assert answer.payloads == [8, 96]
    negotiated = sdp.negotiate(remote)
    assert negotiated == sdp.Negotiated(payload_type=8, dtmf_pt=96, remote=("10.1.1.1", 5000))


def test_media_level_connection_wins_and_unusable_answers_are_refused() -> None:
    body = b"v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 2.2.2.2\r\n"
    assert sdp.parse(body).address == "2.2.2.2"
    with pytest.raises(sdp.SdpError):
        sdp.negotiate(sdp.parse(b"v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5000 RTP/AVP 18\r\n"))
    with pytest.raises(sdp.SdpError):
        sdp.negotiate(sdp.parse(b"v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 0 RTP/AVP 0\r\n"))
    with pytest.raises(sdp.SdpError):
        sdp.parse(b"v=0\r\nm=video 5000 RTP/AVP 96\r\n")


@pytest.mark.parametrize(
    "connection",
    [
        pytest.param("c=IN IP4 127.0.0.1\r\nm=audio 99999 RTP/AVP 0", id="port-over-65535"),
        pytest.param("c=IN IP4 999.1.1.1\r\nm=audio 5000 RTP/AVP 0", id="not-an-address"),
        pytest.param("c=IN IP4 media.example.com\r\nm=audio 5000 RTP/AVP 0", id="a-name"),
    ],
)
def test_a_media_address_the_relay_cannot_send_to_is_refused(connection: str) -> None:
    """Found by tests/voice/test_invite_fuzz.py: these were accepted, and the relay's sendto then raised on every
    packet (OverflowError) or resolved a name while the event loop waited."""
    with pytest.raises(sdp.SdpError):
        sdp.parse(f"v=0\r\n{connection}\r\n".encode())


def test_digest_matches_the_rfc_2617_example() -> None:
    challenge = digest.parse_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    assert challenge is not None and challenge.qop == ("auth", "auth-int")
    value = digest.authorization(
        challenge, method="GET", uri="/dir/index.html", username="Mufasa", password="Circle Of Life", cnonce="0a4f113b"
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in value and "nc=00000001" in value
    assert digest.verify(value, method="GET", password="Circle Of Life")
    assert not digest.verify(value, method="GET", password="wrong")


def test_digest_without_qop_and_with_sha256() -> None:
    challenge = digest.parse_challenge('Digest realm="r", nonce="n", algorithm=SHA-256, stale=TRUE')
    assert challenge is not None and challenge.stale and challenge.algorithm == "SHA-256"
    value = digest.authorization(challenge, method="INVITE", uri="sip:1@h", username="u", password="p", cnonce="c")
    assert "qop" not in value and digest.verify(value, method="INVITE", password="p")
    assert digest.parse_challenge('Basic realm="x"') is None
    assert digest.parse_challenge('Digest realm="x", nonce="y", algorithm=MD4') is None
