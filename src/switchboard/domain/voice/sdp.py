"""SDP (RFC 4566) offer/answer for one audio stream: G.711 (PCMU 0, PCMA 8) and telephone-event (RFC 4733)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

PCMU = 0
PCMA = 8
CODEC_NAMES = {PCMU: "PCMU", PCMA: "PCMA"}
NAME_TO_PT = {"PCMU": PCMU, "PCMA": PCMA}
DTMF_PT = 101
PTIME = 20


class SdpError(ValueError):
    """The body is not an SDP we can use."""


@dataclass(frozen=True)
class Session:
    """The audio part of a session description."""

    address: str
    port: int
    payloads: list[int]
    rtpmap: dict[int, str] = field(default_factory=dict)
    direction: str = "sendrecv"

    def encoding(self, pt: int) -> str:
        """``PCMU/8000``-style name of a payload type (static types need no rtpmap)."""
        if pt in self.rtpmap:
            return self.rtpmap[pt]
        return f"{CODEC_NAMES[pt]}/8000" if pt in CODEC_NAMES else ""

    @property
    def dtmf_pt(self) -> int | None:
        for pt in self.payloads:
            if self.encoding(pt).lower().startswith("telephone-event/"):
                return pt
        return None


@dataclass(frozen=True)
class Negotiated:
    payload_type: int  # PCMU or PCMA
    dtmf_pt: int | None
    remote: tuple[str, int]


def offer(
    address: str, port: int, *, session_id: int, version: int = 1, codecs: tuple[int, ...] = (PCMU, PCMA)
) -> bytes:
    """Our offer: the G.711 codecs in preference order, telephone-event 0-16, 20 ms packets."""
    return _describe(address, port, session_id, version, list(codecs), DTMF_PT, "sendrecv")


def answer(remote_offer: Session, address: str, port: int, *, session_id: int, supported: tuple[int, ...]) -> bytes:
    """An answer choosing the first offered codec we support (and telephone-event if offered)."""
    chosen = [pt for pt in remote_offer.payloads if pt in supported][:1]
    if not chosen:
        raise SdpError("no common codec")
    return _describe(address, port, session_id, 1, chosen, remote_offer.dtmf_pt, "sendrecv")


def _describe(
    address: str, port: int, session_id: int, version: int, codecs: list[int], dtmf: int | None, direction: str
) -> bytes:
    payloads = codecs + ([dtmf] if dtmf is not None else [])
    lines = [
        "v=0",
        f"o=switchboard {session_id} {version} IN IP4 {address}",
        "s=switchboard",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(p) for p in payloads)}",
    ]
    lines += [f"a=rtpmap:{pt} {CODEC_NAMES[pt]}/8000" for pt in codecs]
    if dtmf is not None:
        lines += [f"a=rtpmap:{dtmf} telephone-event/8000", f"a=fmtp:{dtmf} 0-16"]
    lines += [f"a=ptime:{PTIME}", f"a={direction}"]
    return ("\r\n".join(lines) + "\r\n").encode()


def parse(body: bytes) -> Session:
    """The first audio stream of an SDP body (connection address at media or session level)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpError("SDP is not UTF-8") from exc
    session_address = media_address = None
    port: int | None = None
    payloads: list[int] = []
    rtpmap: dict[int, str] = {}
    direction = "sendrecv"
    in_audio = seen_media = False
    for raw in text.splitlines():
        kind, _, value = raw.strip().partition("=")
        if kind == "m":
            seen_media = True
            parts = value.split()
            in_audio = port is None and len(parts) >= 4 and parts[0] == "audio"
            if in_audio:
                port = _int(parts[1])
                payloads = [_int(p) for p in parts[3:]]
        elif kind == "c":
            address = value.split()[-1] if len(value.split()) == 3 else None
            if not seen_media:
                session_address = address
            elif in_audio:
                media_address = address
        elif kind == "a" and (in_audio or not seen_media):
            if value.startswith("rtpmap:") and in_audio:
                pt, _, name = value[len("rtpmap:") :].partition(" ")
                rtpmap[_int(pt)] = name.strip()
            elif value in ("sendrecv", "sendonly", "recvonly", "inactive"):
                direction = value
    address = media_address or session_address
    if port is None or address is None:
        raise SdpError("no audio stream with an address")
    _check_reachable(address, port)
    return Session(address=address, port=port, payloads=payloads, rtpmap=rtpmap, direction=direction)


def _check_reachable(address: str, port: int) -> None:
    """What the relay will send to: a port number and an IP address (refused here, these would make its sendto
    raise OverflowError on every packet, or resolve a name while the event loop waits)."""
    if port > 65535:
        raise SdpError(f"port out of range: {port}")
    try:
        ipaddress.ip_address(address)
    except ValueError as exc:
        raise SdpError(f"the connection address is not an IP address: {address[:60]!r}") from exc


def negotiate(remote: Session, offered: tuple[int, ...] = (PCMU, PCMA)) -> Negotiated:
    """The codec of an answer: the first payload it lists that we offered."""
    for pt in remote.payloads:
        if pt in offered:
            if remote.port == 0:
                raise SdpError("the audio stream is disabled (port 0)")
            return Negotiated(payload_type=pt, dtmf_pt=remote.dtmf_pt, remote=(remote.address, remote.port))
    raise SdpError("no common codec")


def _int(value: str) -> int:
    if not value.isdigit():
        raise SdpError(f"not a number: {value!r}")
    return int(value)
