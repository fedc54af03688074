"""Relaying RTP between the two legs of a bridged call, sans I/O: each leg has its audio codec (PCMU or PCMA)
and its RFC 4733 telephone-event payload type, as negotiated in its SDP. Audio is transcoded when the legs'
codecs differ (G.711 u-law <-> A-law, table lookups), DTMF events pass through with the other leg's payload
type, anything else (comfort noise, codecs never offered) is dropped. Sequence numbers, timestamps and SSRC
are kept: each direction is one stream end to end."""

from __future__ import annotations

from dataclasses import dataclass, replace

from switchboard.domain.voice import g711
from switchboard.domain.voice.rtp import RtpPacket
from switchboard.domain.voice.sdp import PCMA, PCMU


@dataclass(frozen=True)
class LegMedia:
    audio_pt: int  # PCMU (0) or PCMA (8)
    dtmf_pt: int | None = None  # telephone-event payload type, None when the leg did not offer it

    def __post_init__(self) -> None:
        if self.audio_pt not in (PCMU, PCMA):
            raise ValueError(f"payload type {self.audio_pt} is not G.711")


def transcode(payload: bytes, source: int, target: int) -> bytes:
    if source == target:
        return payload
    return g711.ulaw_to_alaw(payload) if source == PCMU else g711.alaw_to_ulaw(payload)


def translate(packet: RtpPacket, source: LegMedia, target: LegMedia) -> RtpPacket | None:
    """The packet as the other leg must receive it, or None to drop it."""
    if source.dtmf_pt is not None and packet.payload_type == source.dtmf_pt:
        return None if target.dtmf_pt is None else replace(packet, payload_type=target.dtmf_pt)
    if packet.payload_type != source.audio_pt:
        return None
    return replace(
        packet,
        payload_type=target.audio_pt,
        payload=transcode(packet.payload, source.audio_pt, target.audio_pt),
    )
