"""SIP messages (RFC 3261) as values: parse a datagram into a message, build requests and responses.

Only what an outbound user agent and a small test callee need: the start line, headers (compact forms
expanded, comma-joined values split outside quotes and angle brackets) and the body cut at Content-Length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
}
CANONICAL = {
    "via": "Via",
    "from": "From",
    "to": "To",
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "contact": "Contact",
    "content-length": "Content-Length",
    "content-type": "Content-Type",
    "max-forwards": "Max-Forwards",
    "www-authenticate": "WWW-Authenticate",
    "proxy-authenticate": "Proxy-Authenticate",
    "authorization": "Authorization",
    "proxy-authorization": "Proxy-Authorization",
    "record-route": "Record-Route",
    "route": "Route",
    "user-agent": "User-Agent",
    "allow": "Allow",
    "supported": "Supported",
}
# Headers whose comma-joined values are separate entries (RFC 3261 7.3.1).
MULTI = frozenset({"via", "route", "record-route", "contact", "allow", "supported"})
STATUS_LINE = re.compile(r"^SIP/2\.0 (\d{3}) ?(.*)$")
REQUEST_LINE = re.compile(r"^([A-Z]+) (\S+) SIP/2\.0$")


class SipParseError(ValueError):
    """The datagram is not a SIP message we can read."""


@dataclass
class SipMessage:
    """A request (``method`` and ``uri`` set) or a response (``status`` set). Header names are lowercase."""

    method: str | None = None
    uri: str | None = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def get(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        name = name.lower()
        values: list[str] = []
        for key, value in self.headers:
            if key == name:
                values.extend(split_values(value) if name in MULTI else [value])
        return values

    def add(self, name: str, value: str) -> SipMessage:
        self.headers.append((name.lower(), value))
        return self

    def replace(self, name: str, value: str) -> SipMessage:
        name = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k != name] + [(name, value)]
        return self

    @property
    def call_id(self) -> str:
        return self.get("call-id") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        raw = (self.get("cseq") or "").split()
        if len(raw) != 2 or not raw[0].isdigit():
            return 0, ""
        return int(raw[0]), raw[1].upper()

    def encode(self) -> bytes:
        if self.method is not None:
            start = f"{self.method} {self.uri} SIP/2.0"
        else:
            start = f"SIP/2.0 {self.status} {self.reason}"
        lines = [start]
        for key, value in self.headers:
            if key != "content-length":
                lines.append(f"{CANONICAL.get(key, key.title())}: {value}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def split_values(value: str) -> list[str]:
    """Split a header value at commas that are outside quotes and angle brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth = max(0, depth - 1)
        if char == "," and not quoted and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse(data: bytes) -> SipMessage:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError("header is not UTF-8") from exc
    lines = text.replace("\r\n", "\n").split("\n")
    message = _start_line(lines[0].strip())
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t" and message.headers:  # folded continuation
            key, value = message.headers[-1]
            message.headers[-1] = (key, value + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise SipParseError(f"bad header line {line!r}")
        key = name.strip().lower()
        message.headers.append((COMPACT.get(key, key), value.strip()))
    length = message.get("content-length")
    if length is not None:
        if not length.isdigit() or int(length) > len(body):
            raise SipParseError("Content-Length exceeds the datagram")
        body = body[: int(length)]
    message.body = body
    for required in ("call-id", "cseq", "from", "to", "via"):
        if message.get(required) is None:
            raise SipParseError(f"missing {required}")
    return message


def _start_line(line: str) -> SipMessage:
    status = STATUS_LINE.match(line)
    if status:
        return SipMessage(status=int(status.group(1)), reason=status.group(2))
    request = REQUEST_LINE.match(line)
    if request:
        return SipMessage(method=request.group(1), uri=request.group(2))
    raise SipParseError(f"bad start line {line!r}")


def param(value: str, name: str) -> str | None:
    """A ``;name=value`` parameter of a header value (outside its ``<uri>``)."""
    outside = value.rsplit(">", 1)[-1] if ">" in value else value
    for item in outside.split(";")[1:]:
        key, _, found = item.partition("=")
        if key.strip().lower() == name:
            return found.strip().strip('"')
    return None


def uri_of(value: str) -> str:
    """The URI inside a name-addr (``"Bob" <sip:bob@host>;tag=1``) or an addr-spec."""
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.index(">")]
    return value.split(";", 1)[0].strip()


def user_of(uri: str) -> str:
    """The user part of a sip: URI (``sip:919876543210@host`` -> ``919876543210``)."""
    rest = uri.split(":", 1)[-1]
    return rest.split("@", 1)[0] if "@" in rest else ""


def response(request: SipMessage, status: int, reason: str, *, to_tag: str | None = None) -> SipMessage:
    """A response copying the request's Via, From, To (adding ``to_tag`` when it has none), Call-ID, CSeq."""
    answer = SipMessage(status=status, reason=reason)
    for via in request.all("via"):
        answer.add("via", via)
    to = request.get("to") or ""
    if to_tag and param(to, "tag") is None:
        to = f"{to};tag={to_tag}"
    answer.add("from", request.get("from") or "")
    answer.add("to", to)
    answer.add("call-id", request.call_id)
    answer.add("cseq", request.get("cseq") or "")
    return answer
