"""Which SIP trunks are up: OPTIONS pings every ``INTERVAL`` seconds; ``DOWN_AFTER`` unanswered pings in a row
mark a trunk down, one answer marks it up again. Calls skip trunks that are down (straight to the next trunk
of the route, instead of 32 s of INVITE retransmissions first); when every trunk of a route is down they are
tried all the same, in route order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from switchboard.connectors.voice.base import VoiceTrunk
from switchboard.connectors.voice.sip_trunk import SipTrunk

log = logging.getLogger("switchboard.voice.health")
INTERVAL = 15.0
DOWN_AFTER = 2


class TrunkHealth:
    def __init__(self, *, down_after: int = DOWN_AFTER, timeout: float = 2.0) -> None:
        self.down_after = down_after
        self.timeout = timeout
        self.misses: dict[str, int] = {}
        self.down: set[str] = set()

    async def check(self, trunks: Mapping[str, VoiceTrunk]) -> None:
        """Ping every SIP trunk once, at the same time."""
        named = [(name, t) for name, t in trunks.items() if isinstance(t, SipTrunk)]
        answers = await asyncio.gather(*(t.probe(self.timeout) for _, t in named), return_exceptions=True)
        for (name, _), answer in zip(named, answers, strict=True):
            if answer is True:
                self.misses[name] = 0
                if name in self.down:
                    self.down.discard(name)
                    log.info("trunk %s answers OPTIONS again: up", name)
                continue
            self.misses[name] = self.misses.get(name, 0) + 1
            if self.misses[name] >= self.down_after and name not in self.down:
                self.down.add(name)
                log.warning("trunk %s did not answer %d OPTIONS pings: down", name, self.misses[name])

    def order(self, names: list[str]) -> list[str]:
        """The route's trunks without those that are down (all of them when every one is down)."""
        up = [n for n in names if n not in self.down]
        return up or names
