"""Keeping registrations honest: OPTIONS pings to the phones registered over UDP (through their NAT binding,
to the source address the REGISTER came from); a contact that leaves ``MAX_MISSES`` pings in a row
unanswered is dropped, so calls are not sent to phones that are gone. Any response counts as an answer
(a phone may well answer OPTIONS with 405 or 481)."""

from __future__ import annotations

import logging
import secrets

from switchboard.connectors.voice.sip_server import Address, SipServer
from switchboard.domain.voice.sip import SipMessage
from switchboard.services.context import Services
from switchboard.store import phones as store

log = logging.getLogger("switchboard.voice.keepalive")
MAX_MISSES = 3
MAX_PINGED = 10_000  # contacts pinged per round at most


def parse_source(source: str) -> Address | None:
    host, _, port = source.rpartition(":")
    return (host.strip("[]"), int(port)) if host and port.isdigit() else None


class KeepAlive:
    def __init__(self, services: Services, server: SipServer) -> None:
        self.s = services
        self.server = server
        self.misses: dict[tuple[int, str], int] = {}
        self.pending: dict[str, tuple[int, str]] = {}
        self.dropped = 0
        server.on_response = self.answered

    def answered(self, message: SipMessage, source: Address) -> None:
        key = self.pending.pop(message.call_id, None)
        if key is not None:
            self.misses[key] = 0

    def ping(self, contact: str, address: Address) -> str:
        local = self.server.address
        call_id = f"ka-{secrets.token_hex(8)}"
        message = SipMessage(method="OPTIONS", uri=contact)
        message.add("via", f"SIP/2.0/UDP {local[0]}:{local[1]};branch=z9hG4bK{secrets.token_hex(8)};rport")
        message.add("from", f"<sip:keepalive@{local[0]}:{local[1]}>;tag={secrets.token_hex(4)}")
        message.add("to", f"<{contact}>").add("call-id", call_id).add("cseq", "1 OPTIONS")
        message.add("max-forwards", "70")
        self.server.send_udp(message, address)
        return call_id

    async def round(self) -> int:
        """Ping every UDP contact once; drop those that missed too many. Answers how many were dropped."""
        async with self.s.db.read() as conn:
            live = await store.live_registrations(conn, now=self.s.clock.now(), transport="udp", limit=MAX_PINGED)
        self.pending.clear()  # unanswered pings of the last round stay counted as misses
        gone: list[tuple[int, str]] = []
        seen: set[tuple[int, str]] = set()
        for registration in live:
            key = (registration.phone_id, registration.contact)
            address = parse_source(registration.source)
            seen.add(key)
            if address is None:
                continue
            if self.misses.get(key, 0) >= MAX_MISSES:
                gone.append(key)
                continue
            self.misses[key] = self.misses.get(key, 0) + 1
            self.pending[self.ping(registration.contact, address)] = key
        self.misses = {k: v for k, v in self.misses.items() if k in seen and k not in gone}
        if gone:
            async with self.s.db.write() as conn:
                for phone_id, contact in gone:
                    await store.remove_registration(conn, phone_id, contact)
            log.info("dropped %d registrations that stopped answering OPTIONS", len(gone))
            self.dropped += len(gone)
        return len(gone)
