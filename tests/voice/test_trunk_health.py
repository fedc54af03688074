"""Trunk health: SIPp (a carrier answering OPTIONS) stays up, a trunk whose port is dead goes down after two
unanswered pings, and calls then skip it instead of waiting out INVITE retransmissions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from switchboard.connectors.voice.sip_trunk import SipTrunk, SipTrunkConfig
from switchboard.connectors.voice.trunk_health import TrunkHealth
from switchboard.services.context import Services
from switchboard.workers.voice import TrunkSet
from tests.voice.sipp import free_udp_port, sipp

pytestmark = pytest.mark.integration
ROW: dict[str, Any] = {"country": "IN", "callee": "919876543210", "account_id": 1}


async def test_a_dead_trunk_is_skipped_and_a_live_one_kept(services: Services, tmp_path: Path) -> None:
    dead = SipTrunk(SipTrunkConfig(name="dead", host="127.0.0.1", port=free_udp_port(), local_host="127.0.0.1"))
    async with sipp("options", tmp_path, calls=2, echo=False) as port:
        live = SipTrunk(SipTrunkConfig(name="live", host="127.0.0.1", port=port, local_host="127.0.0.1"))
        trunk_set = TrunkSet(services, {"dead": (dead, 10, 10), "live": (live, 10, 10)})
        await trunk_set.start()
        trunk_set.health = TrunkHealth(timeout=1.0)
        try:
            assert trunk_set.choose(ROW) == ["dead", "live"]
            started = time.monotonic()
            for _ in range(2):
                await trunk_set.health.check({n: s.trunk for n, s in trunk_set.slots.items()})
            assert time.monotonic() - started < 3  # the pings run side by side, bounded by the timeout
            assert trunk_set.health.down == {"dead"}
            assert trunk_set.choose(ROW) == ["live"]
        finally:
            await trunk_set.stop()
    health = TrunkHealth()
    health.down = {"a", "b"}
    assert health.order(["a", "b"]) == ["a", "b"]  # every trunk down: try them all the same
