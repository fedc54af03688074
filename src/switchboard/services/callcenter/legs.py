"""The seam between the call-center engines and the telephony: placing callee legs, bridging them to an agent's
phone, hanging up, and the events that come back. The SIP implementation belongs to the call engine (B2BUA);
``tests/fakes/cc_legs.py`` is the scripted fake the engine tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from switchboard.domain.callcenter.outcomes import Direction

ANSWERED, FAILED, HUNG_UP = "answered", "failed", "hung_up"


@dataclass(frozen=True)
class LegEvent:
    call_id: str
    kind: str  # answered, failed (cause: no_answer, busy, no_service, out_of_area, failed), hung_up (by)
    cause: str = ""
    by: Direction = Direction.CUSTOMER


class Legs(Protocol):
    async def dial(self, call_id: str, number: str, caller_id: str | None, ring_limit: int) -> None: ...

    async def bridge(self, call_id: str, agent_account: str) -> None: ...

    async def hang_up(self, call_id: str) -> None: ...

    def events(self) -> list[LegEvent]:
        """The events since the last call, oldest first."""
        ...


ARRIVED, AGENT_ANSWERED = "arrived", "agent_answered"


@dataclass(frozen=True)
class QueueEvent:
    """What happens to an inbound call: it arrives (``number``: the caller, ``called``: the bound number), an
    agent answers (``agent_id``), a party hangs up (``by``)."""

    call_id: str
    kind: str  # arrived, agent_answered, hung_up
    number: str = ""
    called: str = ""
    agent_id: int = 0
    by: Direction = Direction.CUSTOMER


class AgentPhones(Protocol):
    """Inbound side of the seam: ringing agents' phones (the caller hears the group's ring tone meanwhile),
    bridging, hanging up the caller, and the events of the queue's calls."""

    async def ring(self, call_id: str, agent_account: str) -> None: ...

    async def stop_ringing(self, call_id: str, agent_account: str) -> None: ...

    async def bridge(self, call_id: str, agent_account: str) -> None: ...

    async def hang_up(self, call_id: str) -> None: ...

    def events(self) -> list[QueueEvent]: ...
