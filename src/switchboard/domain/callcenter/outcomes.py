"""How a call-center call ended, in the words of C17: call type, hang-up reason (0-9), hang-up direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class CallType(IntEnum):
    GROUP_CALL = 1  # a task's callee put through to an agent
    INBOUND = 2
    OUTBOUND = 3  # an automatic-call task (type 0) or an agent's own call


class Reason(IntEnum):
    OUTBOUND_NOT_ANSWERED = 0
    OUTBOUND_HUNG_UP = 1  # answered, then ended before or without an agent (abandoned when by the system)
    HUNG_UP_WHILE_TRANSFER_RINGING = 2
    HUNG_UP_AFTER_TRANSFER = 3
    CALL_FAILED = 4
    NO_SERVICE = 5
    OUT_OF_AREA = 6
    BUSY = 7
    INBOUND_NOT_ANSWERED = 8
    INBOUND_HUNG_UP = 9


class Direction(IntEnum):
    CUSTOMER = 0
    AGENT = 1
    SYSTEM = 3


# A callee leg that never answered: the SIP final response's meaning -> reason.
FAILURE_REASONS: dict[str, Reason] = {
    "no_answer": Reason.OUTBOUND_NOT_ANSWERED,
    "busy": Reason.BUSY,
    "no_service": Reason.NO_SERVICE,
    "out_of_area": Reason.OUT_OF_AREA,
    "failed": Reason.CALL_FAILED,
}


@dataclass(frozen=True)
class Outcome:
    """One finished call, as the record C17 shows it (times in engine seconds)."""

    call_id: str
    call_type: CallType
    number: str
    reason: Reason
    direction: Direction
    started: float
    agent_id: int | None = None
    answered: float | None = None  # the customer's leg answered (outbound) or entered the queue (inbound)
    connected: float | None = None  # an agent took the call
    ended: float = 0.0
    labels: tuple[str, ...] = field(default=())

    @property
    def wait_seconds(self) -> float:
        """How long the customer waited for an agent (answer or arrival until connected or end)."""
        if self.answered is None:
            return 0.0
        return (self.connected if self.connected is not None else self.ended) - self.answered

    @property
    def talk_seconds(self) -> float:
        return self.ended - self.connected if self.connected is not None else 0.0

    @property
    def abandoned(self) -> bool:
        """Answered by the customer but never put through to an agent."""
        return self.answered is not None and self.connected is None
