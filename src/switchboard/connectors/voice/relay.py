"""The media relay of a bridged call: one UDP socket per leg, RTP read on one leg's socket is translated
(``domain.voice.relay``) and sent from the other leg's socket to that leg's peer.

Symmetric RTP with latching: a leg's peer is first the address of its SDP, then the address its packets
actually come from (a phone behind NAT sends from another port than it announced). Nothing is buffered:
a packet is forwarded as it arrives or dropped. ``silent_for`` tells how long a leg has sent nothing (the
RTP timeout of dead legs); ``tap`` sees every forwarded audio packet (recording).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from switchboard.domain.voice import rtp
from switchboard.domain.voice.relay import LegMedia, translate

Address = tuple[str, int]
A, B = 0, 1


@dataclass
class LegState:
    media: LegMedia
    peer: Address | None = None
    received: int = 0
    forwarded: int = 0
    dropped: int = 0
    last: float = field(default_factory=time.monotonic)


class _LegSocket(asyncio.DatagramProtocol):
    def __init__(self, relay: RtpRelay, leg: int) -> None:
        self.relay, self.leg = relay, leg
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.relay.received(self.leg, data, (str(addr[0]), int(addr[1])))


class RtpRelay:
    def __init__(self, a: LegMedia, b: LegMedia, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.legs = [LegState(a, last=clock()), LegState(b, last=clock())]
        self.sockets: list[_LegSocket] = []
        self.clock = clock
        self.tap: Callable[[int, rtp.RtpPacket], None] | None = None

    async def open(self, host: str = "127.0.0.1") -> tuple[Address, Address]:
        """Bind a socket per leg; answers the two local addresses to put in each leg's SDP."""
        loop = asyncio.get_running_loop()
        for leg in (A, B):
            protocol = _LegSocket(self, leg)
            await loop.create_datagram_endpoint(lambda protocol=protocol: protocol, local_addr=(host, 0))  # type: ignore[misc]
            self.sockets.append(protocol)
        return self.local(A), self.local(B)

    def local(self, leg: int) -> Address:
        transport = self.sockets[leg].transport
        assert transport is not None
        host, port = transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def set_peer(self, leg: int, address: Address) -> None:
        self.legs[leg].peer = address

    def received(self, leg: int, data: bytes, source: Address) -> None:
        state, other = self.legs[leg], self.legs[1 - leg]
        state.received += 1
        state.last = self.clock()
        state.peer = source  # latch onto where the leg really sends from
        packet = rtp.parse(data)
        out = translate(packet, state.media, other.media) if packet is not None else None
        transport = self.sockets[1 - leg].transport if len(self.sockets) == 2 else None
        if out is None or other.peer is None or transport is None or transport.is_closing():
            state.dropped += 1
            return
        transport.sendto(out.encode(), other.peer)
        state.forwarded += 1
        if self.tap is not None and packet is not None and out.payload_type == other.media.audio_pt:
            self.tap(leg, packet)

    def silent_for(self, leg: int) -> float:
        return self.clock() - self.legs[leg].last

    def dead(self, timeout: float) -> bool:
        """A leg that has sent RTP went silent for ``timeout`` seconds (the RTP timeout of dead legs). A leg that
        never sent any (a far end that suppresses silence, the sandbox's callee) is not judged."""
        return any(state.received and self.silent_for(leg) > timeout for leg, state in enumerate(self.legs))

    def close(self) -> None:
        for sock in self.sockets:
            if sock.transport is not None:
                sock.transport.close()
