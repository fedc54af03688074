"""What the queue and the dialer ask the outside world to do: bytes-free commands, carried out by a service."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.domain.callcenter.outcomes import Outcome


@dataclass(frozen=True)
class Ring:
    """Ring an agent's phone for a call; the caller hears the group's transfer ring tone meanwhile."""

    call_id: str
    agent_id: int


@dataclass(frozen=True)
class StopRinging:
    call_id: str
    agent_id: int


@dataclass(frozen=True)
class Bridge:
    """Join the customer's leg and the agent's (recorded)."""

    call_id: str
    agent_id: int


@dataclass(frozen=True)
class Dial:
    """Place a call to a task's callee."""

    call_id: str
    callee_id: int
    number: str


@dataclass(frozen=True)
class HangUp:
    """End the customer's leg from the platform's side."""

    call_id: str


@dataclass(frozen=True)
class Finished:
    """The call is over; its record is ``outcome``."""

    outcome: Outcome


Action = Ring | StopRinging | Bridge | Dial | HangUp | Finished
