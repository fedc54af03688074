"""The registrar's rules without sockets: nonces, credentials, contacts, the failure guard, and hostile REGISTERs
(hypothesis) that must end in a clear answer, never an exception; the memory they keep is bounded."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.connectors.voice.sip_server import Inbound
from switchboard.domain.voice import digest
from switchboard.domain.voice import registrar as rules
from switchboard.domain.voice.sip import SipMessage, SipParseError, parse
from switchboard.services.context import Services
from switchboard.services.registrar import Registrar
from tests.voice.registrar_peers import make_phones


def test_nonces_expire_are_signed_and_count_up() -> None:
    nonces = rules.Nonces(b"k" * 32, ttl=300, remember=3)
    nonce = nonces.issue(1000.0)
    assert nonces.check(nonce, 1, 1000.0) is rules.Verdict.OK
    nonces.use(nonce, 1)
    assert nonces.check(nonce, 1, 1001.0) is rules.Verdict.INVALID  # replayed count
    assert nonces.check(nonce, 2, 1001.0) is rules.Verdict.OK
    assert nonces.check(nonce, 2, 1400.0) is rules.Verdict.STALE
    assert rules.Nonces(b"x" * 32).check(nonce, 1, 1000.0) is rules.Verdict.INVALID  # another key
    assert nonces.check(nonce[:-1] + "0", 1, 1000.0) is rules.Verdict.INVALID
    for bad in ["", ".", "..", "zz.aa.bb", "é.é.é", "1" * 5000]:
        assert nonces.check(bad, None, 1000.0) is rules.Verdict.INVALID
    for _ in range(10):
        nonces.use(nonces.issue(1000.0), None)
    assert len(nonces._used) == 3  # bounded


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_expected_response_matches_a_client(algorithm: str) -> None:
    challenge = digest.Challenge(realm="r", nonce="n", algorithm=algorithm, qop=("auth",))
    header = digest.authorization(
        challenge, method="REGISTER", uri="sip:h", username="u", password="p", cnonce="c", nc=7
    )
    creds = rules.parse_credentials(header)
    assert creds is not None and creds.nc == 7 and creds.algorithm == algorithm
    assert rules.expected_response(creds, method="REGISTER", password="p") == creds.response
    assert rules.expected_response(creds, method="REGISTER", password="q") != creds.response


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        'Digest username="u", realm="r", nonce="n", uri="sip:h"',  # no response
        'Digest username="u", realm="r", nonce="n", uri="sip:h", response="x", algorithm=SHA-512',
        'Digest username="u", realm="r", nonce="n", uri="sip:h", response="x", qop=auth-int, nc=00000001, cnonce="c"',
        'Digest username="u", realm="r", nonce="n", uri="sip:h", response="x", qop=auth, nc=zz, cnonce="c"',
        'Digest username="u", realm="r", nonce="n", uri="sip:h", response="x", qop=auth, nc=00000001',
        f'Digest username="{"u" * 300}", realm="r", nonce="n", uri="sip:h", response="x"',
    ],
)
def test_malformed_credentials_are_none(header: str) -> None:
    assert rules.parse_credentials(header) is None


def register(*headers: tuple[str, str]) -> SipMessage:
    message = SipMessage(method="REGISTER", uri="sip:h")
    for name, value in [("via", "SIP/2.0/UDP h;branch=z9hG4bK1"), ("from", "<sip:u@h>;tag=1"), ("to", "<sip:u@h>")]:
        message.add(name, value)
    message.add("call-id", "c").add("cseq", "1 REGISTER")
    for name, value in headers:
        message.add(name, value)
    return message


def test_contact_changes() -> None:
    changes = rules.contact_changes(register(("contact", "<sip:a@h>;expires=90, <sip:b@h>"), ("expires", "7200")))
    assert changes == [rules.ContactChange("sip:a@h", 90), rules.ContactChange("sip:b@h", 3600)]
    assert rules.contact_changes(register(("contact", "*"), ("expires", "0"))) == [rules.ContactChange(None, 0)]
    assert rules.contact_changes(register()) == []
    for headers, status in [
        ((("contact", "*"),), 400),
        ((("contact", "*, <sip:a@h>"), ("expires", "0")), 400),
        ((("contact", "<http://a>"),), 400),
        ((("contact", "<sip:a@h>;expires=10"),), 423),
        ((("contact", "<sip:a@h>"), ("expires", "-1")), 400),
        ((("contact", "<sip:a@h>"), ("expires", "9" * 20)), 400),
        ((("contact", ", ".join(f"<sip:{i}@h>" for i in range(11))),), 403),
        ((("contact", f"<sip:{'a' * 300}@h>"),), 400),
    ]:
        with pytest.raises(rules.RegisterError) as refused:
            rules.contact_changes(register(*headers))
        assert refused.value.status == status, headers


def test_the_failure_guard_blocks_and_forgets() -> None:
    guard = rules.FailureGuard(limit=3, window=10, block=60, size=2)
    assert not guard.failed("a", 0) and not guard.failed("a", 1)
    assert guard.failed("a", 2) and guard.blocked("a", 30)
    assert not guard.blocked("a", 63)
    assert not guard.failed("b", 0) and not guard.failed("b", 20)  # outside the window: counted afresh
    for host in "cdefg":
        guard.failed(host, 0)
    assert len(guard._failures) == 2  # bounded


HEADER_NAMES = st.sampled_from(["contact", "expires", "authorization", "to", "from", "cseq", "call-id", "user-agent"])
VALUES = st.one_of(
    st.text(max_size=400),
    st.sampled_from(
        [
            "*",
            "0",
            "-5",
            "<sip:a@h>;expires=abc",
            '<sip:a@h>;expires="1"',
            'Digest username="1234567890", realm="switchboard.test", nonce="a.b.c", uri="x", response="y"',
            'Digest username="\u0000", realm="r", nonce="1.2.3", uri="x", response="y"',
            "<sip:\u202e@h>",
            "<",
            ">",
            "sip:" + "9" * 2000,
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.tuples(HEADER_NAMES, VALUES), max_size=6))
async def test_hostile_registers_get_an_answer_never_an_exception(
    services: Services, extra: list[tuple[str, str]]
) -> None:
    registrar = services.caches.get("fuzz_registrar")
    if registrar is None:
        await make_phones(services, 1, name="fuzz")
        registrar = services.caches["fuzz_registrar"] = Registrar(
            services, realm="switchboard.test", guard=rules.FailureGuard(limit=10**9)
        )
    message = register(*extra)
    try:
        message = parse(message.encode())
    except SipParseError:
        return
    answers: list[SipMessage] = []
    await registrar.handle(Inbound(message, ("127.0.0.1", 5099), "udp", answers.append))
    assert len(answers) <= 1
    for answer in answers:
        assert answer.status in (200, 400, 401, 403, 423), answer.encode()
