"""The SIP registrar's rules, sans I/O: digest challenges and their checking (RFC 3261 22, RFC 8760), nonces
that expire and cannot be replayed, contact expiry, and the blocking of addresses that keep failing.

Nonces are stateless to issue (``<issued hex>.<random>.<hmac>``: any process holding the key can check one)
and remembered once used: with ``qop=auth`` each use must carry a higher nonce count than the last, without
qop a nonce is good once. A nonce older than ``NONCE_TTL`` is *stale* (the phone retries with the fresh one
offered), a forged or replayed one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from switchboard.domain.voice.sip import SipMessage, param, uri_of

ALGORITHMS = {"SHA-256": "sha256", "MD5": "md5"}
# Only MD5 is offered by default: softphones still in use (baresip 1.0 of Debian 12, libre 1.x) give up on a
# REGISTER whose 401 carries any challenge they cannot answer, instead of picking the one they can (RFC 8760
# 2.4). ``sip_digest_algorithms`` offers SHA-256 too, or alone, for phones that know it.
DEFAULT_ALGORITHMS = ("MD5",)
PAIR = re.compile(r'(\w+)\s*=\s*("([^"]*)"|[^,\s]+)')
HEX_TIME = re.compile(r"[0-9a-f]{1,16}")
NONCE_COUNT = re.compile(r"[0-9a-fA-F]{8}")
NONCE_TTL = 300.0
DEFAULT_EXPIRES = 3600
MIN_EXPIRES = 60
MAX_EXPIRES = 3600
MAX_CONTACTS = 10
MAX_FIELD = 256


class Verdict(Enum):
    OK = "ok"
    STALE = "stale"  # our nonce, too old: challenge again with stale=true
    INVALID = "invalid"  # forged, malformed, replayed, wrong realm/user, wrong password: 403


@dataclass(frozen=True)
class Credentials:
    """The fields of an ``Authorization: Digest ...`` header."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: int | None
    cnonce: str | None


def parse_credentials(header: str) -> Credentials | None:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    f = {m.group(1).lower(): (m.group(3) if m.group(3) is not None else m.group(2)) for m in PAIR.finditer(rest)}
    required = ("username", "realm", "nonce", "uri", "response")
    if any(k not in f or len(f[k]) > MAX_FIELD for k in required):
        return None
    algorithm = f.get("algorithm", "MD5").upper()
    qop = f.get("qop")
    if algorithm not in ALGORITHMS or qop not in (None, "auth"):
        return None
    nc: int | None = None
    if qop is not None:
        if not NONCE_COUNT.fullmatch(f.get("nc", "")) or not f.get("cnonce"):
            return None
        nc = int(f["nc"], 16)
    return Credentials(
        username=f["username"],
        realm=f["realm"],
        nonce=f["nonce"],
        uri=f["uri"],
        response=f["response"].lower(),
        algorithm=algorithm,
        qop=qop,
        nc=nc,
        cnonce=f.get("cnonce"),
    )


def _h(algorithm: str, text: str) -> str:
    return hashlib.new(ALGORITHMS[algorithm], text.encode()).hexdigest()


def expected_response(c: Credentials, *, method: str, password: str) -> str:
    ha1 = _h(c.algorithm, f"{c.username}:{c.realm}:{password}")
    ha2 = _h(c.algorithm, f"{method}:{c.uri}")
    if c.qop == "auth":
        return _h(c.algorithm, f"{ha1}:{c.nonce}:{c.nc:08x}:{c.cnonce}:auth:{ha2}")
    return _h(c.algorithm, f"{ha1}:{c.nonce}:{ha2}")


class Nonces:
    """Issues and checks nonces; remembers the used ones (bounded: the oldest are forgotten first, and a
    forgotten nonce is old enough to be stale anyway)."""

    def __init__(self, key: bytes, *, ttl: float = NONCE_TTL, remember: int = 100_000) -> None:
        self._key = key
        self.ttl = ttl
        self._remember = remember
        self._used: OrderedDict[str, int] = OrderedDict()  # nonce -> highest nonce count seen (0: no qop)

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:24]

    def issue(self, now: float) -> str:
        body = f"{int(now * 1000):x}.{secrets.token_hex(8)}"
        return f"{body}.{self._sign(body)}"

    def check(self, nonce: str, nc: int | None, now: float) -> Verdict:
        body, _, mac = nonce.rpartition(".")
        issued_hex = body.partition(".")[0]
        genuine = hmac.compare_digest(mac.encode(), self._sign(body).encode())
        if not body or not genuine or not HEX_TIME.fullmatch(issued_hex):
            return Verdict.INVALID
        age = now - int(issued_hex, 16) / 1000
        if age < -5:
            return Verdict.INVALID
        if age > self.ttl:
            return Verdict.STALE
        last = self._used.get(nonce)
        if last is not None and (nc is None or nc <= last):
            return Verdict.INVALID  # replayed
        return Verdict.OK

    def use(self, nonce: str, nc: int | None) -> None:
        self._used[nonce] = nc or 0
        self._used.move_to_end(nonce)
        while len(self._used) > self._remember:
            self._used.popitem(last=False)


def challenges(
    realm: str, nonce: str, *, stale: bool = False, algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
) -> list[str]:
    """WWW-Authenticate values: one per algorithm, in order of preference (RFC 8760 section 2.4)."""
    extra = ", stale=true" if stale else ""
    return [f'Digest realm="{realm}", nonce="{nonce}", algorithm={a}, qop="auth"{extra}' for a in algorithms]


class FailureGuard:
    """Counts authentication failures per source address; ``limit`` within ``window`` seconds blocks the
    address for ``block`` seconds (its requests are then dropped unanswered, as scanners deserve)."""

    def __init__(self, *, limit: int = 10, window: float = 60.0, block: float = 600.0, size: int = 50_000) -> None:
        self.limit, self.window, self.block, self._size = limit, window, block, size
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._blocked: dict[str, float] = {}

    def blocked(self, address: str, now: float) -> bool:
        until = self._blocked.get(address)
        if until is None:
            return False
        if until <= now:
            del self._blocked[address]
            return False
        return True

    def failed(self, address: str, now: float) -> bool:
        """Count one failure; True when the address is now blocked."""
        times = [t for t in self._failures.pop(address, []) if now - t < self.window] + [now]
        if len(times) >= self.limit:
            self._blocked[address] = now + self.block
            return True
        self._failures[address] = times
        while len(self._failures) > self._size:
            self._failures.popitem(last=False)
        return False

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


@dataclass(frozen=True)
class ContactChange:
    """One contact of a REGISTER: ``expires`` 0 removes it; ``uri`` None with 0 means ``Contact: *``."""

    uri: str | None
    expires: int


def printable(text: str) -> str:
    """``text`` without control characters (what is stored of a phone's User-Agent or Call-ID)."""
    return "".join(ch for ch in text if ch.isprintable())


class RegisterError(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _seconds(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        raise RegisterError(400, "Bad Expires")
    return int(value)


def contact_changes(message: SipMessage, *, min_expires: int = MIN_EXPIRES) -> list[ContactChange]:
    """The contacts a REGISTER adds, refreshes or removes (none: a query of the current bindings)."""
    default = _seconds(message.get("expires"))
    contacts = message.all("contact")
    if any(c.strip() == "*" for c in contacts):
        if len(contacts) != 1 or default != 0:
            raise RegisterError(400, "Invalid Contact *")
        return [ContactChange(None, 0)]
    if len(contacts) > MAX_CONTACTS:
        raise RegisterError(403, "Too Many Contacts")
    changes: list[ContactChange] = []
    for contact in contacts:
        uri = uri_of(contact)
        if not uri.lower().startswith(("sip:", "sips:")) or len(uri) > 255 or not uri.isprintable():
            raise RegisterError(400, "Bad Contact")
        own = _seconds(param(contact, "expires"))
        expires = own if own is not None else default if default is not None else DEFAULT_EXPIRES
        if 0 < expires < min_expires:
            raise RegisterError(423, "Interval Too Brief")
        changes.append(ContactChange(uri, min(expires, MAX_EXPIRES)))
    return changes
