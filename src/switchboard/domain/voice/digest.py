"""HTTP Digest authentication for SIP (RFC 3261 22.4, RFC 2617, RFC 8760): MD5 and SHA-256, qop auth or none."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PAIR = re.compile(r'(\w+)\s*=\s*("([^"]*)"|[^,\s]+)')
ALGORITHMS = {"MD5": "md5", "SHA-256": "sha256"}


@dataclass(frozen=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False


def parse_challenge(value: str) -> Challenge | None:
    """A ``Digest`` challenge from WWW-Authenticate / Proxy-Authenticate; None for other schemes."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    fields = {m.group(1).lower(): (m.group(3) if m.group(3) is not None else m.group(2)) for m in PAIR.finditer(rest)}
    if "realm" not in fields or "nonce" not in fields:
        return None
    algorithm = fields.get("algorithm", "MD5").upper()
    if algorithm not in ALGORITHMS:
        return None
    qop = tuple(q.strip() for q in fields.get("qop", "").split(",") if q.strip())
    return Challenge(
        realm=fields["realm"],
        nonce=fields["nonce"],
        algorithm=algorithm,
        qop=qop,
        opaque=fields.get("opaque"),
        stale=fields.get("stale", "").lower() == "true",
    )


def _hash(algorithm: str, text: str) -> str:
    return hashlib.new(ALGORITHMS[algorithm], text.encode()).hexdigest()


def authorization(
    challenge: Challenge, *, method: str, uri: str, username: str, password: str, cnonce: str, nc: int = 1
) -> str:
    """The Authorization / Proxy-Authorization value answering ``challenge``."""
    ha1 = _hash(challenge.algorithm, f"{username}:{challenge.realm}:{password}")
    ha2 = _hash(challenge.algorithm, f"{method}:{uri}")
    parts = [
        f'username="{username}"',
        f'realm="{challenge.realm}"',
        f'nonce="{challenge.nonce}"',
        f'uri="{uri}"',
        f"algorithm={challenge.algorithm}",
    ]
    if "auth" in challenge.qop:
        count = f"{nc:08x}"
        digest = _hash(challenge.algorithm, f"{ha1}:{challenge.nonce}:{count}:{cnonce}:auth:{ha2}")
        parts += [f'response="{digest}"', "qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
    else:
        parts.append(f'response="{_hash(challenge.algorithm, f"{ha1}:{challenge.nonce}:{ha2}")}"')
    if challenge.opaque is not None:
        parts.append(f'opaque="{challenge.opaque}"')
    return "Digest " + ", ".join(parts)


def verify(header: str, *, method: str, password: str) -> bool:
    """Check an Authorization value (for the test callee that challenges)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return False
    f = {m.group(1).lower(): (m.group(3) if m.group(3) is not None else m.group(2)) for m in PAIR.finditer(rest)}
    try:
        challenge = Challenge(
            realm=f["realm"],
            nonce=f["nonce"],
            algorithm=f.get("algorithm", "MD5").upper(),
            qop=(f["qop"],) if "qop" in f else (),
            opaque=f.get("opaque"),
        )
        expected = authorization(
            challenge,
            method=method,
            uri=f["uri"],
            username=f["username"],
            password=password,
            cnonce=f.get("cnonce", ""),
            nc=int(f.get("nc", "1"), 16),
        )
    except (KeyError, ValueError):
        return False
    return f'response="{f.get("response", "")}"' in expected
